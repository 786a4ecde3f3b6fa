"""The generator of plugins/contract/: fixed inputs shared by the signature and token vectors.

Everything is fixed (secrets, times, bodies), so the generated files are the same on every
run. ``signatures`` makes ``signatures.json``, ``tokens`` makes ``tokens.json``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from widgetserver.core.config import DEFAULTS

FORMAT = 1
GENERATED_BY = (
    "tests/core/contract/ (run by tests/core/test_contract.py) from widgetserver/core/signing.py"
)

# The worked examples of docs/api.md use the same key, secret and time.
PUBLIC_KEY = "pk_example_site_key"
SECRET = "sk_example_secret"
PREVIOUS_SECRET = "sk_example_previous_secret"
OTHER_SECRET = "sk_another_sites_secret"
NOW = 1_767_225_600
TOLERANCE: int = DEFAULTS["SIGNATURE_TOLERANCE"]
ORDER = {"order_id": "1001", "amount": "59.90", "currency": "EUR"}
#: The example tokens are valid for an hour, as docs/api.md advises.
LIFETIME = 3600


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def serialise(document: dict[str, Any]) -> str:
    """The committed form: indented, UTF-8 text as it is, one newline at the end."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
