"""The servers under test: gunicorn processes in their own process groups, and their CPU time."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

HOST = "127.0.0.1"
_PROC = Path("/proc")


class BenchError(Exception):
    """The benchmark cannot go on (a server did not start, setup failed, wrk is missing)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _stat_fields(pid: int) -> list[str]:
    """``/proc/PID/stat`` after the command name (which may contain spaces)."""
    return (_PROC / str(pid) / "stat").read_text().rpartition(")")[2].split()


def children(pid: int) -> list[int]:
    found = []
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(_stat_fields(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float | None:
    """CPU time all processes of the machine have used since boot (Linux only)."""
    try:
        first = (_PROC / "stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(x) for x in first[:8]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


class Server:
    """A gunicorn server in its own process group, logging into a file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.log_path = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = int(command[command.index("--port") + 1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, workers: int, timeout: float = 60.0) -> None:
        """Wait until ``/healthz`` answers and every worker process exists."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200 and (
                        not _PROC.is_dir() or len(self.worker_pids()) >= workers
                    ):
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise BenchError(
            f"{self.name} did not answer /healthz within {timeout:.0f} s:\n{self.tail()}"
        )

    def worker_pids(self) -> list[int]:
        if self.proc is None or not _PROC.is_dir():
            return []
        return children(self.proc.pid)

    def cpu_seconds(self) -> float | None:
        """CPU time of the master and its current workers (Linux only)."""
        if self.proc is None or not _PROC.is_dir():
            return None
        try:
            return sum(cpu_seconds(pid) for pid in [self.proc.pid, *self.worker_pids()])
        except (OSError, IndexError, ValueError):
            return None

    def worker_class(self) -> str | None:
        """The worker class gunicorn reports in its log."""
        for line in self.log_path.read_text(errors="replace").splitlines():
            if "Using worker:" in line:
                return line.rpartition("Using worker:")[2].strip()
        return None

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "    (no log)"
        return "\n".join("    " + line for line in text.splitlines()[-lines:])

    def stop(self) -> None:
        """Graceful stop (requests in flight finish), then kill whatever is left."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def running(*servers: Server) -> Iterator[None]:
    """Start the servers; stop them all however the block ends."""
    try:
        for server in servers:
            server.start()
        yield
    finally:
        for server in servers:
            server.stop()
