"""Results that more than one chapter computes, stored so the book's other notebooks load them (joblib's hash,
dump and load).

Chapters 1 and 2 both need chapter 1's teacher and its two validation choices (the temperature and the label
students' weight decay): about ten seconds of training that gives the same bits in either kernel. With
:func:`shared`, the first kernel to ask computes the result and stores it; a later kernel loads it. Which chapter
computes and which loads changes nothing but the time: the result is the same object either way (pickled, so
arrays and DataFrames keep every bit), and both chapters still run top to bottom in a fresh kernel.

Sharing is meant for one run: ``make test`` and ``make book`` empty the store (``_build/.memo``) before they
start, so each run trains once and nbval checks freshly trained results, never a store left by an earlier run.
Within a run, a result is stored under a digest of everything it may depend on besides its arguments, computed
at every call: every module of the ``distillbook`` package, ``data/datapackage.json`` (which records every data
file's size and hash), the installed versions of the numerical libraries, the BLAS thread settings, the Python
version and the machine. A key that differs in any of them is a different file, so a stale result is never read.

Storing is an optimisation, never a condition: a result that cannot be written, or a stored file that cannot be
read, means the function is computed, and nothing is printed (a notebook's output must not depend on it).
``DISTILLBOOK_MEMO=0`` (or ``off``, ``false``, ``no``) turns the store off.

Within one kernel, :class:`Recent` keeps the last few results of deterministic work a chapter repeats (a student
trained on the same arrays, the teacher's answers to the same prompts), keyed with :func:`array_key`:
``functools.lru_cache`` cannot take numpy arrays as arguments.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import platform
import sys
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from distillbook import paths

#: Environment variable that turns the store off.
ENVIRONMENT_VARIABLE = "DISTILLBOOK_MEMO"
OFF = {"0", "off", "false", "no"}
#: Where the store lives, under the book's root.
FOLDER = Path("_build") / ".memo"
#: Libraries whose version can change a stored result's bits.
LIBRARIES = ("numpy", "scipy", "scikit-learn", "pandas", "joblib")
#: Thread settings that can change floating-point sums (the Makefile sets all three to 1).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

Result = TypeVar("Result")


def code_digest(root: Path | None = None) -> str:
    """SHA-256 (first 16 hex digits) of what a stored result may depend on besides its arguments (module docstring)."""
    root = root or paths.repository_root()
    package = Path(__file__).resolve().parent
    context = [f"python {sys.version}", platform.platform(), platform.machine(), platform.processor()]
    context += [f"{name} {_version(name)}" for name in LIBRARIES]
    context += [f"{name}={os.environ.get(name, '')}" for name in THREAD_VARIABLES]
    digest = hashlib.sha256("\n".join(context).encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(f"\0{path.relative_to(package).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    datapackage = root / "data" / "datapackage.json"
    digest.update(b"\0datapackage.json\0" + (datapackage.read_bytes() if datapackage.is_file() else b"(missing)"))
    return digest.hexdigest()[:16]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "(not installed)"


def enabled() -> bool:
    """Whether :func:`shared` stores and loads results (``DISTILLBOOK_MEMO`` is not 0, off, false or no)."""
    return os.environ.get(ENVIRONMENT_VARIABLE, "1").strip().lower() not in OFF


def result_path(function: Callable, args: tuple, kwargs: dict, root: Path | None = None) -> Path:
    """The file that holds ``function(*args, **kwargs)``'s result: store / digest / function / argument hash."""
    import joblib

    root = root or paths.repository_root()
    name = f"{function.__module__}.{function.__qualname__}"
    return root / FOLDER / code_digest(root) / name / f"{joblib.hash((args, sorted(kwargs.items())))}.pkl"


def shared(function: Callable[..., Result]) -> Callable[..., Result]:
    """Decorate a deterministic ``function`` whose result other notebooks also need: stored once, then loaded."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if not enabled():
            return function(*args, **kwargs)
        import joblib

        path = result_path(function, args, kwargs)
        if path.is_file():
            try:
                with warnings.catch_warnings():  # a version warning cannot arise: versions are in the digest
                    warnings.simplefilter("ignore")
                    return joblib.load(path)
            except Exception:  # a truncated or unreadable file: compute instead
                pass
        result = function(*args, **kwargs)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                joblib.dump(result, partial)
            os.replace(partial, path)  # atomic: a kernel reading at the same time sees the whole file or none
        except OSError:  # not stored (read-only or full disk): the next caller computes it too
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
        return result

    return wrapper


def array_key(array: Any) -> tuple | None:
    """A hashable stand-in for an array's exact contents: dtype, shape and a SHA-256 of its bytes (None stays None)."""
    if array is None:
        return None
    import numpy as np

    array = np.ascontiguousarray(array)
    return array.dtype.str, array.shape, hashlib.sha256(array.tobytes()).hexdigest()


class Recent:
    """The last ``kept`` results of an in-memory computation, by key, most recently used kept longest."""

    def __init__(self, kept: int):
        self.kept = kept
        self._results: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], Result]) -> Result:
        """The result stored under ``key``, or ``compute()``'s, stored (the oldest beyond ``kept`` is dropped)."""
        if key in self._results:
            self._results.move_to_end(key)
            return self._results[key]
        result = compute()
        self._results[key] = result
        while len(self._results) > self.kept:
            self._results.popitem(last=False)
        return result

    def clear(self) -> None:
        self._results.clear()

    def __len__(self) -> int:
        return len(self._results)
