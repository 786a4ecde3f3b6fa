"""Order, referral and site code knows nothing of HTTP, checked by reading each module's imports.

Rewards jobs, mail jobs and CLI commands call this code outside any request; its refusals are
``core.errors.DomainError``s and the web layer alone turns them into statuses.
"""

import ast
import importlib
import importlib.util
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

#: Domain modules that hold per-application state may use ``flask.current_app`` (any
#: application context: a request, a CLI command, a job); a package may take the ``Flask``
#: application in its ``init_app``. Nothing else of Flask, and no HTTP error, anywhere.
FLASK_ALLOWED = {
    "widgetserver.orders": {"Flask"},
    "widgetserver.sites": {"Flask"},
    "widgetserver.sites.public": {"current_app"},
}


def _domain_modules() -> list[str]:
    names = []
    for package in ("widgetserver.orders", "widgetserver.referrals", "widgetserver.sites"):
        path = importlib.import_module(package).__path__
        names += [package, *(m.name for m in pkgutil.iter_modules(path, package + "."))]
    # A package's ``cli`` module is an interface like the web layer: it turns domain errors
    # into messages and exit codes, and may use Flask's command-line helpers for that.
    return sorted(n for n in names if not n.endswith(".cli"))


def _imports(module: ModuleType) -> dict[str, set[str]]:
    """What ``module`` imports directly: absolute module name -> names taken from it."""
    source = Path(module.__file__).read_text(encoding="utf-8") if module.__file__ else ""
    return _imports_of_source(source, module.__name__, hasattr(module, "__path__"))


def _imports_of_source(source: str, name: str, is_package: bool = False) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.setdefault(alias.name, set())
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = importlib.util.resolve_name("." * node.level + base, package).rstrip(".")
            found.setdefault(base, set()).update(alias.name for alias in node.names)
    return found


def test_the_domain_modules_are_found():
    assert {
        "widgetserver.orders.report",
        "widgetserver.orders.lifecycle",
        "widgetserver.orders.view",
        "widgetserver.sites.store",
        "widgetserver.sites.public",
    } <= set(_domain_modules())


@pytest.mark.parametrize("name", _domain_modules())
def test_domain_modules_import_no_http(name):
    imports = _imports(importlib.import_module(name))
    for imported, names in imports.items():
        assert not imported.startswith(("widgetserver.web", "widgetserver.api")), imported
        assert not imported.startswith("werkzeug.exceptions"), imported
        if imported == "werkzeug":
            assert "exceptions" not in names
        if imported == "flask" or imported.startswith("flask."):
            allowed = FLASK_ALLOWED.get(name, set())
            assert names and names <= allowed, f"{name} imports {names or imported} of Flask"


def test_the_inspection_sees_an_http_import():
    source = "import flask\nfrom flask import request\nfrom ..web.errors import ApiError\n"
    assert _imports_of_source(source, "widgetserver.orders.sample") == {
        "flask": {"request"},
        "widgetserver.web.errors": {"ApiError"},
    }
