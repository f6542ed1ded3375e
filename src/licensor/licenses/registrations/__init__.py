"""Registrations of a license's users (the seat cap)."""
