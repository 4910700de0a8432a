"""Tables: :func:`load` a resource as a typed DataFrame after every check, :func:`validate_all` of them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from distillbook.data import rules, validated
from distillbook.data.integrity import integrity_problems, is_integrity, read_file, verified_path
from distillbook.data.package import DataError, Problem, folder, is_table, read_package, resource
from distillbook.data.report import decode, frictionless_problems, record_lines


def _frame(text: str, descriptor: dict[str, Any]) -> pd.DataFrame:
    """Type the (already validated) table: integers ``Int64``, numbers ``float64``, dates, booleans, strings."""
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[])
    columns = {}
    for field in descriptor["schema"]["fields"]:
        name, kind = field["name"], field.get("type", "string")
        values = [None if v == "" else v for v in raw[name]]
        if kind == "integer":
            columns[name] = pd.array([None if v is None else int(v) for v in values], dtype="Int64")
        elif kind == "number":
            columns[name] = pd.array([float("nan") if v is None else float(v) for v in values], dtype="float64")
        elif kind == "date":
            columns[name] = pd.to_datetime(pd.Series(values, dtype="object"), format="%Y-%m-%d")
        elif kind == "boolean":
            true_values = field.get("trueValues", ["true", "True", "TRUE", "1"])
            columns[name] = pd.array([None if v is None else v in true_values for v in values], dtype="boolean")
        else:
            columns[name] = pd.array(values, dtype="string")
    return pd.DataFrame(columns)


def _table_problems(name: str, root: Path | None) -> tuple[list[Problem], pd.DataFrame | None]:
    package = read_package(root)
    descriptor = resource(name, root)
    if not is_table(descriptor):
        kind = descriptor.get("format") or Path(descriptor.get("path", "")).suffix.lstrip(".") or "file"
        raise DataError(
            [
                Problem(
                    f"data/{descriptor.get('path', name)}",
                    f"resource '{name}' is a {kind} file, not a table: read it from data.verified_path('{name}')",
                )
            ]
        )
    data_folder = folder(root)
    raw, label = read_file(descriptor, data_folder)
    problems = integrity_problems(descriptor, raw, label)
    text = decode(raw, label)
    if not text.strip():
        raise DataError(
            [*problems, Problem(label, "the file is empty: it needs a header row and at least one data row")]
        )
    digest = validated.key(descriptor, package, data_folder, text)
    if not validated.passed(data_folder, digest):  # frictionless has not passed this exact table version yet
        found = frictionless_problems(descriptor, package, data_folder, text, label)
        if not found:
            validated.remember(data_folder, digest)
        problems += found
    if any(p.row is None and p.line == 1 for p in problems):
        return problems, None  # the header is wrong: no row can be typed
    rows = [p for p in problems if p.row is not None]
    if rows:
        return problems, None
    frame = _frame(text, descriptor)
    if frame.empty:
        problems.append(Problem(label, "has a header but no data rows"))
        return problems, None

    problems += rules.row_problems(frame, descriptor, package, label, record_lines(text))
    return problems, frame


def load(name: str, root: Path | None = None) -> pd.DataFrame:
    """Return table ``name`` of the data package as a typed DataFrame (one column per schema field).

    Integers become ``Int64``, numbers ``float64`` (empty cells ``NaN``), dates ``datetime64``, booleans
    ``boolean`` and strings ``string``. ``root`` points at another copy of the book (tests use it); by default the
    repository this package lives in. Raises :class:`DataError` listing every problem in the file, and for a
    resource that is not a table (use :func:`verified_path`).
    """
    problems, frame = _table_problems(name, root)
    if frame is not None and not [p for p in problems if not is_integrity(p)]:
        problems += rules.cross_table_problems(name, frame, lambda other: _table_problems(other, root)[1], root)
    if problems:
        raise DataError(problems)
    return frame


def validate_all(root: Path | None = None, check_hashes: bool = True) -> dict[str, int]:
    """Check every resource (tables fully, other files by size and hash); return {table name: row count}.

    Raises :class:`DataError` with every problem found. ``check_hashes=False`` skips the size and hash comparison
    (what ``make data-hash`` does before it records new ones).
    """
    counts, problems = {}, []
    for descriptor in read_package(root)["resources"]:
        name = descriptor["name"]
        try:
            if is_table(descriptor):
                counts[name] = len(load(name, root))
            else:
                verified_path(name, root)
        except DataError as error:
            # A broken file referenced by foreign keys is reported once, not once per table that cites it.
            problems += [p for p in error.problems if p not in problems]
    if not check_hashes:
        problems = [p for p in problems if not is_integrity(p)]
    if problems:
        raise DataError(problems)
    return counts


def field_table(name: str, root: Path | None = None) -> pd.DataFrame:
    """Return one row per field of resource ``name``: name, type, unit, required, constraints and description."""
    rows = []
    for field in resource(name, root).get("schema", {}).get("fields", []):
        constraints = dict(field.get("constraints", {}))
        required = bool(constraints.pop("required", False))
        rows.append(
            {
                "field": field["name"],
                "type": field.get("type", "string"),
                "unit": field.get("unit", ""),
                "required": "yes" if required else "no",
                "constraints": "; ".join(f"{key}: {value}" for key, value in constraints.items()),
                "description": field.get("description", ""),
            }
        )
    return pd.DataFrame(rows)
