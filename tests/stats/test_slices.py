"""The live day: stored hours and five-minute slices plus the last minutes, equal to summing
the day's events at once - and still so after more events, a day's close and a time zone's
odd offset."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from widgetserver.core.db import db
from widgetserver.models import StatsSlice
from widgetserver.stats import slices, sql, store

from .conftest import BERLIN, ok, report_for

TODAY = date(2026, 5, 12)  # Berlin: from 22:00 UTC on the 11th
CHANNELS = ("whatsapp", "facebook", "email")


def moments():
    """Events spread over the Berlin morning of the 12th, across hour and five-minute bounds,
    each at least four minutes after the one before (a view three minutes after each)."""
    start = datetime(2026, 5, 11, 22, 0, tzinfo=UTC)
    return [start + timedelta(minutes=m) for m in (1, 55, 60, 95, 121, 178, 183, 244, 296, 302)]


def tell(clock, people, at, n):
    """At ``at``: a share, a chained share and visits, some by a returning visitor."""
    clock.set(at)
    sharer, friend, regular = people(20 + n % 7), people(40 + n), people(90)
    ok(sharer.share(f"live{n:04d}", CHANNELS[n % 3], product=f"SKU-{n % 4}"))
    ok(friend.visit(f"live{n:04d}"))
    ok(regular.visit(f"live{n:04d}"))  # the same person every time: one visitor
    ok(friend.share(f"chain{n:03d}", "email", parent=f"live{n:04d}"))
    ok(people(60 + n).visit(f"chain{n:03d}"))


def exact(app, site_id):
    """The day's sums straight from ``events``, as a closed day is stored."""
    with app.app_context():
        return sql.compute(db.session, site_id, BERLIN, TODAY, TODAY, store.TOP_PAGES)[TODAY]


def figures(report):
    t = report.totals
    return (
        (t.shares, t.visits, t.unique_visitors, t.viral_factor),
        {c.channel: (c.shares, c.visits) for c in report.channels},
        {p.page: (p.shares, p.visits) for p in report.pages},
    )


def expected(day):
    t = day.total
    return (
        (t.shares, t.visits, t.visitors, t.chained_shares / t.share_visits),
        {c: (s.shares, s.visits) for c, s in day.channels.items()},
        {p: (s.shares, s.visits) for p, s in day.pages.items()},
    )


def stored(app, span=None):
    with app.app_context():
        query = select(func.count()).select_from(StatsSlice).where(StatsSlice.dimension == "")
        if span is not None:
            query = query.where(StatsSlice.span == span)
        return db.session.scalar(query)


def test_the_live_day_from_slices_equals_the_day_summed_at_once(app, clock, site, people):
    for n, at in enumerate(moments()):
        tell(clock, people, at, n)
        clock.set(at + timedelta(minutes=3))  # a view now and then stores what has settled
        assert figures(report_for(app, site, "2026-05-12", "2026-05-12")) == expected(
            exact(app, site.id)
        )
    # By 03:05 UTC the hours from 22:00 to 02:00 and the minutes from 03:00 to 03:03 settled.
    assert stored(app, slices.HOUR) == 5
    assert stored(app, slices.MINUTE) >= 4
    clock.set(datetime(2026, 5, 12, 9, 0, tzinfo=UTC))
    again = report_for(app, site, "2026-05-12", "2026-05-12")
    assert figures(again) == expected(exact(app, site.id))
    assert again.totals.visits == 30 and again.totals.unique_visitors == 21


def test_a_settled_slice_is_summed_once_and_later_events_count_once(app, clock, site, people):
    tell(clock, people, datetime(2026, 5, 12, 6, 10, tzinfo=UTC), 1)
    clock.set(datetime(2026, 5, 12, 7, 30, tzinfo=UTC))
    first = report_for(app, site, "2026-05-12", "2026-05-12")
    rows = stored(app)
    assert report_for(app, site, "2026-05-12", "2026-05-12") == first
    assert stored(app) == rows  # nothing summed twice
    tell(clock, people, datetime(2026, 5, 12, 7, 31, tzinfo=UTC), 2)
    later = report_for(app, site, "2026-05-12", "2026-05-12")
    assert later.totals.shares == first.totals.shares + 2
    assert later.totals.visits == first.totals.visits + 3


def test_the_closed_day_is_the_same_and_old_slices_go(app, clock, site, people):
    for n, at in enumerate(moments()[:4]):
        tell(clock, people, at, n)
    clock.set(datetime(2026, 5, 12, 20, 0, tzinfo=UTC))
    live = figures(report_for(app, site, "2026-05-12", "2026-05-12"))
    assert stored(app) > 0
    clock.set(datetime(2026, 5, 13, 8, 0, tzinfo=UTC))  # the 12th is closed and stored
    assert figures(report_for(app, site, "2026-05-12", "2026-05-12")) == live
    clock.set(datetime(2026, 5, 15, 8, 0, tzinfo=UTC))
    tell(clock, people, datetime(2026, 5, 15, 6, 0, tzinfo=UTC), 9)
    clock.set(datetime(2026, 5, 15, 8, 0, tzinfo=UTC))
    report_for(app, site, "2026-05-15", "2026-05-15")  # storing new slices deletes old ones
    with app.app_context():
        oldest = db.session.scalar(select(func.min(StatsSlice.start)))
    assert oldest >= datetime(2026, 5, 15, 8, 0, tzinfo=UTC) - slices.KEEP


def test_a_day_is_cut_into_hours_then_five_minutes_then_the_live_rest():
    start = datetime(2026, 5, 11, 22, 0, tzinfo=UTC)
    end = start + timedelta(days=1)
    settled, live = slices.plan(start, end, datetime(2026, 5, 12, 3, 7, 30, tzinfo=UTC))
    spans = {span: [at for s, at in settled if s == span] for span in slices.SPANS}
    assert spans[slices.HOUR] == [start + timedelta(hours=h) for h in range(5)]  # 22 to 02:00
    assert spans[slices.FIVE_MINUTES] == [datetime(2026, 5, 12, 3, 0, tzinfo=UTC)]
    # 03:05 has settled a minute after its end; 03:06 ends too late.
    assert spans[slices.MINUTE] == [datetime(2026, 5, 12, 3, 5, tzinfo=UTC)]
    assert live == [datetime(2026, 5, 12, 3, 6, tzinfo=UTC), end]
    # Nothing has settled at the start of a day: all of it is summed live.
    assert slices.plan(start, end, start + timedelta(seconds=119)) == ([], [start, end])


def test_a_day_starting_off_the_hour_sums_its_first_minutes_from_slices_too():
    # Kathmandu is UTC+5:45: its day begins at 18:15 UTC.
    start = datetime(2026, 5, 11, 18, 15, tzinfo=UTC)
    settled, live = slices.plan(start, start + timedelta(days=1), start + timedelta(hours=2))
    assert settled[:9] == [
        (slices.FIVE_MINUTES, start + timedelta(minutes=5 * n)) for n in range(9)
    ]
    assert settled[9] == (slices.HOUR, datetime(2026, 5, 11, 19, 0, tzinfo=UTC))
    covered = sum(span for span, _ in settled)
    assert start + timedelta(seconds=covered) == live[0]


def test_an_hour_is_put_together_from_its_stored_minutes(app, clock, site, people, monkeypatch):
    start = datetime(2026, 5, 12, 6, 0, tzinfo=UTC)
    events = {start + timedelta(minutes=m): n for n, m in enumerate((2, 17, 41, 58))}
    for minute in range(61):  # the last view at 07:00:30, before the hour has settled
        at = start + timedelta(minutes=minute)
        if at in events:
            tell(clock, people, at, events[at])
        clock.set(at + timedelta(seconds=30))
        report_for(app, site, "2026-05-12", "2026-05-12")  # an owner watching all along
    read = []
    original = sql.compute_slices

    def spy(session, site_id, bounds, top):
        read.append(bounds)
        return original(session, site_id, bounds, top)

    monkeypatch.setattr(slices, "compute_slices", spy)
    clock.set(start + timedelta(minutes=61, seconds=30))
    report = report_for(app, site, "2026-05-12", "2026-05-12")
    with app.app_context():
        hour = db.session.scalar(
            select(StatsSlice.visits).where(
                StatsSlice.span == slices.HOUR,
                StatsSlice.start == start,
                StatsSlice.dimension == "",
            )
        )
    assert hour == 12
    # Of the hour's events only its last minute is read: it settled with the hour.
    last = start + timedelta(minutes=59)
    assert [bounds for bounds in read if bounds[0] < start + timedelta(hours=1)] == [
        [last, last + timedelta(minutes=1)]
    ]
    assert figures(report) == expected(exact(app, site.id))
    assert report.totals.visits == 12
