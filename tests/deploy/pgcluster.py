"""A private PostgreSQL cluster a test may stop and start, never the machine's shared one.

It lives in a temporary folder on a free port, with trust authentication on loopback only. As
root, PostgreSQL's programs run as the ``postgres`` user (they refuse to run as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..live import free_port

INSTALLED = Path("/usr/lib/postgresql")
#: pg_ctl waits this long for the server to start or stop.
PG_CTL_SECONDS = 60


def _bin() -> Path:
    """The newest installed version's programs."""
    versions = sorted(
        (d for d in INSTALLED.iterdir() if d.name.isdigit()), key=lambda d: int(d.name)
    )
    if not versions:
        raise AssertionError(f"no PostgreSQL server under {INSTALLED} (scripts/test-services.sh)")
    return versions[-1] / "bin"


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@dataclass(frozen=True)
class Cluster:
    programs: Path
    data: Path
    port: int

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str, check: bool = True) -> int:
        # No fsync: a throwaway cluster that only ever stops cleanly.
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data.parent} -c fsync=off"
        done = subprocess.run(
            _as_postgres(
                str(self.programs / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.data.parent / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                str(PG_CTL_SECONDS),
                *args,
            ),
            check=check,
            capture_output=True,
        )
        return done.returncode

    def running(self) -> bool:
        return self.pg_ctl("status", check=False) == 0

    def stop(self) -> None:
        """Stop at once: open connections are cut, as when the database server goes away."""
        self.pg_ctl("stop", "-m", "fast")

    def start(self) -> None:
        self.pg_ctl("start")


@contextmanager
def cluster() -> Iterator[Cluster]:
    """A started cluster, stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="swk-pg-"))
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        made = Cluster(_bin(), folder / "data", free_port())
        subprocess.run(
            _as_postgres(
                str(made.programs / "initdb"),
                "-D",
                str(made.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        made.start()
        try:
            yield made
        finally:
            if made.running():
                made.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
