"""License Information as people paste it: a key broken over lines, with spaces or dashes, or
the whole block of the mail (`License Name: …`, `License Key:` and the key below it, quoted
with `> ` by a mail client). Pages read both fields through here before validating."""

from __future__ import annotations

import re

_LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,30}):\s*(.*)$")


def _unquote(line: str) -> str:
    return re.sub(r"^\s*(>\s*)+", "", line)


def read_pasted(name_text: str, key_text: str) -> tuple[str, str]:
    """(License Name, License Key) from what was typed or pasted into the two fields."""
    name = " ".join(_unquote(line).strip() for line in name_text.splitlines()).strip()
    lines = [_unquote(line) for line in key_text.splitlines()]
    key_lines: list[str] = []
    in_key = not any(_LABEL.match(line) for line in lines)
    for line in lines:
        label = _LABEL.match(line)
        if label:
            field, value = label.group(1).strip().casefold(), label.group(2).strip()
            in_key = field == "license key"
            if field == "license name" and value and not name:
                name = value
            if in_key and value:
                key_lines.append(value)
            continue
        if in_key:
            key_lines.append(line)
    key = "".join("".join(key_lines).split())
    name_label = _LABEL.match(name)
    if name_label and name_label.group(1).strip().casefold() == "license name":
        name = name_label.group(2).strip()
    return name, key
