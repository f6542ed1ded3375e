"""The console's releases."""
