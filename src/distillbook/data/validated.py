"""A record of tables frictionless has already passed, so each table version is validated once, not in every kernel.

Validating one table with frictionless in a new process costs seconds of CPU, most of it importing frictionless
and jsonschema (more while the lock still held ``rfc3987-syntax``, whose grammars compiled on import). Every
notebook kernel and test process loaded at least one table, so every one of them paid it. Frictionless keeps no
such record, hence this module.

After frictionless finds **no** problem in a table, :func:`remember` writes an empty marker file named by a
:func:`key` over everything that validation read or depended on:

- the exact bytes of the table and of every table its foreign keys point at (hashed as they are on disk now, so an
  edited file never matches an old record, whatever ``datapackage.json`` says);
- the descriptions of those resources in ``datapackage.json`` (schemas, constraints, keys), and the package's name;
- the installed frictionless version and the source of :mod:`distillbook.data.report`, which turns its report into
  problems.

:func:`load <distillbook.data.load>` asks :func:`passed` first and runs frictionless only when no marker matches.
A table with problems is never recorded, so it is validated, and its problems raised, every time. Everything else
``load`` checks (size and sha256 against ``datapackage.json``, the ``as_of`` date, percentages, cross-table rules)
still runs on every load: it needs only pandas. Markers live in ``_build/.data-validated/`` beside the data they
describe; ``make clean`` removes them. Set ``DISTILLBOOK_REVALIDATE=1`` to ignore them (they are then neither
read nor written).
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any

from distillbook.data.integrity import file_hash
from distillbook.data.package import validation_scope

#: Folder, under the book's ``_build``, holding one empty file per passed table version.
RECORD_FOLDER = Path("_build") / ".data-validated"
#: Set to any non-empty value to validate every table with frictionless on every load.
REVALIDATE_VARIABLE = "DISTILLBOOK_REVALIDATE"


def _frictionless_version() -> str:
    try:
        return metadata.version("frictionless")
    except metadata.PackageNotFoundError:  # pragma: no cover - frictionless is a pinned dependency
        return "absent"


def key(descriptor: dict[str, Any], package: dict[str, Any], data_folder: Path, text: str) -> str:
    """Return the hex digest naming one validation: ``descriptor``'s table with ``text``, and what it depends on."""
    wanted = validation_scope(descriptor)
    digest = hashlib.sha256()
    digest.update(_frictionless_version().encode())
    digest.update(Path(__file__).with_name("report.py").read_bytes())
    digest.update(str(package.get("name", "")).encode())
    digest.update(text.encode("utf-8"))
    for other in sorted((r for r in package["resources"] if r.get("name") in wanted), key=lambda r: r["name"]):
        described = {k: v for k, v in other.items() if k not in ("bytes", "hash")}
        digest.update(json.dumps(described, sort_keys=True).encode())
        path = data_folder / other.get("path", "")
        digest.update(file_hash(path.read_bytes()).encode() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def _marker(data_folder: Path, digest: str) -> Path:
    return data_folder.parent / RECORD_FOLDER / digest


def enabled() -> bool:
    return not os.environ.get(REVALIDATE_VARIABLE)


def passed(data_folder: Path, digest: str) -> bool:
    """True when frictionless has already passed this exact validation (:func:`key`) in this copy of the book."""
    return enabled() and _marker(data_folder, digest).is_file()


def remember(data_folder: Path, digest: str) -> None:
    """Record that frictionless passed validation ``digest``; a read-only copy of the book just skips the record."""
    if not enabled():
        return
    marker = _marker(data_folder, digest)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # only a cache: without it the table is validated again next time, nothing is lost
