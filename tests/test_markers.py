"""The suite's tiers hold: a test that starts `licensor serve` as a subprocess is marked
`server`, one that drives Chromium is marked `browser` (`-m "not server and not browser"` is
the quick round), and the markers are registered in pyproject.toml."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
# What makes a test one of a tier: a call in its body, or a fixture it takes.
STARTS_A_SERVER = {"Server", "running_server"}
SERVER_FIXTURES = {"cluster"}  # tests/hosts/conftest.py: two `licensor serve` hosts
DRIVES_A_BROWSER = {"sync_playwright"}


def _marks(decorators: list[ast.expr]) -> set[str]:
    found = set()
    for d in decorators:
        for node in ast.walk(d):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "mark":
                found.add(node.attr)
    return found


def _module_marks(tree: ast.Module) -> set[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            text = ast.unparse(node.value)
            return {m for m in ("browser", "server", "slow") if f"mark.{m}" in text} | (
                {"browser", "server"} if "test_browser.pytestmark" in text
                or text == "pytestmark" else set())
    return set()


def _calls(fn: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute)
                      else "")
    return names


def unmarked() -> list[str]:
    wrong = []
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        module = _module_marks(tree)
        if "pytestmark," in path.read_text():  # imported from a sibling (test_browser's)
            module |= {"browser", "server"}
        for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)
                   and n.name.startswith("test_")):
            marks = module | _marks(fn.decorator_list)
            calls = _calls(fn)
            args = {a.arg for a in fn.args.args}
            if (calls & STARTS_A_SERVER or args & SERVER_FIXTURES) and "server" not in marks:
                wrong.append(f"{path.relative_to(ROOT)}::{fn.name} needs @pytest.mark.server")
            if calls & DRIVES_A_BROWSER and "browser" not in marks:
                wrong.append(f"{path.relative_to(ROOT)}::{fn.name} needs @pytest.mark.browser")
    return wrong


def test_the_markers_are_registered() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    registered = {m.split(":")[0] for m in config["tool"]["pytest"]["ini_options"]["markers"]}
    assert {"browser", "server", "slow"} <= registered


def test_every_server_and_browser_test_is_marked() -> None:
    assert unmarked() == []
