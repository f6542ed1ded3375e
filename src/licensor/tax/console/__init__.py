"""The console's tax report."""
