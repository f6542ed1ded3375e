"""Releases, updates and maintenance renewals."""
