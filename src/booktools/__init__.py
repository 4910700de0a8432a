"""Build and test tooling for the book 'Copying the Teacher' (not needed to read or run the chapters)."""
