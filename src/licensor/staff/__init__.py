"""Staff: the admin console's accounts, sessions and roles, and its cross-capability pages."""
