"""The wheel ships the whole service: every package, template, migration, catalog and widget file.

The tests run against an editable install, which imports straight from the checkout, so they
would pass with a package or a data folder the wheel leaves out. These tests build the wheel
the way an installation does (setuptools' PEP 517 backend, from a clean copy of the sources)
and compare its files with the source tree, so a new subpackage or a new folder of widget
files is checked without an edit here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
#: What the build reads (where present): metadata, discovery, the readme and the source folders.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "widgetserver", "widgets")
#: Inputs of `make translations`, not needed by a running server.
SOURCE_ONLY = {
    "widgetserver/admin/translations/babel.cfg",
    "widgetserver/admin/translations/messages.pot",
}
BUILD = """
import sys
from setuptools import build_meta
print("built", build_meta.build_wheel(sys.argv[1]))
"""


@dataclass(frozen=True)
class Wheel:
    files: set[str]
    dist_info: dict[str, str]
    output: str


def source_files() -> set[str]:
    """Every file the wheel must hold, named as it is inside the wheel."""
    found: set[str] = set()
    for top, installed in (("widgetserver", "widgetserver"), ("widgets", "widgetserver/widgets")):
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(f"{installed}/{path.relative_to(ROOT / top).as_posix()}")
    return found - SOURCE_ONLY


def copy_sources(target: Path) -> None:
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in BUILD_INPUTS:
        source = ROOT / name
        if not source.exists():
            continue
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=skip)
        else:
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Wheel:
    tree = tmp_path_factory.mktemp("source")
    out = tmp_path_factory.mktemp("wheel")
    copy_sources(tree)
    # The environment may switch byte-compiling off (distutils then warns that it skips it)
    # or silence warnings: the output must show what the project's configuration causes.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONDONTWRITEBYTECODE", "PYTHONWARNINGS"}
    }
    result = subprocess.run(
        [sys.executable, "-W", "default", "-c", BUILD, str(out)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    (built,) = out.glob("*.whl")
    with zipfile.ZipFile(built) as archive:
        names = set(archive.namelist())
        dist_info = {
            name.split("/", 1)[1]: archive.read(name).decode()
            for name in names
            if name.split("/", 1)[0].endswith(".dist-info")
        }
    files = {name for name in names if not name.split("/", 1)[0].endswith(".dist-info")}
    return Wheel(files=files, dist_info=dist_info, output=output)


def test_the_build_uses_a_setuptools_the_project_asks_for():
    (wanted,) = (
        Requirement(text)
        for text in PYPROJECT["build-system"]["requires"]
        if Requirement(text).name == "setuptools"
    )
    assert wanted.specifier.contains(metadata.version("setuptools"))


def test_the_build_prints_no_warnings(wheel):
    warnings = [line for line in wheel.output.splitlines() if re.search("warn", line, re.I)]
    assert warnings == [], "\n".join(warnings)


def test_the_wheel_holds_exactly_the_files_of_the_source_tree(wheel):
    expected = source_files()
    missing = sorted(expected - wheel.files)
    assert missing == [], f"missing from the wheel: {missing}"
    extra = sorted(wheel.files - expected)
    assert extra == [], f"in the wheel but not in widgetserver/ or widgets/: {extra}"


def test_every_folder_of_python_modules_is_a_package():
    folders = {path.parent for path in (ROOT / "widgetserver").rglob("*.py")}
    without_init = sorted(
        str(folder.relative_to(ROOT))
        for folder in folders
        if not (folder / "__init__.py").is_file()
    )
    assert without_init == [], "package discovery finds only folders with an __init__.py"


@pytest.mark.parametrize(
    "pattern",
    [
        "widgetserver/__init__.py",
        "widgetserver/*/__init__.py",
        "widgetserver/templates/*.html",
        "widgetserver/admin/templates/admin/*.html",
        "widgetserver/demo/templates/*.html",
        "widgetserver/admin/static/*",
        "widgetserver/demo/static/*",
        "widgetserver/migrations/env.py",
        "widgetserver/migrations/script.py.mako",
        "widgetserver/migrations/versions/*.py",
        "widgetserver/api/openapi.yaml",
        "widgetserver/admin/translations/*/LC_MESSAGES/messages.po",
        "widgetserver/admin/translations/*/LC_MESSAGES/messages.mo",
        "widgetserver/widgets/js/**/*.js",
        "widgetserver/widgets/css/**/*.css",
        "widgetserver/widgets/i18n/**/*.json",
        "widgetserver/widgets/icons/icons.json",
    ],
)
def test_the_wheel_holds_what_the_server_reads_at_run_time(wheel, pattern):
    # The comparison with the source tree above is the full check; these name what matters,
    # so that an emptied source folder cannot make it pass.
    regex = re.escape(pattern).replace(r"\*\*/", "(?:.+/)?").replace(r"\*", "[^/]+")
    assert any(re.fullmatch(regex, name) for name in wheel.files), pattern


def test_the_wheel_installs_the_widgetserver_command(wheel):
    scripts = PYPROJECT["project"]["scripts"]
    assert scripts == {"widgetserver": "widgetserver.core.cli:main"}
    entry_points = wheel.dist_info["entry_points.txt"]
    assert "[console_scripts]\nwidgetserver = widgetserver.core.cli:main" in entry_points
    assert "widgetserver/core/cli.py" in wheel.files


def test_the_wheel_has_one_top_level_package(wheel):
    assert wheel.dist_info["top_level.txt"].split() == ["widgetserver"]
