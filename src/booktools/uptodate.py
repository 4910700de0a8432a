"""Let ``make book`` finish at once when nothing in the book's folder has changed since the last build that passed.

Even with every notebook cached, a build costs about 10 s: the stamps, the data-package zip, Sphinx reading its
environment and writing pages, and the HTML check. ``make`` cannot skip it by itself: its decision rests on
modification times, which a checkout, a ``git stash`` or a cache bump change without changing anything. This
module decides on content instead:

- ``--begin STAMP``, run first by the build, writes a digest of every file in the book's folder (notebooks, data,
  ``src/``, configuration, templates, tests too: anything might be read) with the environment's install stamp
  ``STAMP`` (which names the lock and the interpreter), skipping only what builds and tools write (``_build``,
  ``.git``, environments, caches);
- ``--record``, run last, once every step has passed (Sphinx with ``-W``, the HTML check, the offline check),
  keeps that digest as the one the current ``_build/html`` was built from;
- ``--check STAMP`` exits 0 when the digest now equals the kept one and ``_build/html/index.html`` exists.

The digest taken at the start is the one kept, so a file edited while the build runs counts as changed next time.
``make clean`` removes the record with ``_build``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

#: Folders (anywhere in the tree) that builds, tests and tools write: never inputs of the book.
SKIPPED_FOLDERS = {"_build", ".git", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache"}
PENDING = Path("_build") / ".book-inputs.pending"
RECORD = Path("_build") / ".book-inputs"


def _skipped(name: str) -> bool:
    return name in SKIPPED_FOLDERS or name.startswith(".venv") or name.endswith(".egg-info")


def digest(root: Path, install_stamp: Path) -> str:
    """Return a hex digest of every file under ``root`` (names and bytes, sorted) and of ``install_stamp``."""
    hashed = hashlib.sha256()
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not _skipped(name)]
        files += [Path(folder) / name for name in names]
    for path in sorted(files):
        hashed.update(path.relative_to(root).as_posix().encode() + b"\0")
        hashed.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"<not a file>")
    stamp = root / install_stamp
    hashed.update(stamp.read_bytes() if stamp.is_file() else b"<no environment>")
    return hashed.hexdigest()


def is_current(root: Path, install_stamp: Path) -> bool:
    """True when ``_build/html`` exists and was built, with every check passed, from exactly the files now here."""
    record = root / RECORD
    if not (root / "_build" / "html" / "index.html").is_file() or not record.is_file():
        return False
    return record.read_text().strip() == digest(root, install_stamp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--check", metavar="STAMP", type=Path, help="exit 0 if the built book is current")
    group.add_argument("--begin", metavar="STAMP", type=Path, help="note the inputs as a build starts")
    group.add_argument("--record", action="store_true", help="keep the noted inputs: the build passed")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    arguments = parser.parse_args(argv)
    root = arguments.root.resolve()
    if arguments.check:
        return 0 if is_current(root, arguments.check) else 1
    if arguments.begin:
        (root / RECORD).unlink(missing_ok=True)  # the old HTML is about to be replaced
        (root / PENDING).parent.mkdir(parents=True, exist_ok=True)
        (root / PENDING).write_text(digest(root, arguments.begin) + "\n")
        return 0
    (root / PENDING).replace(root / RECORD)
    return 0


if __name__ == "__main__":
    sys.exit(main())
