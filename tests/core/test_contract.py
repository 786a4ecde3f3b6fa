"""plugins/contract/: the shop plugins' test vectors, made by the server's own signing code.

The vectors are regenerated here, in memory, by ``tests/core/contract`` from
``widgetserver.core.signing``; the test fails when the committed files differ, so a change on
the Python side cannot drift away from the PHP plugins silently. Every vector is also checked
against the verifying code: the accepted ones verify, the refused ones are refused with the
reason they state. After a deliberate change, rewrite the files with
``SWK_UPDATE_CONTRACT=1 python -m pytest tests/core/test_contract.py``.
"""

from __future__ import annotations

import ast
import base64
import importlib
import os
from pathlib import Path
from typing import Any

import pytest

from widgetserver import orders, referrals
from widgetserver.core import signing

from .contract import TOLERANCE, serialise
from .contract.signatures import signatures_document
from .contract.tokens import token_body, tokens_document

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "plugins" / "contract"
UPDATE = os.environ.get("SWK_UPDATE_CONTRACT") == "1"
SIGNATURES = signatures_document()
TOKENS = tokens_document()
DOCUMENTS = {"signatures.json": SIGNATURES, "tokens.json": TOKENS}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_committed_vectors_are_what_the_signing_code_makes(name):
    expected = serialise(DOCUMENTS[name])
    path = CONTRACT / name
    if UPDATE:
        path.write_text(expected, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.relative_to(ROOT)} differs from what widgetserver/core/signing.py makes: if the"
        " change is deliberate, the plugins must follow; rewrite the file with"
        " SWK_UPDATE_CONTRACT=1 python -m pytest tests/core/test_contract.py"
    )


@pytest.mark.parametrize("vector", SIGNATURES["signatures"], ids=lambda v: v["name"])
def test_every_signature_vector_verifies(vector):
    body = base64.b64decode(vector["body_base64"])
    assert body == vector["body"].encode()
    headers = vector["headers"]
    assert headers["X-SWK-Site"] == vector["public_key"]
    assert headers["X-SWK-Timestamp"] == vector["timestamp"]
    signing.verify_request(
        [vector["secret"]],
        timestamp=headers["X-SWK-Timestamp"],
        signature=headers["X-SWK-Signature"],
        method=vector["method"],
        path=vector["path"],
        body=body,
        now=int(vector["timestamp"]),
        tolerance=TOLERANCE,
    )


@pytest.mark.parametrize("check", SIGNATURES["checks"], ids=lambda c: c["name"])
def test_every_request_check_is_decided_as_it_states(check):
    def verify() -> None:
        signing.verify_request(
            check["secrets"],
            timestamp=check["timestamp"],
            signature=check["signature"],
            method=check["method"],
            path=check["path"],
            body=base64.b64decode(check["body_base64"]),
            now=check["now"],
            tolerance=check["tolerance"],
        )

    if check["valid"]:
        verify()
    else:
        with pytest.raises(signing.SignatureError) as refused:
            verify()
        assert refused.value.reason == check["reason"]


@pytest.mark.parametrize("vector", TOKENS["tokens"], ids=lambda v: v["name"])
def test_every_token_vector_reads_back_its_payload(vector):
    assert token_body(vector["token"]) == vector["payload_json"].encode()
    max_age = TOKENS["purposes"][vector["purpose"]]["max_age"]
    payload = signing.read_token(
        [vector["secret"]], vector["purpose"], vector["token"], vector["issued_at"], max_age
    )
    assert payload == {**vector["payload"], "exp": vector["expires_at"]}


@pytest.mark.parametrize("check", TOKENS["checks"], ids=lambda c: c["name"])
def test_every_token_check_is_decided_as_it_states(check):
    def read() -> dict[str, Any]:
        return signing.read_token(
            check["secrets"], check["purpose"], check["token"], check["now"], check["max_age"]
        )

    if check["valid"]:
        assert read() == check["payload"]
    else:
        with pytest.raises(signing.SignatureError) as refused:
            read()
        assert refused.value.reason == check["reason"]


def test_the_worked_examples_of_the_api_docs_are_vectors():
    docs = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    signatures = {v["name"]: v for v in SIGNATURES["signatures"]}
    for name in ("conversion", "stats", "referral"):
        hex_digest = signatures[name]["headers"]["X-SWK-Signature"].removeprefix("sha256=")
        assert f"# {hex_digest}\n" in docs, name
    tokens = {v["name"]: v for v in TOKENS["tokens"]}
    assert tokens["conversion_docs_example"]["token"] in docs
    assert tokens["referrer_docs_example"]["token"] in docs


def purposes_read_by_the_server() -> set[str]:
    """The purpose of every ``read_token`` call in widgetserver/, a literal or a module
    constant; a function that hands its own ``purpose`` parameter on to ``read_token`` (a
    wrapper, such as ``api.browser.token_claims``) is followed to its callers instead."""
    trees = {}
    for path in sorted((ROOT / "widgetserver").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        trees[module] = ast.parse(path.read_text(encoding="utf-8"))
    readers = {"read_token"}
    handed_on: set[int] = set()  # calls that pass a wrapper's own parameter along
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef):
                    continue
                names = {a.arg for a in function.args.args}
                for call in _reads(function, readers):
                    purpose = _purpose(call)
                    if isinstance(purpose, ast.Name) and purpose.id in names:
                        handed_on.add(id(call))
                        grown |= function.name not in readers
                        readers.add(function.name)
    found: set[str] = set()
    for module, tree in trees.items():
        for call in _reads(tree, readers):
            if id(call) not in handed_on:
                found.add(resolve(_purpose(call), importlib.import_module(module)))
    return found


def _reads(tree: ast.AST, readers: set[str]) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if called in readers:
                calls.append(node)
    return calls


def _purpose(call: ast.Call) -> ast.expr:
    args = {keyword.arg: keyword.value for keyword in call.keywords}
    return call.args[1] if len(call.args) > 1 else args["purpose"]


def resolve(node: ast.expr, namespace: Any) -> Any:
    """The value of a literal, a name or a dotted name (``tokens.VOTE``) in a module."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return getattr(namespace, node.id)
    assert isinstance(node, ast.Attribute), f"{ast.unparse(node)}: name the purpose in a constant"
    return getattr(resolve(node.value, namespace), node.attr)


def test_every_purpose_the_server_reads_has_vectors():
    read = purposes_read_by_the_server()
    assert orders.CONVERSION_TOKEN in read
    assert referrals.REFERRER_TOKEN in read
    assert read <= set(TOKENS["purposes"]), "add a Purpose to tests/core/contract/tokens.py"
    assert {check["purpose"] for check in TOKENS["checks"]} == set(TOKENS["purposes"])
