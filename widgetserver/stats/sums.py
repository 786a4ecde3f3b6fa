"""The numbers the stats add up from events: per day, per channel, per page, over a period.

``Sums`` are the five counts; ``DaySums`` one day's totals with the same counts by channel and
by page; ``PeriodSums`` a run of days. ``top_pages`` keeps the pages with the most visits and
shares and sums the rest into one row under the page ``OTHER``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: The page the pages beyond the kept ones are summed under (no real page is empty).
OTHER = ""


@dataclass
class Sums:
    shares: int = 0
    visits: int = 0
    share_visits: int = 0
    chained_shares: int = 0
    visitors: int = 0

    def add(self, other: Sums) -> None:
        self.shares += other.shares
        self.visits += other.visits
        self.share_visits += other.share_visits
        self.chained_shares += other.chained_shares
        self.visitors += other.visitors


@dataclass
class DaySums:
    """One day: the totals and the same sums by channel and by page."""

    total: Sums = field(default_factory=Sums)
    channels: dict[str, Sums] = field(default_factory=dict)
    pages: dict[str, Sums] = field(default_factory=dict)


@dataclass
class PeriodSums:
    """A run of days: the totals of each day, and channels and pages over all of them."""

    daily: dict[date, Sums] = field(default_factory=dict)
    channels: dict[str, Sums] = field(default_factory=dict)
    pages: dict[str, Sums] = field(default_factory=dict)

    def add_day(self, day: date, sums: DaySums) -> None:
        self.daily[day] = sums.total
        for target, source in ((self.channels, sums.channels), (self.pages, sums.pages)):
            for key, value in source.items():
                if key != OTHER:
                    target.setdefault(key, Sums()).add(value)

    def total(self) -> Sums:
        out = Sums()
        for sums in self.daily.values():
            out.add(sums)
        return out


def top_pages(pages: dict[str, Sums], limit: int) -> dict[str, Sums]:
    """The ``limit`` pages with the most visits and shares, and the rest summed as ``OTHER``."""
    ranked = sorted(
        ((k, v) for k, v in pages.items() if k != OTHER),
        key=lambda item: (-(item[1].visits + item[1].shares), item[0]),
    )
    kept = dict(ranked[:limit])
    if len(ranked) > limit or OTHER in pages:
        other = Sums()
        for _, sums in ranked[limit:]:
            other.add(sums)
        if OTHER in pages:
            other.add(pages[OTHER])
        kept[OTHER] = other
    return kept
