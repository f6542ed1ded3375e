"""The signed revocation list of revoked licenses."""
