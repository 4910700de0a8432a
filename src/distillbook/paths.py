"""Where things are, computed once from this file so notebooks run from any working directory."""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable that points the package at another copy of the book (used by tests on temporary copies).
ROOT_ENVIRONMENT_VARIABLE = "DISTILLBOOK_ROOT"


def repository_root() -> Path:
    """Return the book's root folder: ``$DISTILLBOOK_ROOT`` if set, else two levels above ``src/distillbook``."""
    override = os.environ.get(ROOT_ENVIRONMENT_VARIABLE)
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """Return the folder holding ``datapackage.json`` and the CSV files."""
    return repository_root() / "data"


def chapters_dir() -> Path:
    """Return the folder holding the chapter notebooks."""
    return repository_root() / "chapters"


def shared_sources_dir() -> Path:
    """Return ``../shared/sources`` beside the repository, where the source article lives (may be absent)."""
    return repository_root().parent / "shared" / "sources"
