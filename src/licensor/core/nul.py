"""Where a NUL character (U+0000) hides in parsed JSON: no text in Licensor may hold one
(PostgreSQL cannot store it). Pure, and light enough for the CLI's imports."""

from __future__ import annotations

from typing import Any


def nul_field(value: Any) -> str | None:
    """Where a NUL is in parsed JSON (`items.0.name`, `body` for the top), or None. Iterative:
    JSON nested as deep as the parser allows does not exhaust the stack here."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return where or "body"
        elif isinstance(item, dict):
            inside: list[tuple[str, Any]] = []
            for key, inner in item.items():
                path = f"{where}.{key}" if where else str(key)
                if "\x00" in key:
                    return path.replace("\x00", "")  # the answer names it without the NUL
                inside.append((path, inner))
            stack.extend(reversed(inside))  # the first field in the document is named first
        elif isinstance(item, list):
            stack.extend(reversed([(f"{where}.{i}" if where else str(i), inner)
                                   for i, inner in enumerate(item)]))
    return None
