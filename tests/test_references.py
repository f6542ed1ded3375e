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


# A path of the repository cited in prose, e.g. core/payments.py or src/licensor/cli.py: one
# directory at least, so a bare module name (`cli.py`) is not taken for a path.
CITED = re.compile(r"(?<![\w./-])((?:[\w.-]+/)+[\w-]+\.py)\b")


def cited_paths_that_do_not_exist(texts: dict[str, str], files: set[str]) -> list[str]:
    """`where:line path` for each cited path that no file of `files` ends with: a citation may
    start at any directory (orders/paid.py names src/licensor/orders/paid.py)."""
    return [f"{where}:{n} {m.group(1)}" for where, text in texts.items()
            for n, line in enumerate(text.splitlines(), 1) for m in CITED.finditer(line)
            if not any(f == m.group(1) or f.endswith("/" + m.group(1)) for f in files)]


def test_a_cited_path_that_does_not_exist_is_found() -> None:
    files = {"src/licensor/orders/paid.py", "tests/conftest.py"}
    texts = {"a.py": "# see orders/paid.py and tests/conftest.py\n# moved to api/licenses.py"}
    assert cited_paths_that_do_not_exist(texts, files) == ["a.py:2 api/licenses.py"]


def test_every_path_cited_in_src_and_docs_exists() -> None:
    files = {str(p.relative_to(ROOT)) for d in ("src", "tests", "bench", ".ci", "docs")
             for p in (ROOT / d).rglob("*") if p.is_file()}
    files |= {p.name for p in ROOT.iterdir() if p.is_file()}
    cited = [ROOT / "README.md", *(ROOT / "src").rglob("*.py"), *(ROOT / "docs").rglob("*.md")]
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in cited}
    assert cited_paths_that_do_not_exist(texts, files) == []
