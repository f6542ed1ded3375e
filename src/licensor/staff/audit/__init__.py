"""The console's audit view."""
