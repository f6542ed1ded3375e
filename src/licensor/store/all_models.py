"""Imports every `licensor.store.models*` module so Base.metadata knows every table."""

import importlib
import pkgutil

import licensor.store as _store

for _module in pkgutil.iter_modules(_store.__path__):
    if _module.name.startswith("models"):
        importlib.import_module(f"licensor.store.{_module.name}")
