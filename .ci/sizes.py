#!/usr/bin/env python3
"""Size limits that keep each file and function readable in one sitting: no module in src/ over
400 lines, no function (or method) over 60. Prints every offender, largest first, and exits 1 if
there is any."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
ROOT = Path(__file__).resolve().parent.parent


def offenders(src: Path, root: Path = ROOT) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    modules: list[tuple[int, str]] = []
    functions: list[tuple[int, str]] = []
    for path in sorted(src.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(root)
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            modules.append((lines, str(where)))
        if "migrations" in path.parts and "versions" in path.parts:
            continue  # applied history, never edited: a revision's upgrade() is one table list
        for node in ast.walk(ast.parse(text, str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                # From the first decorator, so a long decorator list counts too.
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                size = (node.end_lineno or node.lineno) - first + 1
                if size > MAX_FUNCTION_LINES:
                    functions.append((size, f"{where}:{node.lineno} {node.name}"))
    return sorted(modules, reverse=True), sorted(functions, reverse=True)


def main() -> int:
    src = ROOT / "src"
    modules, functions = offenders(src)
    for lines, where in modules:
        print(f"module over {MAX_MODULE_LINES} lines: {where} ({lines} lines)")
    for lines, where in functions:
        print(f"function over {MAX_FUNCTION_LINES} lines: {where} ({lines} lines)")
    if modules or functions:
        print(f"{len(modules)} module(s) and {len(functions)} function(s) to split")
        return 1
    print(f"sizes: every module <= {MAX_MODULE_LINES} lines, every function <= "
          f"{MAX_FUNCTION_LINES} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
