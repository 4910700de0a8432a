"""Load the book's data, validated against ``data/datapackage.json``.

Every table the book uses is a resource of one Frictionless data package. :func:`load` reads a resource, checks
it against its Table Schema (columns, types, required values, ranges, enums, patterns, unique values, primary and
foreign keys) and returns a typed :class:`pandas.DataFrame`. Any problem raises :class:`DataError`, whose
message names the file, the row, the field and what is wrong, for every problem found, so a person can fix the
file without reading a traceback. Nothing is dropped or coerced silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from distillbook import paths
from distillbook.errors import BookError

PACKAGE_FILE = "datapackage.json"
SUPPORTED_TYPES = ("string", "integer", "number", "date", "boolean")
#: Values Frictionless reads as "missing" by default; we use the same single convention: an empty cell.
MISSING_VALUES = ("",)
TRUE_VALUES = ("true", "True", "TRUE", "yes")
FALSE_VALUES = ("false", "False", "FALSE", "no")
#: More problems than this in one file are summarised rather than listed, to keep messages readable.
MAX_LISTED_PROBLEMS = 25


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data file: where it is (file, row, field) and what it is."""

    file: str
    problem: str
    row: int | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        place = [self.file]
        if self.row is not None:
            place.append(f"row {self.row} (line {self.line})" if self.line else f"row {self.row}")
        elif self.line is not None:
            place.append(f"line {self.line}")
        if self.field is not None:
            place.append(f"field '{self.field}'")
        return f"{', '.join(place)}: {self.problem}"


class DataError(BookError):
    """A data file does not match its description in ``datapackage.json``.

    ``problems`` lists every :class:`Problem` found; the message lists them one per line.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = [f"  - {p}" for p in self.problems[:MAX_LISTED_PROBLEMS]]
        hidden = len(self.problems) - len(shown)
        if hidden > 0:
            shown.append(f"  - ... and {hidden} more problems of the same kind")
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} data {noun}:\n" + "\n".join(shown))


def _label(path: Path, data_folder: Path) -> str:
    """Name a file as ``data/<name>`` whichever copy of the book it is in, so messages carry no machine paths."""
    try:
        return "data/" + path.relative_to(data_folder).as_posix()
    except ValueError:
        return path.name


def read_package(root: Path | None = None) -> dict[str, Any]:
    """Return the parsed ``datapackage.json`` (a dict), or raise :class:`DataError` saying why it can't be read."""
    data_folder = (root / "data") if root is not None else paths.data_dir()
    package_path = data_folder / PACKAGE_FILE
    label = _label(package_path, data_folder)
    if not package_path.is_file():
        raise DataError([Problem(label, "the data package description is missing")])
    try:
        package = json.loads(package_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise DataError([Problem(label, f"not valid UTF-8 ({error.reason})")]) from None
    except json.JSONDecodeError as error:
        raise DataError([Problem(label, f"not valid JSON: {error.msg}", line=error.lineno)]) from None
    if not isinstance(package.get("resources"), list):
        raise DataError([Problem(label, "has no list of 'resources'")])
    return package


def resource_names(root: Path | None = None) -> list[str]:
    """Return the names of every table (tabular resource) in the data package, in the order it lists them.

    File resources without a Table Schema (a text corpus, model weights) are listed by :func:`file_resource_names`.
    """
    return [resource["name"] for resource in read_package(root)["resources"] if "schema" in resource]


def file_resource_names(root: Path | None = None) -> list[str]:
    """Return the names of the data package's non-tabular file resources (checked by :func:`path_of`)."""
    return [resource["name"] for resource in read_package(root)["resources"] if "schema" not in resource]


def resource(name: str, root: Path | None = None) -> dict[str, Any]:
    """Return the descriptor (a dict) of resource ``name``; raise :class:`DataError` if there is none."""
    package = read_package(root)
    for descriptor in package["resources"]:
        if descriptor.get("name") == name:
            return descriptor
    known = ", ".join(r.get("name", "?") for r in package["resources"])
    raise DataError([Problem(f"data/{PACKAGE_FILE}", f"has no resource named '{name}' (it has: {known})")])


def _decode(raw: bytes, label: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        bad = raw[error.start : error.start + 1].hex().upper()
        raise DataError(
            [Problem(label, f"byte 0x{bad} is not valid UTF-8; save the file as UTF-8", line=line)]
        ) from None
    return text.removeprefix("\ufeff")


def _parse_cell(text: str, field: dict[str, Any]) -> tuple[Any, str | None]:
    """Return (value, problem) for one non-missing cell; problem is None when the cell is valid."""
    kind = field.get("type", "string")
    if kind == "string":
        return text, None
    if kind == "integer":
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text), None
        return None, f"'{text}' is not a whole number"
    if kind == "number":
        try:
            value = float(text)
        except ValueError:
            return None, f"'{text}' is not a number (write plain digits, no units or separators)"
        if value != value or value in (float("inf"), float("-inf")):
            return None, f"'{text}' is not a finite number"
        return value, None
    if kind == "date":
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError
            return dt.date.fromisoformat(text), None
        except ValueError:
            return None, f"'{text}' is not a date in the form YYYY-MM-DD"
    if kind == "boolean":
        if text in TRUE_VALUES:
            return True, None
        if text in FALSE_VALUES:
            return False, None
        return None, f"'{text}' is not true or false"
    return None, f"has type '{kind}', which the book does not support (use one of {SUPPORTED_TYPES})"


def _check_constraints(value: Any, text: str, field: dict[str, Any]) -> list[str]:
    constraints = field.get("constraints", {})
    problems = []
    if "minimum" in constraints and value < _bound(constraints["minimum"], field):
        problems.append(f"{text} is below the minimum {constraints['minimum']}")
    if "maximum" in constraints and value > _bound(constraints["maximum"], field):
        problems.append(f"{text} is above the maximum {constraints['maximum']}")
    if "enum" in constraints and text not in [str(option) for option in constraints["enum"]]:
        options = ", ".join(str(option) for option in constraints["enum"])
        problems.append(f"'{text}' is not one of the allowed values: {options}")
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], text):
        problems.append(f"'{text}' does not match the pattern {constraints['pattern']}")
    if "minLength" in constraints and len(text) < constraints["minLength"]:
        problems.append(f"'{text}' is shorter than {constraints['minLength']} characters")
    if "maxLength" in constraints and len(text) > constraints["maxLength"]:
        problems.append(f"is longer than {constraints['maxLength']} characters")
    return problems


def _bound(bound: Any, field: dict[str, Any]) -> Any:
    return dt.date.fromisoformat(bound) if field.get("type") == "date" else bound


@dataclass
class _Table:
    label: str
    fields: list[dict[str, Any]]
    records: list[dict[str, Any]]
    lines: list[int]


def _read_table(descriptor: dict[str, Any], data_folder: Path) -> tuple[_Table, list[Problem]]:
    """Read and type-check one resource; return the table and every problem found (not raising for rows)."""
    path = data_folder / descriptor["path"]
    label = _label(path, data_folder)
    fields = descriptor.get("schema", {}).get("fields", [])
    if not path.is_file():
        raise DataError([Problem(label, "the file is missing (datapackage.json lists it)")])
    text = _decode(path.read_bytes(), label)
    if not text.strip():
        raise DataError([Problem(label, "the file is empty: it needs a header row and at least one data row")])
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    problems: list[Problem] = []
    expected = [f["name"] for f in fields]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        problems.append(Problem(label, f"the header repeats column(s) {duplicated}", line=1))
    missing = [name for name in expected if name not in header]
    extra = [name for name in header if name not in expected]
    for name in missing:
        problems.append(Problem(label, f"column '{name}' is missing from the header", line=1, field=name))
    for name in extra:
        problems.append(Problem(label, f"column '{name}' is not described in datapackage.json", line=1))
    if problems:
        raise DataError(problems)
    position = {name: header.index(name) for name in expected}
    records, lines = [], []
    row_number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise DataError([Problem(label, f"the CSV cannot be parsed: {error}", line=reader.line_num)]) from None
        row_number += 1
        line = reader.line_num
        if not cells:
            problems.append(Problem(label, "blank line inside the table", row=row_number, line=line))
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(label, f"has {len(cells)} cells but the header has {len(header)}", row_number, line)
            )
            continue
        record = {}
        for field in fields:
            name = field["name"]
            text_value = cells[position[name]]
            if text_value in MISSING_VALUES:
                if field.get("constraints", {}).get("required"):
                    problems.append(Problem(label, "is empty but required", row_number, line, name))
                record[name] = None
                continue
            value, problem = _parse_cell(text_value, field)
            if problem:
                problems.append(Problem(label, problem, row_number, line, name))
                record[name] = None
                continue
            for message in _check_constraints(value, text_value, field):
                problems.append(Problem(label, message, row_number, line, name))
            record[name] = value
        records.append(record)
        lines.append(line)
    if not records and not problems:
        problems.append(Problem(label, "has a header but no data rows"))
    table = _Table(label, fields, records, lines)
    problems.extend(_check_uniqueness(table, descriptor))
    return table, problems


def _check_uniqueness(table: _Table, descriptor: dict[str, Any]) -> list[Problem]:
    problems = []
    schema = descriptor.get("schema", {})
    keys: list[list[str]] = []
    primary = schema.get("primaryKey")
    if primary:
        keys.append([primary] if isinstance(primary, str) else list(primary))
    keys += [[f["name"]] for f in table.fields if f.get("constraints", {}).get("unique")]
    for key in keys:
        seen: dict[tuple, int] = {}
        for index, record in enumerate(table.records):
            value = tuple(record.get(name) for name in key)
            if all(part is None for part in value):
                continue
            if value in seen:
                shown = ", ".join(str(part) for part in value)
                problems.append(
                    Problem(
                        table.label,
                        f"duplicate key ({shown}): row {seen[value]} has the same value",
                        index + 1,
                        table.lines[index],
                        "+".join(key),
                    )
                )
            else:
                seen[value] = index + 1
    return problems


def _check_foreign_keys(
    table: _Table, descriptor: dict[str, Any], root: Path | None, data_folder: Path
) -> list[Problem]:
    problems = []
    for foreign_key in descriptor.get("schema", {}).get("foreignKeys", []):
        local = foreign_key["fields"]
        local = [local] if isinstance(local, str) else list(local)
        reference = foreign_key["reference"]
        remote = reference["fields"]
        remote = [remote] if isinstance(remote, str) else list(remote)
        target_name = reference.get("resource") or descriptor["name"]
        if target_name == descriptor["name"]:
            target_records = table.records
        else:
            target_table, target_problems = _read_table(resource(target_name, root), data_folder)
            if target_problems:
                raise DataError(target_problems)
            target_records = target_table.records
        known = {tuple(r.get(name) for name in remote) for r in target_records}
        for index, record in enumerate(table.records):
            value = tuple(record.get(name) for name in local)
            if any(part is None for part in value) or value in known:
                continue
            shown = ", ".join(str(part) for part in value)
            problems.append(
                Problem(
                    table.label,
                    f"'{shown}' does not exist in resource '{target_name}' ({'+'.join(remote)})",
                    index + 1,
                    table.lines[index],
                    "+".join(local),
                )
            )
    return problems


def _to_frame(table: _Table) -> pd.DataFrame:
    columns = {}
    for field in table.fields:
        name, kind = field["name"], field.get("type", "string")
        values = [record[name] for record in table.records]
        if kind == "integer":
            columns[name] = pd.array(values, dtype="Int64")
        elif kind == "number":
            columns[name] = pd.array([float("nan") if v is None else v for v in values], dtype="float64")
        elif kind == "date":
            columns[name] = pd.to_datetime(pd.Series(values, dtype="object"))
        elif kind == "boolean":
            columns[name] = pd.array(values, dtype="boolean")
        else:
            columns[name] = pd.array(values, dtype="string")
    return pd.DataFrame(columns)


def load(name: str, root: Path | None = None) -> pd.DataFrame:
    """Return resource ``name`` of the data package as a typed DataFrame (one column per schema field).

    Integers become ``Int64``, numbers ``float64`` (empty cells ``NaN``), dates ``datetime64``, booleans
    ``boolean`` and strings ``string``. ``root`` points at another copy of the book (tests use it); by default the
    repository this package lives in. Raises :class:`DataError` listing every problem in the file.
    """
    descriptor = resource(name, root)
    data_folder = (root / "data") if root is not None else paths.data_dir()
    table, problems = _read_table(descriptor, data_folder)
    problems += _check_foreign_keys(table, descriptor, root, data_folder)
    if problems:
        raise DataError(problems)
    return _to_frame(table)


def validate_all(root: Path | None = None) -> dict[str, int]:
    """Load every resource; return {resource name: row count}, or raise :class:`DataError` with all problems."""
    counts, problems = {}, []
    for name in resource_names(root):
        try:
            counts[name] = len(load(name, root))
        except DataError as error:
            # A broken file referenced by foreign keys is reported once, not once per table that cites it.
            problems += [p for p in error.problems if p not in problems]
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


# --- Non-tabular resources (a text corpus, model weights) -------------------------------------------------------


def is_tabular(descriptor: dict[str, Any]) -> bool:
    """True for a resource with a Table Schema (a CSV table); False for a plain file such as a corpus or weights."""
    return "schema" in descriptor


def path_of(name: str, root: Path | None = None) -> Path:
    """Return the path of file resource ``name`` after checking its size and SHA-256 against ``datapackage.json``.

    The descriptor's ``bytes`` and ``hash`` ("sha256:<hex>", the Frictionless convention) are both required. Raises
    :class:`DataError` naming the file, what was expected and what was found.
    """
    descriptor = resource(name, root)
    data_folder = (root / "data") if root is not None else paths.data_dir()
    path = data_folder / descriptor["path"]
    label = _label(path, data_folder)
    if not path.is_file():
        raise DataError([Problem(label, "the file is missing (datapackage.json lists it)")])
    expected_hash = str(descriptor.get("hash", ""))
    if "bytes" not in descriptor or not expected_hash.startswith("sha256:"):
        raise DataError([Problem(label, "datapackage.json must give this file's 'bytes' and a 'sha256:...' hash")])
    raw = path.read_bytes()
    if len(raw) != descriptor["bytes"]:
        raise DataError([Problem(label, f"expected {descriptor['bytes']} bytes, found {len(raw)}")])
    found = "sha256:" + hashlib.sha256(raw).hexdigest()
    if found != expected_hash:
        raise DataError([Problem(label, f"expected hash {expected_hash}, found {found}")])
    return path


def load_text(name: str, root: Path | None = None) -> str:
    """Return file resource ``name`` as UTF-8 text, after :func:`path_of` has checked its size and hash."""
    path = path_of(name, root)
    return _decode(path.read_bytes(), _label(path, path.parent))
