"""Imports every models module so that Base.metadata knows every table (Alembic, tests)."""

from licensor.store import models  # noqa: F401
