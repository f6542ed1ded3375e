"""Perpetual licenses, registrations, validation, signing keys, lost keys."""
