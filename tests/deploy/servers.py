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
from collections.abc import Iterator, Sequence
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


def nginx_config(
    folder: Path, upstream_ports: Sequence[int], http_port: int, https_port: int
) -> Path:
    """The shipped file with this machine's ports and paths, inside a minimal nginx.conf.

    Its one upstream server becomes one line per port, as docs/deploy.md says to list machines.
    """
    cert, key = certificate(folder)
    site = SHIPPED.read_text(encoding="utf-8")
    upstreams = "\n    ".join(f"server 127.0.0.1:{port};" for port in upstream_ports)
    for old, new in [
        ("server 127.0.0.1:8000;", upstreams),
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


def _wait_for(port: int, process: subprocess.Popen[str], log: Path | None = None) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text() if log else process.communicate()
            raise AssertionError(f"exited with {process.returncode}: {output}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


@contextmanager
def nginx(folder: Path, *upstream_ports: int) -> Iterator[Proxy]:
    """nginx running the shipped file in front of the servers on ``upstream_ports``."""
    http_port, https_port = free_port(), free_port()
    conf = nginx_config(folder, upstream_ports, http_port, https_port)
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


@dataclass(frozen=True)
class Served:
    """A running ``widgetserver serve``: its URL, its gunicorn master and its output."""

    url: str
    pid: int
    log: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def workers(self) -> list[int]:
        """The pids of the master's worker processes right now."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue  # gone meanwhile
                # The parent pid is the second field after the command name "(...)".
                if int(stat.rpartition(")")[2].split()[1]) == self.pid:
                    found.append(int(entry.name))
        return sorted(found)


@contextmanager
def widgetserver(
    env: dict[str, str], port: int, workers: int, *, access_log: bool = False
) -> Iterator[Served]:
    """``widgetserver serve`` with sync workers, once it is ready.

    Its output goes to ``serve.log`` in its instance folder (a pipe nobody reads would stall a
    server that logs every request).
    """
    log = Path(env["WIDGETSERVER_INSTANCE_PATH"]) / "serve.log"
    command = [WIDGETSERVER, "serve", "--port", str(port), "--workers", str(workers)]
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "--access-log" if access_log else "--no-access-log"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    served = Served(f"http://127.0.0.1:{port}", process.pid, log)
    try:
        _wait_for(port, process, log)
        wait_ready(served.url, STARTUP_SECONDS)
        yield served
    finally:
        process.terminate()
        process.wait(timeout=30)
