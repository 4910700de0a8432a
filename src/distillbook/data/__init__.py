"""Load the book's data, validated against ``data/datapackage.json``.

Every file the book uses is a resource of one Frictionless data package. :func:`load` reads a table, checks

- its integrity: the file's size and sha256 against the ``bytes`` and ``hash`` recorded in ``datapackage.json``
  (a cut or edited file is caught even when what is left still parses; ``make data-hash`` records them after an
  intended edit, once the data validates);
- its Table Schema, with :mod:`frictionless` (columns, types, required values, ranges, enums, patterns, unique
  values, primary and foreign keys, all read from ``datapackage.json``);
- the package's own rules (:mod:`distillbook.data.rules`): no date after the package's ``as_of`` date, and the
  cross-table checks where one table implies another;

and returns a typed :class:`pandas.DataFrame`. Any problem raises :class:`DataError`, whose message names the file,
the row (and its line), the field and what is wrong, for every problem found, so a person can fix the file without
reading a traceback. Nothing is dropped or coerced silently. Files that are not tables (a text corpus, model
weights) are reached through :func:`verified_path`, which checks their size and hash.

Run ``python -m distillbook.data --refresh-hashes`` (``make data-hash``) to validate everything and then record
each file's ``bytes`` and ``hash``.

Inside: :mod:`~distillbook.data.package` (the description and :class:`DataError`), :mod:`~distillbook.data.report`
(frictionless's report as problems), :mod:`~distillbook.data.integrity` (sizes and hashes),
:mod:`~distillbook.data.rules` (``as_of``, percentages, cross-table checks), :mod:`~distillbook.data.tables`
(:func:`load`). Everything a notebook or test needs is importable from ``distillbook.data`` itself.
"""

from distillbook.data import validated
from distillbook.data.integrity import (
    REFRESH_COMMAND,
    file_hash,
    integrity_problems,
    load_text,
    refresh_hashes,
    verified_path,
)
from distillbook.data.package import (
    MAX_LISTED_PROBLEMS,
    PACKAGE_FILE,
    DataError,
    Problem,
    is_table,
    read_package,
    resource,
    resource_names,
    table_names,
)


def __getattr__(name: str):
    """``load``, ``validate_all`` and ``field_table`` on first use: they import pandas (1.5 s), which checking
    sizes and hashes (the build's first step, :func:`verified_path`) does not need (PEP 562)."""
    if name in ("field_table", "load", "validate_all"):
        from distillbook.data import tables

        return getattr(tables, name)
    raise AttributeError(f"module 'distillbook.data' has no attribute '{name}'")


__all__ = [
    "MAX_LISTED_PROBLEMS",
    "PACKAGE_FILE",
    "REFRESH_COMMAND",
    "DataError",
    "Problem",
    "field_table",
    "file_hash",
    "integrity_problems",
    "is_table",
    "load",
    "load_text",
    "read_package",
    "refresh_hashes",
    "resource",
    "resource_names",
    "table_names",
    "validate_all",
    "validated",
    "verified_path",
]
