"""Shared fixtures: temporary copies of the book's data, so tests never touch the real tree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from distillbook import paths

ROOT = paths.repository_root()


@pytest.fixture
def book_copy(tmp_path: Path) -> Path:
    """Return the root of a temporary copy of the book's data package (``<tmp>/data``)."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path
