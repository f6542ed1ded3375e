"""The console's marketplace migrations."""
