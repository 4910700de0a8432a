"""Results that more than one chapter computes, kept on disk so the book's other notebooks load them (joblib.Memory).

Chapters 1 and 2 both need chapter 1's teacher and its two validation choices (the temperature and the label
students' weight decay): about ten seconds of training that gives the same bits in either kernel. With
:func:`shared`, the first kernel to ask computes the result and stores it; a later one, in any process, loads it.
Which chapter computes and which loads changes nothing but the time: the result is the same object either way
(pickled, so arrays and DataFrames keep every bit), and both chapters still run top to bottom in a fresh kernel.

joblib keys each result by the function's own code and a hash of its arguments. It does not see the code the
function calls, so the store lives in ``_build/.memo/<digest>/``, where the digest covers every module of the
``distillbook`` package, ``data/datapackage.json`` (which records every data file's hash), the lock
``requirements.txt``, the Python version and the platform: any change to any of them starts an empty store, and
a stale result is never read. ``DISTILLBOOK_MEMO=0`` turns the store off (every call computes).
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from distillbook import paths

#: Environment variable that turns the store off when set to 0.
ENVIRONMENT_VARIABLE = "DISTILLBOOK_MEMO"
#: Where the stores live, under the book's root.
FOLDER = Path("_build") / ".memo"

Result = TypeVar("Result")


def code_digest(root: Path | None = None) -> str:
    """SHA-256 (first 16 hex digits) of what a stored result may depend on besides its arguments (module docstring)."""
    root = root or paths.repository_root()
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"python {sys.version}; {platform.platform()}".encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(f"\0{path.relative_to(package).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    for extra in (root / "data" / "datapackage.json", root / "requirements.txt"):
        digest.update(f"\0{extra.name}\0".encode())
        digest.update(extra.read_bytes() if extra.is_file() else b"(missing)")
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=4)
def _memory(root: Path):
    from joblib import Memory

    return Memory(root / FOLDER / code_digest(root), verbose=0)


def enabled() -> bool:
    """Whether :func:`shared` stores and loads results (``DISTILLBOOK_MEMO`` is not ``0``)."""
    return os.environ.get(ENVIRONMENT_VARIABLE, "1") != "0"


def shared(function: Callable[..., Result]) -> Callable[..., Result]:
    """Decorate a deterministic ``function`` whose result other notebooks also need: stored once, then loaded."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if not enabled():
            return function(*args, **kwargs)
        return _memory(paths.repository_root()).cache(function)(*args, **kwargs)

    return wrapper
