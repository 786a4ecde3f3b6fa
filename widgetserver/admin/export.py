"""Every table of the dashboard as a CSV download, for the same site and period."""

from __future__ import annotations

from flask import Response, abort, request
from flask.typing import ResponseReturnValue

from .. import stats
from ..core import clock
from ..core.db import db
from ..sites.settings import effective
from ..stats import referralexport, referrals, rewardfigures
from .auth import site_for
from .blueprint import bp
from .dashboard import choose_period


@bp.get("/sites/<int:site_id>/export/<table>.csv")
def export(site_id: int, table: str) -> ResponseReturnValue:
    site = site_for(site_id)
    if table not in stats.TABLES and table not in referralexport.TABLES:
        abort(404)
    choice = choose_period(request.args, effective(site.settings)["timezone"])
    if choice.error:
        abort(400, choice.error)
    period = choice.period
    name = f"site-{site.id}-{table}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if table == "rewards":
        # Every reward of the period's orders (the page shows the latest).
        every = rewardfigures.every(db.session, site.id, period, clock.now())
        return Response(referralexport.rewards_csv(every), mimetype="text/csv", headers=headers)
    if table in referralexport.TABLES:
        section = referrals.report(db.session, site, period)
        body = referralexport.csv_bytes(section, table)
        return Response(body, mimetype="text/csv", headers=headers)
    if table == "conversions":
        # Every order of the period (the page shows the latest), read a batch at a time.
        rows = stats.all_conversions(db.session, site, period)
        body = b"".join(stats.conversions_csv(rows))
        return Response(body, mimetype="text/csv", headers=headers)
    report = stats.report(db.session, site, period)
    return Response(stats.csv_bytes(report, table), mimetype="text/csv", headers=headers)
