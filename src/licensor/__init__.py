"""Licensor: licensing, upgrade and subscription back office for software vendors."""

__version__ = "0.1.0"
