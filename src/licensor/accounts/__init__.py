"""Customer accounts, sessions and lockout."""
