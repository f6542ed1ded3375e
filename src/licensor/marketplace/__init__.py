"""Marketplace channels and license migrations."""
