"""What share buttons cost a shop's page, measured in real Chromium against the same page without.

    make bench-widgets

A shop page (product text, an image placeholder, a paragraph below) is served from one host,
the widget server from another, both on this machine. Each round loads the page twice in a
fresh browser context - once as it is (the baseline), once with the loader and a share
container - alternating the order. Reported are medians over the rounds:

- main-thread time (Chromium's TaskDuration and ScriptDuration) with and without the widget,
  and their difference: the cost the widget adds to the visitor's CPU;
- the time from navigation until the buttons are in the page;
- bytes transferred from the widget server and the number of requests it got;
- layout shift with the documented reserved size (must be 0).

Noise is high on shared machines; read the ratios and medians, not single runs.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from widgetserver import create_app, sites
from widgetserver.core.db import db
from widgetserver.core.migrate import upgrade

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

PAGE = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>Becher, blau</title>
<link rel="canonical" href="/products/mug"><style>
body {{ font: 16px/1.5 system-ui; max-width: 40rem; margin: 2rem auto }}
.img {{ height: 320px; background: #ddd }} [data-swk="share"] {{ min-height: 48px }}
</style></head><body><h1>Becher, blau</h1><div class="img"></div>
<p>{text}</p>{widget}<p>{text}</p></body></html>"""
TEXT = "Handgetöpfert, spülmaschinenfest, 350 ml. " * 12
WIDGET = (
    '<div data-swk="share" data-swk-product="MUG-1"></div>'
    '<script async src="{server}/v1/loader.js" data-site="{key}"></script>'
)
READY = """() => new Promise((resolve) => {
  const done = () => {
    const host = document.querySelector('[data-swk]');
    if (!host || (host.shadowRoot && host.shadowRoot.querySelector('.b'))) {
      let shift = 0;
      new PerformanceObserver((l) => l.getEntries().forEach((e) => { shift += e.value; }))
        .observe({ type: 'layout-shift', buffered: true });
      setTimeout(() => resolve({ ready: performance.now(), shift }), 50);
    } else requestAnimationFrame(done);
  };
  done();
})"""


class Served:
    def __init__(self, app: Any, host: str) -> None:
        import threading

        self.server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def shop_app(pages: dict[str, str]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = pages.get(environ["PATH_INFO"], "")
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    return app


def measure(browser: Any, url: str, widget_url: str, latency: float) -> dict[str, float]:
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": latency, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    sent: list[Any] = []
    page.on("requestfinished", lambda r: sent.append(r))
    page.goto(url, wait_until="load")
    result = page.evaluate(READY)
    page.wait_for_load_state("networkidle")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    ours = [r for r in sent if r.url.startswith(widget_url)]
    figures = {
        "task_ms": metrics["TaskDuration"] * 1000,
        "script_ms": metrics["ScriptDuration"] * 1000,
        "ready_ms": result["ready"],
        "shift": result["shift"],
        "requests": len(ours),
        "bytes": sum(r.sizes()["responseBodySize"] for r in ours),
    }
    context.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument(
        "--latency", type=float, default=40, help="round-trip time to emulate, ms [40]"
    )
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "INSTANCE_PATH": instance,
                "DATABASE_URL": f"sqlite:///{Path(instance) / 'bench.sqlite3'}",
                "SECRET_KEY": "bench",
            }
        )
        with app.app_context():
            upgrade(db.engine)
        pages: dict[str, str] = {}
        widgets = Served(app, "127.0.0.1")
        shop = Served(shop_app(pages), "localhost")
        with app.app_context(), db.writing() as session:
            now = datetime.now(UTC)
            owner = sites.create_owner(
                session, "bench@example.com", password=None, is_admin=False, now=now
            )
            site = sites.create_site(session, owner, "Bench", [shop.url], now=now)
            key = site.public_key
        pages["/plain"] = PAGE.format(text=TEXT, widget="")
        pages["/loader"] = PAGE.format(
            text=TEXT, widget=WIDGET.format(server=widgets.url, key=key).split("</div>")[1]
        )
        pages["/shared"] = PAGE.format(text=TEXT, widget=WIDGET.format(server=widgets.url, key=key))
        rows: dict[str, list[dict[str, float]]] = {"plain": [], "loader": [], "shared": []}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            measure(browser, f"{shop.url}/shared", widgets.url, 0)  # warm both servers
            for n in range(args.rounds):
                order = ("plain", "loader", "shared")[:: 1 if n % 2 else -1]
                for name in order:
                    url = f"{shop.url}/{name}"
                    rows[name].append(measure(browser, url, widgets.url, args.latency))
            browser.close()

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in rows[name])

    print(
        f"Chromium, {args.latency:.0f} ms round trips, {args.rounds} rounds each, medians"
        " (baseline: the same page without widgets)"
    )
    print(f"{'':<28}{'baseline':>10}{'+ loader':>10}{'+ share':>10}{'added':>10}{'ratio':>8}")
    for key, label in (("task_ms", "main-thread time, ms"), ("script_ms", "script time, ms")):
        base, loader, shared = (median(n, key) for n in ("plain", "loader", "shared"))
        print(
            f"{label:<28}{base:>10.1f}{loader:>10.1f}{shared:>10.1f}{shared - base:>10.1f}"
            f"{shared / base:>8.2f}"
        )
    print(f"{'buttons in the page, ms':<28}{'':>20}{median('shared', 'ready_ms'):>10.1f}")
    for key, label in (("requests", "requests to widget server"), ("bytes", "bytes from it")):
        loader, shared = median("loader", key), median("shared", key)
        print(f"{label:<28}{0:>10}{loader:>10,.0f}{shared:>10,.0f}")
    shifts = max(r["shift"] for r in rows["shared"])
    print(f"{'layout shift (worst)':<28}{'':>10}{shifts:>10.3f}")
    return 0 if shifts == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
