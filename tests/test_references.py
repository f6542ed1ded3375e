"""The project's reference is its OpenAPI document and docs/: no code, test, benchmark or doc
cites a specification file that is not in the repository (a reader cannot open it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"\b(API|DOMAIN|PORTAL|STYLE)\.md\b")  # does not match itself


def test_nothing_cites_a_file_outside_the_repository() -> None:
    paths = [ROOT / "README.md", *(p for d in ("src", "tests", "bench", "docs")
                                   for p in (ROOT / d).rglob("*")
                                   if p.suffix in {".py", ".md", ".html", ".txt", ".json"}
                                   and "node_modules" not in p.parts)]  # npm's, not ours
    found = [f"{p.relative_to(ROOT)}:{n}" for p in paths
             for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace")
                                      .splitlines(), 1) if OUTSIDE.search(line)]
    assert found == []
