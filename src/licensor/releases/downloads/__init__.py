"""Downloads of a release's files by signed link."""
