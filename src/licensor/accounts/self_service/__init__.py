"""A customer's own account: a forgotten password and /account."""
