"""Balsamiq for Google Drive's subscribe page."""
