"""Bulk import and issue of licenses."""
