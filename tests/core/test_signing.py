import pytest

from widgetserver.core import signing
from widgetserver.core.signing import SignatureError

SECRET = "sk_test"
NOW = 1_780_000_000


def verify(**overrides):
    args = {
        "timestamp": str(NOW),
        "signature": signing.request_signature(SECRET, str(NOW), "POST", "/v1/conversions", b"{}"),
        "method": "POST",
        "path": "/v1/conversions",
        "body": b"{}",
        "now": NOW,
        "tolerance": 300,
    }
    args.update(overrides)
    signing.verify_request([SECRET], **args)


def test_the_signature_is_the_documented_hmac():
    import hashlib
    import hmac

    expected = hmac.new(
        SECRET.encode(), f"{NOW}.POST./v1/conversions?x=1.".encode() + b'{"a":1}', hashlib.sha256
    ).hexdigest()
    assert signing.request_signature(
        SECRET, str(NOW), "post", "/v1/conversions?x=1", b'{"a":1}'
    ) == ("sha256=" + expected)


def test_a_correct_signature_verifies():
    verify()


def test_upper_case_hex_is_accepted():
    sig = signing.request_signature(SECRET, str(NOW), "POST", "/v1/conversions", b"{}")
    verify(signature="sha256=" + sig.removeprefix("sha256=").upper())


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"body": b'{"amount":"1"}'}, "signature_invalid"),
        ({"path": "/v1/conversions?x=1"}, "signature_invalid"),
        ({"method": "PUT"}, "signature_invalid"),
        ({"signature": "sha256=" + "0" * 64}, "signature_invalid"),
        ({"signature": "md5=abc"}, "signature_invalid"),
        ({"signature": None}, "signature_missing"),
        ({"timestamp": None}, "signature_missing"),
        ({"timestamp": "12.5"}, "timestamp_invalid"),
        ({"timestamp": "-5"}, "timestamp_invalid"),
        ({"timestamp": "9" * 40}, "timestamp_invalid"),
        ({"now": NOW + 301}, "timestamp_out_of_tolerance"),
        ({"now": NOW - 301}, "timestamp_out_of_tolerance"),
    ],
)
def test_tampered_stale_or_missing_signatures_are_refused(change, reason):
    with pytest.raises(SignatureError) as caught:
        verify(**change)
    assert caught.value.reason == reason


def test_the_edge_of_the_tolerance_is_still_accepted():
    verify(now=NOW + 300)
    verify(now=NOW - 300)


def test_another_sites_secret_does_not_verify():
    sig = signing.request_signature("sk_other", str(NOW), "POST", "/v1/conversions", b"{}")
    with pytest.raises(SignatureError):
        verify(signature=sig)


def test_tokens_round_trip_and_carry_their_expiry():
    token = signing.make_token(SECRET, "conversion", {"order_id": "1"}, expires_at=NOW + 60)
    assert signing.read_token([SECRET], "conversion", token, now=NOW, max_age=3600) == {
        "order_id": "1",
        "exp": NOW + 60,
    }


def test_a_token_for_one_purpose_is_worthless_for_another():
    token = signing.make_token(SECRET, "vote", {"order_id": "1"}, expires_at=NOW + 60)
    with pytest.raises(SignatureError, match="signature"):
        signing.read_token([SECRET], "conversion", token, now=NOW, max_age=3600)


def test_expired_and_tampered_tokens_are_refused():
    token = signing.make_token(SECRET, "conversion", {"order_id": "1"}, expires_at=NOW - 1)
    with pytest.raises(SignatureError) as caught:
        signing.read_token([SECRET], "conversion", token, now=NOW, max_age=3600)
    assert caught.value.reason == "token_expired"
    good = signing.make_token(SECRET, "conversion", {"order_id": "1"}, expires_at=NOW + 60)
    body, mac = good.split(".")
    forged = signing.make_token("sk_guess", "conversion", {"order_id": "2"}, NOW + 60)
    for bad in [forged, body + "." + mac[:-2], "x", None, 5, "a.b.c", "!!!.???", "e30." + mac]:
        with pytest.raises(SignatureError):
            signing.read_token([SECRET], "conversion", bad, now=NOW, max_age=3600)


def test_visitor_hashes_differ_by_salt_site_ip_and_browser():
    salt = b"s" * 32
    base = signing.visitor_hash(salt, 1, "203.0.113.7", "UA")
    assert base == signing.visitor_hash(salt, 1, "203.0.113.7", "UA")
    assert -(2**63) <= base < 2**63
    others = {
        signing.visitor_hash(b"t" * 32, 1, "203.0.113.7", "UA"),
        signing.visitor_hash(salt, 2, "203.0.113.7", "UA"),
        signing.visitor_hash(salt, 1, "203.0.113.8", "UA"),
        signing.visitor_hash(salt, 1, "203.0.113.7", "UA2"),
    }
    assert base not in others and len(others) == 4


def test_keys_and_secrets_are_random_and_recognisable():
    keys = {signing.new_public_key() for _ in range(50)}
    secrets = {signing.new_secret() for _ in range(50)}
    assert len(keys) == len(secrets) == 50
    assert all(k.startswith("pk_") and len(k) <= 40 for k in keys)
    assert all(s.startswith("sk_") and len(s) >= 40 for s in secrets)


def test_the_worked_examples_in_the_integration_guide_hold():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    body = b'{"order_id":"1001","amount":"59.90","currency":"EUR","status":"placed","ref":"k7Qx2mPa9Z"}'
    signature = signing.request_signature(
        "sk_example_secret", "1767225600", "POST", "/v1/conversions", body
    )
    assert signature.removeprefix("sha256=") in guide
    token = signing.make_token(
        "sk_example_secret",
        "conversion",
        {"order_id": "1001", "amount": "59.90", "currency": "EUR", "status": "paid"},
        1767229200,
    )
    assert token in guide


def test_a_token_valid_longer_than_its_purpose_allows_is_refused():
    token = signing.make_token(SECRET, "conversion", {}, expires_at=NOW + 3601)
    with pytest.raises(SignatureError, match="at most"):
        signing.read_token([SECRET], "conversion", token, now=NOW, max_age=3600)


def test_nothing_of_an_unsigned_token_is_parsed():
    nested = signing._b64encode(b"[" * 2900)  # deeper than the JSON parser can go
    with pytest.raises(SignatureError, match="signature"):
        signing.read_token([SECRET], "conversion", nested + ".AAAA", now=NOW, max_age=3600)
    signed = (
        nested + "." + signing._b64encode(signing._mac(SECRET, f"conversion.{nested}".encode()))
    )
    with pytest.raises(SignatureError, match="format"):
        signing.read_token([SECRET], "conversion", signed, now=NOW, max_age=3600)
