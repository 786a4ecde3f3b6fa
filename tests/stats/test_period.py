"""Periods: presets, parsing, the previous period and where days begin in UTC."""

from datetime import UTC, date, datetime

import pytest

from widgetserver.stats import PRESETS, Period, PeriodError

TODAY = date(2026, 5, 12)
BERLIN = "Europe/Berlin"


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("7d", date(2026, 5, 6), TODAY),
        ("30d", date(2026, 4, 13), TODAY),
        ("90d", date(2026, 2, 12), TODAY),
        ("this-month", date(2026, 5, 1), TODAY),
        ("last-month", date(2026, 4, 1), date(2026, 4, 30)),
        ("12m", date(2025, 5, 13), TODAY),
    ],
)
def test_presets_end_today_or_with_last_month(name, start, end):
    assert Period.preset(name, TODAY, BERLIN) == Period(start, end, BERLIN)


def test_every_preset_name_is_known():
    for name in PRESETS:
        assert Period.preset(name, TODAY, BERLIN).days >= 1


def test_last_month_in_january_is_december():
    assert Period.preset("last-month", date(2026, 1, 15), "UTC") == Period(
        date(2025, 12, 1), date(2025, 12, 31), "UTC"
    )


def test_twelve_months_across_a_leap_day_has_366_days():
    assert Period.preset("12m", date(2028, 3, 1), "UTC").days == 366


def test_an_unknown_preset_is_refused_with_the_names():
    with pytest.raises(PeriodError, match="7d"):
        Period.preset("week", TODAY, "UTC")


def test_the_previous_period_has_as_many_days_right_before():
    period = Period(date(2026, 5, 1), date(2026, 5, 10), "UTC")
    assert period.previous() == Period(date(2026, 4, 21), date(2026, 4, 30), "UTC")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-13-01", "2026-05-01", "from must be a date"),
        ("2026-05-01", "tomorrow", "to must be a date"),
        ("20260501", "2026-05-02", "from must be a date"),
        ("2026-05-10", "2026-05-01", "first day lies after the last"),
        ("2025-01-01", "2026-01-02", "at most 366 days"),
        ("0001-01-01", "0001-01-05", "from must lie in the years 2000 to 2100"),
        ("9999-12-25", "9999-12-31", "from must lie in the years 2000 to 2100"),
        ("2100-12-25", "2101-01-02", "to must lie in the years 2000 to 2100"),
        ("0503-06-26", "4309-08-30", "from must lie in the years 2000 to 2100"),
        ("1999-12-31", "2000-01-01", "from must lie in the years 2000 to 2100"),
        ("2026-W48-1", "2026-12-01", "from must be a date such as 2026-05-01 \\(YYYY-MM-DD\\)"),
        ("2026-11-30", "2026-W49-1", "to must be a date"),
        ("2026-335", "2026-12-01", "from must be a date"),
        ("2026-5-01", "2026-05-02", "from must be a date"),
        ("+2026-05-01", "2026-05-02", "from must be a date"),
        ("\u0662\u0660\u0662\u0666-05-01", "2026-05-02", "from must be a date"),  # not ASCII
    ],
)
def test_bad_dates_are_refused_with_a_message(start, end, message):
    with pytest.raises(PeriodError, match=message):
        Period.parse(start, end, "UTC")


def test_the_first_and_last_days_of_the_years_allowed_are_taken():
    period = Period.parse("2000-01-01", "2000-12-31", "UTC")
    assert (period.start, period.days) == (date(2000, 1, 1), 366)
    assert Period.parse("2100-12-31", "2100-12-31", "UTC").end == date(2100, 12, 31)


def test_a_day_begins_at_the_sites_midnight():
    period = Period.parse("2026-05-11", "2026-05-11", BERLIN)
    assert period.bounds() == (
        datetime(2026, 5, 10, 22, 0, tzinfo=UTC),
        datetime(2026, 5, 11, 22, 0, tzinfo=UTC),
    )


def test_a_day_of_a_clock_change_has_23_hours():
    start, end = Period.parse("2026-03-29", "2026-03-29", BERLIN).bounds()
    assert (end - start).total_seconds() == 23 * 3600


def test_the_first_and_last_allowed_years_have_a_previous_period_and_bounds():
    first = Period.parse("2000-01-01", "2000-01-05", "Pacific/Kiritimati")
    assert first.previous().start == date(1999, 12, 27)
    last = Period.parse("2100-12-25", "2100-12-31", "Pacific/Pago_Pago")
    assert last.bounds()[1] > last.bounds()[0]
