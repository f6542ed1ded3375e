"""Every code the server can answer with is in the status catalog, so its HTTP status is chosen
there and not by a fallback."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from licensor.core.errors import STATUS_BY_CODE

SRC = Path(__file__).resolve().parents[2] / "src" / "licensor"
CODE = re.compile(r"^[A-Z][A-Z0-9_]+$")
# Calls whose first argument (or `code=`) is an error code.
RAISERS = {"LicensorError", "_error", "error_response"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _values_of(node: ast.Dict, key: str) -> list[ast.expr]:
    return [v for k, v in zip(node.keys, node.values, strict=True)
            if isinstance(k, ast.Constant) and k.value == key]


def _codes_in(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        candidates: list[ast.expr] = []
        if isinstance(node, ast.Call) and _name(node.func) in RAISERS:
            candidates += node.args[:1]
            candidates += [k.value for k in node.keywords if k.arg == "code"]
        elif isinstance(node, ast.Dict):  # an envelope written out: {"error": {"code": ...}}
            for inner in _values_of(node, "error"):
                if isinstance(inner, ast.Dict):
                    candidates += _values_of(inner, "code")
        found |= {c.value for c in candidates
                  if isinstance(c, ast.Constant) and isinstance(c.value, str) and CODE.match(c.value)}
    return found


def raised_codes() -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for code in _codes_in(ast.parse(path.read_text(), str(path))):
            where.setdefault(code, []).append(str(path.relative_to(SRC)))
    return where


def test_the_scan_finds_the_codes_it_should() -> None:
    codes = raised_codes()
    # A scan that found nothing would pass vacuously.
    assert {"LICENSE_REVOKED", "SEN_IN_USE", "CURRENCY_MISMATCH", "PRODUCT_NOT_MIGRATABLE"} <= set(codes)


def test_every_raised_code_is_in_the_status_catalog() -> None:
    missing = {code: files for code, files in raised_codes().items() if code not in STATUS_BY_CODE}
    assert missing == {}
