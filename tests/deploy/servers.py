"""The production set-up on loopback: ``widgetserver serve`` behind nginx, from docs/nginx/.

nginx runs the shipped configuration itself, with only its addresses, paths and certificate
replaced; each replaced text must appear exactly once, so a changed file fails here loudly
instead of being tested half.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..live import WIDGETSERVER, free_port, wait_ready

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "docs" / "nginx" / "widgetserver.conf"
NGINX = "/usr/sbin/nginx"
HOST = "widgets.example"
#: How long a process may take to start answering.
STARTUP_SECONDS = 20


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``widgets.example`` and 127.0.0.1 (its own authority)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    options = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
    subject = ["-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1"]
    subprocess.run(
        ["openssl", "req", "-x509", *options, *subject, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise AssertionError(f"{SHIPPED.name} should contain {old!r} exactly once")
    return text.replace(old, new)


@dataclass(frozen=True)
class Proxy:
    """nginx on loopback: plain HTTP (redirects) and HTTPS, with its TLS context for clients."""

    http_port: int
    https_port: int
    context: ssl.SSLContext
    access_log: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"


def nginx_config(folder: Path, upstream_port: int, http_port: int, https_port: int) -> Path:
    """The shipped file with this machine's ports and paths, inside a minimal nginx.conf."""
    cert, key = certificate(folder)
    site = SHIPPED.read_text(encoding="utf-8")
    for old, new in [
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/var/cache/nginx/widgetserver", str(folder / "cache")),
        ("/etc/ssl/certs/widgets.example.pem", str(cert)),
        ("/etc/ssl/private/widgets.example.key", str(key)),
        ("/var/log/nginx/widgetserver.log", str(folder / "access.log")),
    ]:
        site = _replace_once(site, old, new)
    (folder / "widgetserver.conf").write_text(site, encoding="utf-8")
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would run as "nobody", who cannot enter the test's folder.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    main = folder / "nginx.conf"
    main.write_text(
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log stderr warn;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n{temp}\n    access_log off;\n    include {folder / 'widgetserver.conf'};\n}}\n",
        encoding="utf-8",
    )
    return main


def _wait_for(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}: {process.communicate()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


@contextmanager
def nginx(folder: Path, upstream_port: int) -> Iterator[Proxy]:
    http_port, https_port = free_port(), free_port()
    conf = nginx_config(folder, upstream_port, http_port, https_port)
    prefix = str(folder) + "/"
    subprocess.run([NGINX, "-t", "-q", "-p", prefix, "-c", str(conf)], check=True)
    process = subprocess.Popen(
        [NGINX, "-p", prefix, "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(https_port, process)
        context = ssl.create_default_context(cafile=str(folder / "cert.pem"))
        yield Proxy(http_port, https_port, context, folder / "access.log")
    finally:
        process.terminate()
        process.communicate(timeout=30)


@contextmanager
def widgetserver(env: dict[str, str], port: int, workers: int) -> Iterator[str]:
    """``widgetserver serve`` with sync workers; yields its URL once it is ready."""
    process = subprocess.Popen(
        [WIDGETSERVER, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(port, process)
        wait_ready(base, STARTUP_SECONDS)
        yield base
    finally:
        process.terminate()
        process.communicate(timeout=30)
