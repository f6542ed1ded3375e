"""CI's size check (.ci/sizes.py) finds long modules and long functions, and only those."""

from __future__ import annotations

import runpy
from pathlib import Path

SIZES = runpy.run_path(str(Path(__file__).resolve().parents[1] / ".ci" / "sizes.py"))


def _function(name: str, body_lines: int) -> str:
    return f"def {name}() -> None:\n" + "    x = 1\n" * (body_lines - 1)


def test_long_modules_and_functions_are_listed(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "short.py").write_text(_function("fits", 60))
    (src / "pkg" / "long_function.py").write_text("\n\n" + _function("too_long", 61))
    (src / "pkg" / "long_module.py").write_text("x = 1\n" * 401)
    history = src / "pkg" / "migrations" / "versions"
    history.mkdir(parents=True)
    (history / "0001_x.py").write_text(_function("upgrade", 200))  # applied history: exempt
    modules, functions = SIZES["offenders"](src, tmp_path)
    assert modules == [(401, "src/pkg/long_module.py")]
    assert functions == [(61, "src/pkg/long_function.py:3 too_long")]
