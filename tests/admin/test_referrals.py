"""The owners' recommend-a-friend: the stats page's referral section and its CSV, the coupon
pools' upload on the settings page, the preview of the recommend form."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from widgetserver.models import Coupon
from widgetserver.rewards import coupons

from ..conftest import SHOP, Browser, Shop, SiteInfo, all_rows, make_referral
from ..rewards.conftest import configure

HOSTILE_REF = "<script>alert(1)</script>"
FORMULA_REF = '=HYPERLINK("https://evil.example","x")'
LINK, OTHER = "friendlinkA000000000a", "friendlinkB000000000b"


@pytest.fixture
def referred(app, client, clock, mine):
    """The logged-in owner's site: two customers' links, a friend's visit and paid order."""
    info = SiteInfo(mine.id, mine.key, mine.secret, SHOP)
    clock.set(datetime(2026, 5, 11, 8, 0, tzinfo=UTC))
    make_referral(app, info, LINK, HOSTILE_REF, clock)
    make_referral(app, info, OTHER, FORMULA_REF, clock)
    friend = Browser(client, info)
    friend.ip = "198.51.100.20"
    assert friend.visit(LINK).status_code == 202
    assert friend.send({"type": "invite", "code": LINK, "channel": "whatsapp"}).status_code == 202
    shop = Shop(client, info, clock)
    assert shop.conversion("<b>o-1</b>", amount="80.00", ref=LINK, status="paid").status_code == 201
    clock.set(datetime(2026, 5, 12, 10, 30, tzinfo=UTC))
    return mine


def page(client, path, **headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_stats_page_shows_the_referral_section_escaped(client, referred):
    html = page(client, f"/admin/sites/{referred.id}/?period=7d")
    assert 'id="referral-heading">Recommend a friend</h2>' in html
    assert "<caption" in html and "Referral funnel" in html
    assert "Referral links created" in html and "WhatsApp: 1" in html
    assert "€80.00" in html and "earned" in html
    assert HOSTILE_REF not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>o-1</b>" not in html and "&lt;b&gt;o-1&lt;/b&gt;" in html
    assert "<script>" not in html.split("</main>")[0]  # no inline script (CSP)


def test_the_stats_page_in_german(client, referred):
    html = page(client, f"/admin/sites/{referred.id}/?period=7d", **{"Accept-Language": "de"})
    assert "Freunde werben" in html
    assert "Erstellte Empfehlungslinks" in html
    assert "Prämien nach Status" in html
    assert "80,00\xa0€" in html


@pytest.mark.parametrize(
    "table", ["referral-funnel", "referral-rewards", "referral-referrers", "rewards"]
)
def test_every_referral_table_downloads_as_csv(client, referred, table):
    response = client.get(f"/admin/sites/{referred.id}/export/{table}.csv?period=7d")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data().decode("utf-8-sig")
    assert "=HYPERLINK" not in body.replace("'=HYPERLINK", "")


def test_the_referrers_csv_guards_formulas(client, referred):
    response = client.get(f"/admin/sites/{referred.id}/export/referral-referrers.csv?period=7d")
    body = response.get_data().decode("utf-8-sig")
    assert '"\'=HYPERLINK(""https://evil.example"",""x"")"' in body
    assert HOSTILE_REF in body  # text in a CSV cell, never a page


def upload(owners, site_id, pool="reward", *, codes=None, file=None, token=True):
    """Post the upload form as a browser does (the body built in memory: the test client would
    spool a large one to a file it never closes)."""
    data = {}
    if token:
        data["csrf_token"] = owners.token(f"/admin/sites/{site_id}/settings")
    if codes is not None:
        data["codes"] = codes
    if file is not None:
        data["file"] = FileStorage(io.BytesIO(file), "codes.csv", content_type="text/csv")
    boundary, body = encode_multipart(data)
    return owners.client.post(
        f"/admin/sites/{site_id}/coupons/{pool}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def pool_codes(app, site_id, pool="reward"):
    return sorted(
        c.code for c in all_rows(app, Coupon, Coupon.site_id == site_id, Coupon.pool == pool)
    )


def test_pasted_codes_are_added_with_duplicates_and_empty_lines_skipped(app, owners, mine):
    response = upload(owners, mine.id, codes="AAA-1\r\n\r\nBBB-2\r\nAAA-1\r\n  \r\nCCC-3\r\n")
    assert response.status_code == 303 and response.location.endswith("/settings#pool-reward")
    assert pool_codes(app, mine.id) == ["AAA-1", "BBB-2", "CCC-3"]
    html = owners.client.get(response.location).get_data(as_text=True)
    assert "Coupons for referrers: 3 added, 1 duplicates skipped, 3 remaining." in html
    again = upload(owners, mine.id, codes="CCC-3\nDDD-4")
    html = owners.client.get(again.location).get_data(as_text=True)
    assert "1 added, 1 duplicates skipped, 4 remaining." in html


def test_a_csv_file_with_a_header_is_added_to_its_pool(app, owners, mine):
    response = upload(owners, mine.id, "friend", file=b"\xef\xbb\xbfcode;value\nF-1;10\nF-2;10\n")
    assert response.status_code == 303
    assert pool_codes(app, mine.id, "friend") == ["F-1", "F-2"]
    assert pool_codes(app, mine.id, "reward") == []


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"file": b"OK-1\n\x00\x01\x02\xff\xfe"}, "The file is not text."),
        ({"file": b"\x89PNG\r\n\x1a\n\xff\xd8"}, "The file is not text."),
        ({"codes": "OK-1\n<script>x</script>\n"}, "Line 2 holds no code."),
        (
            {"codes": "\n".join(f"C-{n}" for n in range(coupons.MAX_CODES + 1))},
            "at most 20,000 codes",
        ),
        ({"codes": "\n \n"}, "The upload holds no code."),
        ({"codes": "A-1", "file": b"B-1"}, "Paste codes or choose a file, not both."),
    ],
)
def test_a_bad_upload_is_refused_beside_its_form_with_nothing_added(
    app, owners, mine, kwargs, words
):
    response = upload(owners, mine.id, **kwargs)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert words in html and "Nothing was added." in html
    assert 'id="pool-error-reward"' in html and "<script>x" not in html
    assert pool_codes(app, mine.id) == []


def test_an_upload_needs_the_csrf_token(app, owners, mine):
    assert upload(owners, mine.id, codes="A-1", token=False).status_code == 400
    assert pool_codes(app, mine.id) == []


def test_another_owners_site_and_an_unknown_pool_answer_404(app, owners, mine):
    other = owners.site(owners.create("other@shop.example"), "Not Mine")
    assert upload(owners, other.id, codes="A-1").status_code == 404
    assert upload(owners, mine.id, "gold", codes="A-1").status_code == 404
    assert pool_codes(app, other.id) == []


@pytest.mark.parametrize("how", ["file", "codes"])
def test_a_large_upload_within_the_limit_is_taken(app, owners, mine, how):
    body = "".join(f"{'X' * 50}-{n:08d}\n" for n in range(coupons.MAX_CODES))
    assert app.config["MAX_CONTENT_LENGTH"] < len(body) < coupons.MAX_BYTES
    given = {how: body.encode() if how == "file" else body}
    assert upload(owners, mine.id, **given).status_code == 303
    assert len(pool_codes(app, mine.id)) == coupons.MAX_CODES


def test_the_pools_warn_when_low_and_when_empty_but_in_use(app, owners, mine):
    info = SiteInfo(mine.id, mine.key, mine.secret, SHOP)
    configure(app, info, reward_coupon="pool")
    html = page(owners.client, f"/admin/sites/{mine.id}/settings")
    assert "The pool is empty, but the settings take codes from it" in html
    upload(owners, mine.id, "friend", codes="\n".join(f"F-{n}" for n in range(coupons.LOW - 1)))
    html = page(owners.client, f"/admin/sites/{mine.id}/settings")
    assert "19 codes left" in html and "Fewer than 20 codes are left." in html
    upload(owners, mine.id, "friend", codes="F-last")
    html = page(owners.client, f"/admin/sites/{mine.id}/settings")
    assert "20 codes left" in html and "Fewer than 20 codes are left." not in html


def test_the_preview_shows_the_owners_text_escaped_and_defaults_elsewhere(app, owners, mine):
    info = SiteInfo(mine.id, mine.key, mine.secret, SHOP)
    texts = {"de": {"headline": "<img src=x onerror=alert(1)> Empfehlen & sparen"}}
    configure(app, info, referral_texts=texts)
    html = page(owners.client, f"/admin/sites/{mine.id}/settings?preview=de")
    assert "&lt;img src=x onerror=alert(1)&gt; Empfehlen &amp; sparen" in html
    assert "<img src=x" not in html
    assert 'class="preview" lang="de"' in html and "Preview" in html
    preview = html.split('class="preview"')[1]
    assert "Meinen Link erstellen" in preview  # the form's own words where the owner wrote none
    assert (
        "Wer Ihrem Link folgt, erhält ein Willkommensgeschenk." not in preview
    )  # no coupon for friends: the form has no gift line
    english = page(owners.client, f"/admin/sites/{mine.id}/settings?preview=en")
    preview = english.split('class="preview"')[1]
    assert "Recommend us to a friend" in preview and "Empfehlen" not in preview
    assert "Get my link" in preview
    configure(app, info, referral_texts=texts, friend_coupon="fixed", friend_coupon_code="W10")
    html = page(owners.client, f"/admin/sites/{mine.id}/settings?preview=de")
    assert (
        "Wer Ihrem Link folgt, erhält ein Willkommensgeschenk." in html.split('class="preview"')[1]
    )
