"""The console's catalog: edit and preview."""
