"""Coupon pools: an owner's upload read whole or refused whole, a code taken exactly once."""

from __future__ import annotations

import pytest

from widgetserver.core.db import db
from widgetserver.core.errors import DomainError
from widgetserver.models import Coupon
from widgetserver.rewards import coupons

from ..conftest import all_rows


def add(app, site, clock, upload, pool="friend"):
    with app.app_context(), db.writing() as session:
        return coupons.add(session, site.id, pool, upload, clock())


def test_pasted_codes_with_empty_lines_and_duplicates_are_added_once(app, site, clock):
    added = add(app, site, clock, "A-1\n\n  A-2  \nA-1\r\nA-3\n")
    assert (added.added, added.duplicates, added.remaining) == (3, 1, 3)
    again = add(app, site, clock, "A-3\nA-4")
    assert (again.added, again.duplicates, again.remaining) == (1, 1, 4)
    assert [c.code for c in all_rows(app, Coupon)] == ["A-1", "A-2", "A-3", "A-4"]


def test_a_csv_file_gives_its_first_column_and_skips_its_header(app, site, clock):
    upload = b'\xef\xbb\xbfcode;value\n"SPRING-1";10 %\nSPRING-2;10 %\n'
    assert add(app, site, clock, upload).added == 2
    assert add(app, site, clock, b"coupon,note\nX-1,first\n").added == 1


def test_pools_are_apart(app, site, clock):
    add(app, site, clock, "SAME-1", pool="friend")
    assert add(app, site, clock, "SAME-1", pool="reward").added == 1


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8"),
        ("A-1\x00B", "NUL"),
        ("GOOD-1\n<script>alert(1)</script>\n", "line 2"),
        ("GOOD-1\nhas space\n", "line 2"),
        ("\n\n  \n", "no code"),
        ("X" * 65, "line 1"),
        ("\n".join(f"C-{n}" for n in range(coupons.MAX_CODES + 1)), "at most"),
        (b"A" * (coupons.MAX_BYTES + 1), "at most"),
    ],
)
def test_an_unusable_upload_is_refused_whole_and_adds_nothing(app, site, clock, upload, words):
    add(app, site, clock, "KEEP-1")
    with pytest.raises(DomainError) as refused:
        add(app, site, clock, upload)
    assert refused.value.reason == "invalid_pool"
    assert words in refused.value.message and "nothing was added" in refused.value.message
    assert [c.code for c in all_rows(app, Coupon)] == ["KEEP-1"]


def test_a_hundred_thousand_codes_are_refused(app, site, clock):
    upload = "\n".join(f"BULK-{n:06d}" for n in range(100_000))
    with pytest.raises(DomainError):
        add(app, site, clock, upload)
    assert all_rows(app, Coupon) == []


def test_a_code_is_taken_once_in_upload_order_then_the_pool_is_empty(app, site, clock):
    add(app, site, clock, "T-1\nT-2")
    with app.app_context(), db.writing() as session:
        taken = [coupons.take(session, site.id, "friend", clock()) for _ in range(3)]
        left = coupons.remaining(session, site.id, "friend")
    assert taken == ["T-1", "T-2", None] and left == 0
