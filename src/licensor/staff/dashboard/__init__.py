"""The console's dashboard."""
