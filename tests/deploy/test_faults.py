"""Faults under load: a worker killed, the database restarted. No accepted event is lost.

One ``widgetserver serve`` with two sync workers runs on a PostgreSQL cluster of this module's
own (``pgcluster``), which the tests stop and start while threads post events. Each event
carries a marker (``load``), so the database shows which answers told the truth: an event
answered ``202`` is stored once; one refused is not stored; one whose answer never came (the
request a killed worker was busy with) is stored at most once.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from ..conftest import throwaway_database
from ..live import cli, free_port
from . import pgcluster, servers
from .clients import Answer, send
from .load import BROWSER_HEADERS, SHOP, Load, Outcome, assert_counted_once, stored

OWNER = "owner@shop.example"
THREADS = 4
#: A generous bound for what must happen; nothing is timed.
WITHIN = 30.0
#: Accepted requests that show the load is flowing (again).
FLOWING = 20
#: Refusals that show the outage was met by the load.
MET = 10


@dataclass(frozen=True)
class Faulty:
    cluster: pgcluster.Cluster
    server: servers.Served
    database_url: str
    site_key: str

    def post(self, body: bytes) -> Answer:
        return send(
            self.server.port, "POST", "/v1/events", headers=BROWSER_HEADERS, body=body, timeout=20
        )

    def load(self, tag: str) -> Load:
        return Load(self.post, self.site_key, tag=tag)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faulty]:
    with pgcluster.cluster() as cluster, throwaway_database(cluster.admin_url, "swk") as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGETSERVER_")}
        env |= {
            "WIDGETSERVER_DATABASE_URL": url,
            "WIDGETSERVER_SECRET_KEY": secrets.token_urlsafe(32),
            "WIDGETSERVER_INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
            # The load comes from one address; the limits are not what is tested here.
            "WIDGETSERVER_EVENTS_LIMIT_CLIENT": "1000000",
            "WIDGETSERVER_EVENTS_LIMIT_SITE": "1000000",
        }
        cli(env, "db", "upgrade")
        cli(env, "owners", "create", OWNER)
        site = cli(env, "sites", "create", "--owner", OWNER, "--name", "Shop", "--origin", SHOP)
        with servers.widgetserver(env, free_port(), workers=2) as server:
            yield Faulty(cluster, server, url, site["public_key"])


def _count(status: int, since: int = 0) -> Callable[[list[Outcome]], bool]:
    """A condition on the load: at least ``FLOWING`` (202) or ``MET`` answers of ``status``."""
    wanted = FLOWING if status == 202 else MET
    return lambda outcomes: sum(o.status == status for o in outcomes[since:]) >= wanted


def _wait_for_workers(server: servers.Served, gone: int) -> None:
    """Until gunicorn has replaced the worker ``gone``: two workers again."""
    deadline = time.monotonic() + WITHIN
    while (workers := server.workers()) and (gone in workers or len(workers) < 2):
        assert time.monotonic() < deadline, f"workers now: {workers}"
        time.sleep(0.1)


def test_a_worker_killed_mid_load_loses_no_accepted_event(faulty):
    load = faulty.load("killed")
    with load.running(THREADS):
        load.wait_until(_count(202), WITHIN)
        victim = faulty.server.workers()[0]
        os.kill(victim, signal.SIGKILL)
        since = len(load.snapshot())
        # The other worker goes on; gunicorn starts a new one.
        load.wait_until(_count(202, since), WITHIN)
        _wait_for_workers(faulty.server, victim)
        load.wait_until(_count(202, len(load.snapshot())), WITHIN)
    outcomes = load.snapshot()
    # A sync worker handles one request at a time: at most that one goes unanswered.
    unanswered = [o for o in outcomes if o.answer is None]
    assert len(unanswered) <= 1, [o.failure for o in unanswered]
    assert {o.status for o in outcomes if o.answer is not None} == {202}
    assert_counted_once(outcomes, stored(faulty.database_url, load.prefix))


def test_a_database_restart_mid_load_is_refused_503_and_then_accepted_again(faulty):
    load = faulty.load("restart")
    with load.running(THREADS):
        load.wait_until(_count(202), WITHIN)
        faulty.cluster.stop()
        try:
            load.wait_until(_count(503, len(load.snapshot())), WITHIN)
        finally:
            faulty.cluster.start()
        # The same server, not restarted, accepts events again by itself.
        load.wait_until(_count(202, len(load.snapshot())), WITHIN)
    outcomes = load.snapshot()
    assert [o.failure for o in outcomes if o.answer is None] == []
    refused = [o.answer for o in outcomes if o.answer is not None and o.status != 202]
    assert len(refused) >= MET
    for answer in refused:
        assert answer.status == 503, answer.body
        assert answer.json() == {
            "error": "storage_unavailable",
            "message": "The database cannot be reached; nothing was stored.",
        }
        assert int(answer.headers["Retry-After"]) > 0
    assert_counted_once(outcomes, stored(faulty.database_url, load.prefix))
