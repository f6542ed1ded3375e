"""One module per capability. Modules that register jobs are listed in CAPABILITIES."""

from __future__ import annotations

import importlib

CAPABILITIES = [
    "licensor.services.licenses",
]
_loaded = False


def load_capabilities() -> None:
    global _loaded
    if not _loaded:
        for name in CAPABILITIES:
            importlib.import_module(name)
        _loaded = True
