"""Helpers for the stats tests: visitors as separate browsers, a story of word of mouth told
through the real API, reports read in a fresh context."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widgetserver import stats
from widgetserver.core.db import db
from widgetserver.models import Site

from ..conftest import Browser, Clock, SiteInfo, make_site

BERLIN = "Europe/Berlin"
A, B, P, X, Y = "shareA01", "shareB01", "shareP01", "shareX01", "shareY01"
S, V1, V2, V3 = 7, 8, 9, 10  # the sharer and three friends


class Visitors:
    """Browsers of different people (each its own address, hence its own visitor hash)."""

    def __init__(self, client: FlaskClient, site: SiteInfo) -> None:
        self.client = client
        self.site = site

    def __call__(self, n: int) -> Browser:
        browser = Browser(self.client, self.site)
        browser.ip = f"198.51.100.{n}"
        return browser


@pytest.fixture
def site(app: Flask, clock: Clock) -> SiteInfo:
    """The shop of these tests keeps its books in Berlin (UTC+2 in May)."""
    return make_site(app, clock, timezone=BERLIN)


@pytest.fixture
def people(client: FlaskClient, site: SiteInfo) -> Visitors:
    return Visitors(client, site)


def report_for(app: Flask, site: SiteInfo, start: str, end: str) -> stats.Report:
    with app.app_context():
        row = db.session.get(Site, site.id)
        assert row is not None
        tz = (row.settings or {}).get("timezone", "UTC")
        return stats.report(db.session, row, stats.Period.parse(start, end, tz))


def count_unverified(app: Flask, site_id: int, on: bool = True) -> None:
    """The owner's choice to count orders only a browser reported in the headline figures."""
    with app.app_context(), db.writing() as session:
        row = session.get(Site, site_id)
        assert row is not None
        row.settings = {**(row.settings or {}), "count_unverified": on}


def ok(response: Any) -> Any:
    assert response.status_code in (200, 201, 202), response.get_json()
    body = response.get_json()
    assert not body.get("rejected"), body
    return body


@pytest.fixture
def story(app, clock, people, shop, site):
    """Two days of word of mouth around 11 May, and one day in the period before."""
    sharer, v1, v2, v3 = people(S), people(V1), people(V2), people(V3)
    # The previous period: 9 and 10 May in Berlin.
    clock.set(datetime(2026, 5, 9, 12, 0, tzinfo=UTC))
    ok(sharer.share(P, "whatsapp", product="MUG-1"))
    ok(v1.visit(P))
    ok(shop.conversion("p1", amount="10.00", ref=P, status="paid"))
    clock.set(datetime(2026, 5, 10, 21, 30, tzinfo=UTC))  # 23:30 in Berlin: still the 10th
    ok(sharer.share(X, "copy"))
    clock.set(datetime(2026, 5, 10, 23, 30, tzinfo=UTC))  # already the 11th in Berlin
    ok(people(12).share(Y, "copy"))
    clock.set(datetime(2026, 5, 11, 7, 0, tzinfo=UTC))
    ok(sharer.share(A, "whatsapp", product="MUG-1"))
    clock.set(datetime(2026, 5, 11, 8, 0, tzinfo=UTC))
    ok(v1.visit(A))
    ok(v1.visit(A))
    ok(v2.visit(A))
    ok(sharer.visit(A))  # the sharer opening their own link is no visit from a share
    clock.set(datetime(2026, 5, 11, 9, 0, tzinfo=UTC))
    ok(v1.share(B, "facebook", product="MUG-2", parent=A))  # a friend shares on
    clock.set(datetime(2026, 5, 11, 10, 0, tzinfo=UTC))
    ok(v3.visit(B))
    clock.set(datetime(2026, 5, 11, 12, 0, tzinfo=UTC))
    ok(shop.conversion("o1", amount="100.00", ref=A, status="paid"))
    ok(shop.conversion("o2", amount="50.00", ref=A, status="paid"))
    ok(shop.conversion("o2", amount="50.00", ref=A, status="paid", refunded_amount="20.00"))
    ok(shop.conversion("o3", amount="40.00", ref=B))
    ok(shop.conversion("o3", amount="40.00", ref=B, status="cancelled"))
    ok(shop.conversion("o4", amount="25.00", ref=B, status="refunded"))
    ok(shop.conversion("o5", amount="3000", currency="JPY", ref=B))
    ok(shop.conversion("o6", amount="10.00", status="paid"))  # no code: not word of mouth
    ok(v2.convert(order_id="o7", amount="20.00", currency="EUR", ref=A))  # unverified
    body = ok(sharer.convert(order_id="o8", amount="15.00", currency="EUR", ref=A))
    assert body["attribution"]["self_referral"] is True
    # Reported late, placed at 01:30 on the 11th in Berlin.
    ok(
        shop.conversion(
            "o9", amount="5.00", ref=Y, status="paid", occurred_at="2026-05-10T23:30:00Z"
        )
    )
    clock.set(datetime(2026, 5, 12, 10, 30, tzinfo=UTC))
