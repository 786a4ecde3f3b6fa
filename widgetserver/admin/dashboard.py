"""The dashboard of one site and period: the funnel, the money, the tables, the daily chart."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import stats
from ..core import clock
from ..core.db import db
from ..sites.settings import effective
from ..stats import referrals
from . import chart, labels
from .auth import site_for
from .blueprint import bp

DEFAULT_PRESET = "30d"


@dataclass(frozen=True)
class Choice:
    """The period the owner asked for, and how to ask for it again (links, CSV)."""

    period: stats.Period
    preset: str | None
    args: dict[str, str]
    error: str | None = None


def choose_period(args: MultiDict[str, str], tz: str) -> Choice:
    today = clock.now().astimezone(ZoneInfo(tz)).date()
    start, end = args.get("from", "").strip(), args.get("to", "").strip()
    error = None
    if start or end:
        try:
            period = stats.Period.parse(start, end, tz)
            return Choice(period, None, {"from": start, "to": end})
        except stats.PeriodError:
            error = _(
                "Choose a first and a last day (the first not after the last, at most "
                "%(days)d days apart).",
                days=stats.MAX_DAYS,
            )
    name = args.get("period", DEFAULT_PRESET)
    if name not in stats.PRESETS:
        name = DEFAULT_PRESET
    return Choice(stats.Period.preset(name, today, tz), name, {"period": name}, error)


def change(
    current: int | float | Decimal | None, before: int | float | Decimal | None
) -> float | None:
    """The relative change against the previous period (None when there is nothing to compare)."""
    if current is None or before is None or not before:
        return None
    return float((Decimal(str(current)) - Decimal(str(before))) / Decimal(str(before)))


def main_currency(revenue: dict[str, Decimal]) -> str | None:
    return max(revenue, key=lambda c: (revenue[c], c)) if revenue else None


@bp.get("/sites/<int:site_id>/")
def dashboard(site_id: int) -> ResponseReturnValue:
    site = site_for(site_id)
    tz = effective(site.settings)["timezone"]
    choice = choose_period(request.args, tz)
    report = stats.report(db.session, site, choice.period)
    # The charts draw the orders the site counts; so is their currency chosen.
    counted = dict(report.totals.revenue)
    if report.count_unverified:
        for code, amount in report.totals.revenue_unverified.items():
            counted[code] = counted.get(code, Decimal(0)) + amount
    currency = main_currency(counted)
    page = render_template(
        "admin/dashboard.html",
        site=site,
        tz=tz,
        choice=choice,
        presets=stats.PRESETS,
        report=report,
        charts=chart.daily(report.daily, currency, report.count_unverified),
        change=change,
        labels=labels,
        tables=stats.TABLES,
        referrals=referrals.report(db.session, site, choice.period),
    )
    return page
