"""The ``widgetserver`` command: a Flask CLI group built on the application factory.

Every command prints JSON instead of text with ``--json``, for scripts and provisioning tools.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup, routes_command, shell_command, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import sites
from ..ingest import visitors
from ..models import IngestDrop, Site
from ..web.publicurl import public_url
from . import clock, migrate
from .db import db

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def emit(as_json: bool, data: Any, text: Callable[[Any], str]) -> None:
    click.echo(json.dumps(data, indent=2) if as_json else text(data))


def fail(message: str) -> None:
    raise click.ClickException(message)


@click.group("db", cls=AppGroup, help="Database schema.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Create or migrate the database schema to this version.")
@json_option
def db_upgrade(as_json: bool) -> None:
    before, after = migrate.upgrade(db.engine)
    emit(
        as_json,
        {"before": before, "after": after, "changed": before != after},
        lambda d: f"Database schema: {d['before'] or 'empty'} -> {d['after']}",
    )


@click.group("owners", cls=AppGroup, help="Shop owners (people who log in to the stats page).")
def owners_group() -> None:
    pass


@owners_group.command("create", help="Create an owner account.")
@click.argument("email")
@click.option("--admin", is_flag=True, help="May see and manage every site.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@json_option
def owners_create(email: str, admin: bool, password_stdin: bool, as_json: bool) -> None:
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if len(password) < 8:
            fail("the password must have at least 8 characters")
    with db.writing() as session:
        try:
            owner = sites.create_owner(
                session, email, password=password, is_admin=admin, now=clock.now()
            )
        except sites.InputError as exc:
            fail(str(exc))
        data = {
            "id": owner.id,
            "email": owner.email,
            "admin": owner.is_admin,
            "password_set": password is not None,
        }
    emit(
        as_json, data, lambda d: f"Owner {d['email']} created" + (" (admin)" if d["admin"] else "")
    )


@click.group("sites", cls=AppGroup, help="Shops served by this server.")
def sites_group() -> None:
    pass


def _site_data(site: Site, *, with_secret: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "public_key": site.public_key,
        "name": site.name,
        "owner": site.owner.email,
        "origins": list(site.origins),
        "active": site.active,
        "created_at": site.created_at.isoformat(),
    }
    if with_secret:
        data["secret"] = site.secret
        data["snippet"] = sites.embed_snippet(public_url(), site)
    return data


@sites_group.command("create", help="Create a site and print its key, secret and snippet.")
@click.option("--owner", "owner_email", required=True, help="The owner's e-mail address.")
@click.option("--name", required=True, help="The shop's name.")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    required=True,
    help="A shop origin allowed to embed the widgets (repeat for several).",
)
@json_option
def sites_create(owner_email: str, name: str, origins: tuple[str, ...], as_json: bool) -> None:
    with db.writing() as session:
        owner = sites.find_owner(session, owner_email)
        if owner is None:
            fail(f"no owner with the e-mail {owner_email}; create one with `owners create`")
        try:
            site = sites.create_site(session, owner, name, list(origins), now=clock.now())
        except sites.InputError as exc:
            fail(str(exc))
        data = _site_data(site, with_secret=True)
    emit(
        as_json,
        data,
        lambda d: (
            f"Site {d['name']} created.\n  public key: {d['public_key']}\n  secret:     "
            f"{d['secret']}  (keep it on the shop's server only)\n\nEmbed snippet:\n{d['snippet']}"
        ),
    )


@sites_group.command("list", help="List sites with their owners and origins.")
@json_option
def sites_list(as_json: bool) -> None:
    rows = db.session.scalars(select(Site).options(joinedload(Site.owner)).order_by(Site.id)).all()
    data = [_site_data(site) for site in rows]
    emit(
        as_json,
        data,
        lambda d: (
            "\n".join(
                f"{s['public_key']}  {s['name']}  ({s['owner']})  {' '.join(s['origins'])}"
                + ("" if s["active"] else "  [inactive]")
                for s in d
            )
            or "No sites yet."
        ),
    )


@sites_group.command("rotate-secret", help="Give a site a new secret.")
@click.argument("public_key")
@click.option(
    "--grace-hours",
    type=click.IntRange(0, 168),
    default=0,
    show_default=True,
    help="Keep accepting the old secret this long, while the shop is updated.",
)
@json_option
def sites_rotate_secret(public_key: str, grace_hours: int, as_json: bool) -> None:
    with db.writing() as session:
        site = sites.by_key(session, public_key)
        if site is None:
            fail(f"no active site with the public key {public_key}")
        now = clock.now()
        try:
            grace = timedelta(hours=grace_hours)
            secret = sites.rotate_secret(session, site, grace=grace, now=now)
        except sites.GraceRunning as running:
            fail(
                f"{running}; rotate again after that, or with --grace-hours 0 to end the old "
                "secrets at once (nothing was changed)"
            )
        data = {
            "public_key": site.public_key,
            "secret": secret,
            "previous_secret_valid_until": site.previous_secret_until.isoformat()
            if site.previous_secret_until
            else None,
        }
    emit(
        as_json,
        data,
        lambda d: (
            f"New secret for {d['public_key']}: {d['secret']}"
            + (
                f"\nThe old secret stays valid until {d['previous_secret_valid_until']}."
                if d["previous_secret_valid_until"]
                else "\nThe old secret no longer verifies."
            )
        ),
    )


@click.command("drops", help="Events refused by ingest, by site, day and reason.")
@with_appcontext
@click.option("--site", "public_key", help="Only this site (default: all, 0 = unknown site).")
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True)
@json_option
def drops(public_key: str | None, days: int, as_json: bool) -> None:
    since = clock.now().date() - timedelta(days=days - 1)
    query = select(IngestDrop).where(IngestDrop.day >= since)
    if public_key:
        site = sites.by_key(db.session, public_key)
        if site is None:
            fail(f"no active site with the public key {public_key}")
        query = query.where(IngestDrop.site_id == site.id)
    keys = dict(db.session.execute(select(Site.id, Site.public_key)).all())
    rows = db.session.scalars(query.order_by(IngestDrop.day, IngestDrop.site_id)).all()
    data = [
        {
            "site": keys.get(r.site_id),
            "day": r.day.isoformat(),
            "reason": r.reason,
            "count": r.count,
        }
        for r in rows
    ]
    emit(
        as_json,
        data,
        lambda d: (
            "\n".join(
                f"{r['day']}  {r['site'] or '(unknown site)'}  {r['reason']}: {r['count']}"
                for r in d
            )
            or "Nothing was refused."
        ),
    )


@click.command(
    "purge", help="Delete visitor salts older than 48 hours (run daily on quiet servers)."
)
@with_appcontext
@json_option
def purge(as_json: bool) -> None:
    with db.writing() as session:
        gone = visitors.purge(session, clock.now().date())
    emit(as_json, {"salts_deleted": gone}, lambda d: f"Deleted {d['salts_deleted']} old salt(s).")


def init_app(app: Flask) -> None:
    from ..demo import command as demo
    from . import serve

    for command in (db_group, owners_group, sites_group, drops, purge, serve.command, demo.command):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from .. import create_app

    return create_app()


def main() -> None:
    """Entry point of the ``widgetserver`` console script."""
    group = FlaskGroup(
        create_app=_create_app,
        add_default_commands=False,
        add_version_option=False,
        load_dotenv=False,
        set_debug_flag=False,
        help="Social Widget Kit widget server. Configured through WIDGETSERVER_* variables.",
    )
    # The app comes from the factory; Flask's --app/--env-file/--debug options do not apply.
    group.params = [p for p in group.params if p.name not in ("app", "env_file", "debug")]
    click.version_option(package_name="social-widget-kit", prog_name="widgetserver")(group)
    group.add_command(shell_command)
    group.add_command(routes_command)
    group.main(prog_name="widgetserver")
