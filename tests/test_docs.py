"""The documents say where things are: every module and file they name exists.

ARCHITECTURE.md's code map is how a newcomer finds their way (where a share click is received,
where an order is recorded); a map that names a moved or deleted module sends them nowhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [
    "ARCHITECTURE.md",
    "README.md",
    "bench/README.md",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")),
]
TOP = ("widgetserver", "widgets", "tests", "bench", "docs", "plugins", "scripts")
#: A code map entry: indentation, then one or more names ("a.py, b.py" or "dir/"), then the
#: description after at least two spaces. Continuation lines of a description have no name.
ENTRY = re.compile(r"^(?P<indent> *)(?P<names>[\w.<>*/-]+(?:, [\w.<>*/-]+)*)(?:\s{2,}|$)")


def _exists(relative: str) -> bool:
    """A path, where ``<name>`` stands for any one file or folder name."""
    pattern = re.sub(r"<[^>/]+>", "*", relative.rstrip("/"))
    return any(ROOT.glob(pattern)) if "*" in pattern else (ROOT / pattern).exists()


def code_map() -> list[str]:
    """The paths of the tree in ARCHITECTURE.md's "The parts" section, rebuilt from indentation."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = text.split("## The parts", 1)[1].split("```", 2)[1]
    paths: list[str] = []
    stack: list[tuple[int, str]] = []  # (indent, folder path)
    for line in block.splitlines()[1:]:
        match = ENTRY.match(line)
        if not match:
            continue
        names = match["names"].split(", ")
        if not all(n.endswith("/") or re.search(r"\.\w+$", n) for n in names):
            continue  # a description's continuation that happens to start with a word
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        for name in names:
            paths.append(parent + name)
        if len(names) == 1 and names[0].endswith("/"):
            stack.append((indent, parent + names[0]))
    return paths


def test_the_code_map_is_a_tree_of_the_top_folders() -> None:
    paths = code_map()
    assert len(paths) > 40
    assert {p.split("/")[0] for p in paths} >= {"widgetserver", "widgets", "tests", "bench"}


@pytest.mark.parametrize("path", code_map())
def test_every_module_in_the_code_map_exists(path: str) -> None:
    assert _exists(path), f"ARCHITECTURE.md names {path}, which does not exist"


def test_the_code_map_says_where_a_share_click_is_received() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    line = next(li for li in text.splitlines() if "a share click arrives here" in li)
    assert "POST /v1/events" in line
    assert "widgetserver/api/events.py" in code_map()


def _named_paths() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        text = (ROOT / doc).read_text(encoding="utf-8")
        for match in re.finditer(r"`((?:{})/[^`\s:]+)`".format("|".join(TOP)), text):
            found.append((doc, match[1].rstrip(".,")))
    return found


@pytest.mark.parametrize(("doc", "path"), _named_paths())
def test_every_path_a_document_names_exists(doc: str, path: str) -> None:
    assert _exists(path), f"{doc} names {path}, which does not exist"


def test_the_documents_name_paths_at_all() -> None:
    assert len(_named_paths()) > 10
