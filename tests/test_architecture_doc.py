"""docs/architecture.md draws the capabilities' arrows: the drawing is the layout test's
BUILDS_ON table, so neither changes without the other; README links the page."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_layout import BUILDS_ON

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"


def drawn_arrows() -> set[tuple[str, str]]:
    block = re.search(r"```mermaid\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert block, "docs/architecture.md has no mermaid drawing"
    arrows = re.findall(r"^\s*(\w+)\s*-->\s*(\w+)\s*$", block.group(1), re.MULTILINE)
    return set(arrows)


def test_the_drawing_is_builds_on() -> None:
    table = {(a, b) for a, below in BUILDS_ON.items() for b in below}
    assert drawn_arrows() == table


def test_the_readme_links_the_architecture_and_the_glossary() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "(docs/architecture.md)" in readme and "(docs/glossary.md)" in readme
