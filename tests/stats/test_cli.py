"""``widgetserver stats rollup`` sums closed days, and today's settled slices, ahead of the
first view."""

import pytest
from sqlalchemy import func, select

from widgetserver.core.db import db
from widgetserver.models import StatsDay, StatsSlice

from .conftest import BERLIN


def stored_days(app):
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(StatsDay)
            .where(StatsDay.dimension == "", StatsDay.tz == BERLIN)
        )


def test_rollup_sums_the_closed_days_of_every_site_once(app, runner, site, story):
    result = runner.invoke(args=["stats", "rollup", "--days", "5"])
    assert result.exit_code == 0, result.output
    assert f"{site.key}: " in result.output
    # 8 to 12 May: the 8th is before the site's first event, the 12th still open.
    assert stored_days(app) == 3
    again = runner.invoke(args=["stats", "rollup", "--days", "5", "--site", site.key])
    assert again.exit_code == 0 and stored_days(app) == 3
    # Today's settled slices are stored too: the first view of a busy open day is ready.
    with app.app_context():
        slices = db.session.scalar(
            select(func.count()).select_from(StatsSlice).where(StatsSlice.dimension == "")
        )
    assert slices > 0


def test_rollup_of_an_unknown_site_says_so_and_fails(app, runner, site, story):
    result = runner.invoke(args=["stats", "rollup", "--site", "pk_nobody"])
    assert result.exit_code == 1
    assert "No active site has the public key 'pk_nobody'" in result.output
    assert stored_days(app) == 0


@pytest.mark.parametrize("days", ["0", "-3", "1000000", "many"])
def test_rollup_refuses_days_out_of_range(app, runner, site, story, days):
    result = runner.invoke(args=["stats", "rollup", "--days", days])
    assert result.exit_code == 2 and "--days" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert stored_days(app) == 0


def test_rollup_reaches_a_century_back(app, runner, site, story):
    result = runner.invoke(args=["stats", "rollup", "--days", "36600"])
    assert result.exit_code == 0, result.output
    assert stored_days(app) == 3  # 9 to 11 May: the first event is on the 9th
