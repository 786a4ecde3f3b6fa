"""The server against its own OpenAPI document, with generated requests (schemathesis)."""

import json
import re
from datetime import UTC, datetime

import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate

from widgetserver.api.openapi import document
from widgetserver.core.signing import signed_headers

from ..conftest import BROWSER_UA, SHOP

schema = schemathesis.openapi.from_dict(document())
schema.config.generation.update(modes=list(schemathesis.GenerationMode))
# Schema-violating data may be refused before it is read: a body over the endpoint's limit is
# a documented 413, a rejection like any other.
_rejection = schema.config.checks.negative_data_rejection
_rejection.expected_statuses = [*_rejection.expected_statuses, "413"]


@schemathesis.serializer("text/plain")
def _json_as_text(ctx, value):
    """Browsers send the JSON document as text/plain to avoid CORS preflights."""
    return value if isinstance(value, (str, bytes)) else json.dumps(value).encode()


EXCLUDED_CHECKS = {
    # Order rules beyond JSON Schema (a currency's decimal places, the year occurred_at may
    # reach back) make some schema-valid reports a documented 400.
    # Signed here by the test itself; refusals of bad signatures are tested in test_conversions.
    "/v1/conversions": [
        schemathesis.checks.positive_data_acceptance,
        schemathesis.checks.ignored_auth,
    ],
    "/v1/conversions/browser": [schemathesis.checks.positive_data_acceptance],
    # A link's page must lie on one of the site's origins, which no schema can say.
    "/v1/referrals": [schemathesis.checks.positive_data_acceptance],
    # A well-formed batch is answered 202 by design; its invalid events are listed as rejected.
    "/v1/events": [schemathesis.checks.negative_data_rejection],
}


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_as_documented_and_never_with_a_500(case, app, site, clock):
    headers = {"Origin": SHOP, "User-Agent": BROWSER_UA}
    if case.meta.generation.mode is schemathesis.GenerationMode.POSITIVE:
        # Reach past the site lookup into the real checks (negative cases stay as generated).
        if isinstance(case.body, dict) and "site" in case.body:
            case.body["site"] = site.key
        if "key" in (case.path_parameters or {}):
            case.path_parameters["key"] = site.key
    kwargs = {}
    if case.operation.path == "/v1/conversions" and case.media_type == "application/json":
        raw = _raw_body(case.body)
        if raw is not None:
            now = int(clock().timestamp())
            headers |= signed_headers(site.key, site.secret, "POST", "/v1/conversions", raw, now)
            kwargs["data"] = raw
    response = case.call(app=app, headers=headers, **kwargs)
    assert response.status_code < 500
    case.validate_response(response, excluded_checks=EXCLUDED_CHECKS.get(case.operation.path, []))


def _raw_body(body):
    """The exact bytes to sign and send, or None when the body cannot be sent as JSON."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    try:
        return json.dumps(body).encode()
    except (TypeError, ValueError):
        return None


#: Days and moments on both sides of the documented patterns, as the server must judge them.
DAYS = {
    "2026-05-01": True,
    "2000-01-01": True,
    "2100-12-31": True,
    "1999-12-31": False,
    "2101-01-01": False,
    "0503-06-26": False,
    "4309-08-30": False,
    "2026-W48-1": False,
    "2026-335": False,
    "20260501": False,
}
MOMENTS = {
    "2026-05-12T10:00:00Z": True,
    "2026-05-12t10:00:00.5z": True,
    "2026-05-12T12:00:00+02:00": True,
    "2026-W20-2T10:00:00Z": False,
    "2026-132T10:00:00Z": False,
    "20260512T100000Z": False,
    "2026-05-12T10:00:00": False,
    "2026-05-12 10:00:00Z": False,
}


def test_the_documented_day_pattern_is_what_the_stats_take():
    from widgetserver.stats import Period, PeriodError

    pattern = document()["components"]["schemas"]["Day"]["pattern"]
    for value, taken in DAYS.items():
        assert bool(re.search(pattern, value)) is taken, value
        try:
            Period.parse(value, value, "UTC")
        except PeriodError:
            assert not taken, value
        else:
            assert taken, value


def test_the_documented_occurred_at_pattern_is_what_reports_take():
    from widgetserver.core.errors import DomainError
    from widgetserver.orders.report import parse_report

    pattern = document()["components"]["schemas"]["OccurredAt"]["pattern"]
    now = datetime(2026, 5, 12, 10, 30, tzinfo=UTC)
    for value, taken in MOMENTS.items():
        assert bool(re.search(pattern, value)) is taken, value
        report = {"order_id": "1", "amount": "1.00", "currency": "EUR", "status": "paid"}
        try:
            parse_report({**report, "occurred_at": value}, verified=True, now=now, tolerance=300)
        except DomainError:
            assert not taken, value
        else:
            assert taken, value


def test_the_document_is_valid_openapi():
    validate(document())


def test_every_route_of_the_public_api_is_documented(app):
    documented = {
        (path, method.upper()) for path, ops in document()["paths"].items() for method in ops
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            continue  # the owners' pages are not part of the API
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((path, method))
    assert served == documented


def test_the_documented_currencies_are_the_ones_the_server_accepts():
    from widgetserver.orders.money import MINOR_UNITS

    assert document()["components"]["schemas"]["Currency"]["enum"] == sorted(MINOR_UNITS)


def test_the_documented_attribution_decisions_are_the_ones_the_server_makes():
    from widgetserver.orders.attribution import REASONS

    decision = document()["components"]["schemas"]["ConversionState"]["properties"]["attribution"]
    assert decision["properties"]["decision"]["enum"] == list(REASONS)
