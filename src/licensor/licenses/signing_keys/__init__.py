"""The public signing keys, published."""
