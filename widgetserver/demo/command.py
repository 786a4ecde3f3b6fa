"""``widgetserver demo``: the widget server and a demo shop on one machine, ready to try.

The shop runs on a different host name than the widget server (``localhost`` and
``127.0.0.1``), as a real shop would, so the browser keeps their cookies apart and the shop's
origin is a cross-origin one for the widgets. Both are served by Werkzeug's development server:
fine for a demo; ``widgetserver serve`` is the production server.
"""

from __future__ import annotations

import json
import signal
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import BaseWSGIServer, make_server

from ..core import clock, migrate
from ..core.db import db
from . import seed, seedfriends
from .shop import create_shop


@click.command("demo", help="Run the widget server with a demo shop, for trying it out.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Widget server address.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Widget server port.",
)
@click.option(
    "--shop-host",
    default="localhost",
    show_default=True,
    help="Host name of the demo shop; not the widget server's, so their cookies never mix.",
)
@click.option(
    "--shop-port", default=8001, show_default=True, type=click.IntRange(1, 65535), help="Shop port."
)
@click.option("--seed-only", is_flag=True, help="Create the demo site and history, then exit.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON line.")
@with_appcontext
def command(
    host: str, port: int, shop_host: str, shop_port: int, seed_only: bool, as_json: bool
) -> None:
    if db.engine.dialect.name != "sqlite":
        # Never plant a demo owner with a published password and made-up orders in production.
        raise click.ClickException(
            "the demo runs on its own SQLite database; unset WIDGETSERVER_DATABASE_URL "
            "(and point WIDGETSERVER_INSTANCE_PATH at a folder for it)"
        )
    if shop_host == host:
        click.echo("Warning: the shop and the widget server share a host name.", err=True)
    migrate.upgrade(db.engine)
    shop_url = f"http://{shop_host}:{shop_port}"
    origins = [shop_url, f"http://127.0.0.1:{shop_port}"]
    with db.writing() as session:
        key = current_app.config["SECRET_KEY"]
        setup = seed.set_up(session, origins, shop_url, clock.now(), claim_key=key)
        site_key, site_secret = setup.site.public_key, setup.site.secret
    if not current_app.config["PUBLIC_URL"]:
        address = f"[{host}]" if ":" in host else host  # an IPv6 literal
        current_app.config["PUBLIC_URL"] = f"http://{address}:{port}"
    widget_url = current_app.config["PUBLIC_URL"]
    summary = {
        "widget_server": widget_url,
        "shop": shop_url,
        "site_key": site_key,
        "login": {"email": seed.OWNER_EMAIL, "password": seed.OWNER_PASSWORD},
        "try_url": f"{shop_url}/products/{seed.KNOWN_PRODUCT}?swk={seed.KNOWN_CODE}",
        "seeded": setup.seeded,
        "claim_url": f"{widget_url}/r/{seedfriends.claim_secret(site_secret, 'anon')}",
    }
    if seed_only:
        _print(summary, as_json, serving=False)
        return

    shop = create_shop(widget_url, site_key, site_secret)
    servers = [
        _listen(host, port, current_app._get_current_object()),  # type: ignore[attr-defined]
        _listen(host, shop_port, shop),
    ]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    _print(summary, as_json, serving=True)
    try:
        _wait_for_stop()
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)
        shop.extensions["outbox"].stop()
        click.echo("Demo stopped.", err=True)


def _listen(host: str, port: int, app: Any) -> BaseWSGIServer:
    try:
        return make_server(host, port, app, threaded=True)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _wait_for_stop() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()  # signals reach only it
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) if in_main else None
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _print(summary: dict[str, Any], as_json: bool, *, serving: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary))
        return
    login = summary["login"]
    lines = [
        "Social Widget Kit demo" + (" is running." if serving else ": set up."),
        "",
        f"  Widget server    {summary['widget_server']}",
        f"  Demo shop        {summary['shop']}",
        f"  Back office      {summary['shop']}/orders",
        f"  Rewards          {summary['shop']}/rewards",
        f"  A claim page     {summary['claim_url']}",
        f"  Try attribution  {summary['try_url']}",
        f"  Owners' pages    {summary['widget_server']}/admin/",
        f"  Owner login      {login['email']} / {login['password']}",
        f"  Site key         {summary['site_key']}",
        "",
    ]
    if summary["seeded"]:
        lines.append("A month of made-up history was added to the demo site.")
    if serving:
        lines.append("Stop with Ctrl-C.")
    click.echo("\n".join(lines))
