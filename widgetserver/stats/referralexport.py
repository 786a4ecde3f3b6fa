"""The referral section's tables for download, made safe like every CSV (``export``).

Customer references come from shops and order ids from shops or browsers, so every cell goes
through ``export.safe_cell``: a reference such as ``=HYPERLINK(…)`` opens as text. Money has
one column per currency, as decimal strings; anonymous links have an empty referrer and
``anonymous`` set to ``yes``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .export import Table, table_bytes
from .referrals import ReferralReport
from .rewardfigures import Money, RewardRow

TABLES = ("referral-funnel", "referral-rewards", "referral-referrers", "rewards")


def _currencies(amounts: Iterable[Money]) -> list[str]:
    return sorted({c for money in amounts for c in money})


def _money(money: Money, currencies: list[str]) -> list[str]:
    return [str(money.get(c, "")) for c in currencies]


def funnel(report: ReferralReport) -> Table:
    f = report.funnel
    cur = _currencies([f.revenue, f.revenue_unverified])
    rows = [["links created", "", str(f.links)]]
    rows += [["invites", channel, str(count)] for channel, count in f.invites.items()]
    rows += [
        ["visits", "", str(f.visits)],
        ["orders", "verified", str(f.orders)],
        ["orders", "unverified", str(f.orders_unverified)],
    ]
    rows += [[f"revenue {c}", "verified", str(f.revenue.get(c, ""))] for c in cur]
    rows += [[f"revenue {c}", "unverified", str(f.revenue_unverified.get(c, ""))] for c in cur]
    return ["step", "detail", "value"], rows


def rewards_by_status(report: ReferralReport) -> Table:
    cur = _currencies(r.amounts for r in report.rewards)
    header = ["status", "void reason", "rewards", "refunded after hand-out"]
    header += [f"order amount {c}" for c in cur]
    rows = [
        [
            r.status, r.void_reason or "", str(r.count), str(r.refunded_after_handout),
            *_money(r.amounts, cur),
        ]
        for r in report.rewards
    ]  # fmt: skip
    return header, rows


def referrers(report: ReferralReport) -> Table:
    cur = _currencies(r.revenue for r in report.referrers)
    header = [
        "referrer", "anonymous", "links created", "invites", "visits", "orders",
        "orders unverified", *(f"revenue {c}" for c in cur), "rewards due",
        "rewards handed out",
    ]  # fmt: skip
    rows = [
        [
            r.referrer or "", "yes" if r.referrer is None else "no", str(r.links),
            str(r.invites), str(r.visits), str(r.orders), str(r.orders_unverified),
            *_money(r.revenue, cur), str(r.rewards_due), str(r.rewards_handed_out),
        ]
        for r in report.referrers
    ]  # fmt: skip
    return header, rows


REWARD_HEADER = [
    "order id", "order time", "referrer", "status", "void reason", "order amount", "currency",
    "due at", "coupon", "handed out at", "refunded after hand-out",
]  # fmt: skip


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""


def reward_row(r: RewardRow) -> list[str]:
    return [
        r.order_id, _when(r.occurred_at), r.referrer or "", r.status, r.void_reason or "",
        str(r.amount), r.currency, _when(r.due_at), r.coupon or "", _when(r.handed_out_at),
        "yes" if r.refunded_after_handout else "no",
    ]  # fmt: skip


def rewards_csv(rows: Iterable[RewardRow]) -> bytes:
    """Every reward of a period (``rewardfigures.every``) as the ``rewards`` CSV."""
    return table_bytes(REWARD_HEADER, (reward_row(r) for r in rows))


def csv_bytes(report: ReferralReport, table: str) -> bytes:
    """One summary table as CSV (not ``rewards``: ``rewards_csv``); raises ``KeyError`` for
    another name."""
    made = {"referral-funnel": funnel, "referral-rewards": rewards_by_status,
            "referral-referrers": referrers}[table]  # fmt: skip
    header, rows = made(report)
    return table_bytes(header, rows)
