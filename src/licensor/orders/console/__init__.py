"""The console's orders."""
