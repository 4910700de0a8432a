"""Integrity: each file's size and sha256 against the ``bytes`` and ``hash`` that ``datapackage.json`` records.

A file cut short or edited by accident is caught even when what is left still parses (issue 21: half of
``claims.csv`` loaded as 16 valid claims). After an intended edit, ``make data-hash`` (:func:`refresh_hashes`)
validates everything and then records the new sizes and hashes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from distillbook.data.package import PACKAGE_FILE, DataError, Problem, folder, label_of, read_package, resource

#: The command that records every file's size and hash after an intended edit (it validates first).
REFRESH_COMMAND = "make data-hash"


def file_hash(raw: bytes) -> str:
    """Return the Frictionless ``hash`` property of a file's content: ``sha256:<hex digest>``."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def integrity_problems(descriptor: dict[str, Any], raw: bytes, label: str) -> list[Problem]:
    """Compare a file's content with the ``bytes`` and ``hash`` its descriptor records; return what differs."""
    refresh = f"if the edit was intended, run `{REFRESH_COMMAND}` to record the new size and hash"
    expected_bytes, expected_hash = descriptor.get("bytes"), descriptor.get("hash")
    if expected_bytes is None or expected_hash is None:
        return [Problem(label, f"datapackage.json records no bytes and hash for it; run `{REFRESH_COMMAND}`")]
    problems = []
    if len(raw) != expected_bytes:
        problems.append(
            Problem(
                label,
                f"size is {len(raw)} bytes, datapackage.json expects {expected_bytes} (cut or edited?); {refresh}",
            )
        )
    found = file_hash(raw)
    if found != expected_hash:
        problems.append(Problem(label, f"sha256 hash is {found}, datapackage.json expects {expected_hash}; {refresh}"))
    return problems


def read_file(descriptor: dict[str, Any], data_folder: Path) -> tuple[bytes, str]:
    path = data_folder / descriptor["path"]
    label = label_of(path, data_folder)
    if not path.is_file():
        raise DataError([Problem(label, "the file is missing (datapackage.json lists it)")])
    return path.read_bytes(), label


def verified_path(name: str, root: Path | None = None) -> Path:
    """Return the path of resource ``name`` after checking its size and sha256 against ``datapackage.json``.

    For files that are not tables (a text corpus, ``.npz`` model weights): read them from the returned path.
    Raises :class:`DataError` when the file is missing or differs from what the package records.
    """
    descriptor = resource(name, root)
    data_folder = folder(root)
    raw, label = read_file(descriptor, data_folder)
    problems = integrity_problems(descriptor, raw, label)
    if problems:
        raise DataError(problems)
    return data_folder / descriptor["path"]


def load_text(name: str, root: Path | None = None) -> str:
    """Return file resource ``name`` (a text corpus) as UTF-8 text, after :func:`verified_path` has checked it.

    Raises :class:`DataError` naming the file when it is missing, differs from its record or is not UTF-8.
    """
    path = verified_path(name, root)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise DataError([Problem(path.name, f"not UTF-8 text ({error.reason} at byte {error.start})")]) from None


def is_integrity(problem: Problem) -> bool:
    return problem.row is None and REFRESH_COMMAND in problem.problem


def refresh_hashes(root: Path | None = None) -> list[str]:
    """Validate every resource (sizes and hashes aside), then record each file's ``bytes`` and ``hash``.

    Writes nothing when the data does not validate (raises :class:`DataError`). Returns the names of the resources
    whose record changed. Only those two properties are touched; the file keeps its layout (two-space JSON).
    """
    from distillbook.data.tables import validate_all

    validate_all(root, check_hashes=False)
    data_folder = folder(root)
    package_path = data_folder / PACKAGE_FILE
    package = read_package(root)
    changed = []
    for index, descriptor in enumerate(package["resources"]):
        raw = (data_folder / descriptor["path"]).read_bytes()
        recorded = {"bytes": len(raw), "hash": file_hash(raw)}
        if all(descriptor.get(key) == value for key, value in recorded.items()):
            continue
        updated = {}
        for key, value in descriptor.items():
            if key in recorded:
                continue
            updated[key] = value
            if key == "path":
                updated.update(recorded)
        package["resources"][index] = updated
        changed.append(descriptor["name"])
    if changed:
        package_path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed
