"""The update check, over HTTP and on the command line."""
