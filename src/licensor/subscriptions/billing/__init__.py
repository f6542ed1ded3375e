"""A subscription's charges and billing details."""
