"""The book's one error base class.

Every error the package raises on bad input is a :class:`BookError` (a ``ValueError``), so a caller can catch them
all at once; each topic subclasses it with a name that says what went wrong (``DataError`` for a data file that
does not match its description, ``FactCheckError`` for a claim the verdict rule cannot read, ...). Messages name
the file, row, field and problem wherever there is one.
"""

from __future__ import annotations


class BookError(ValueError):
    """Bad input to the book's code: a data file, a parameter or a claim that cannot be used as given."""
