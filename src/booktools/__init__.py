"""Build tooling for the book: its build cache, HTML checks, offline guard, Sphinx extension and PDF edition."""
