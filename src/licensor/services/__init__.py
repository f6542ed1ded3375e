"""One module per capability. Importing them all registers their jobs and event handlers."""

from __future__ import annotations

import importlib
import pkgutil

_loaded = False


def load_capabilities() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
