"""Frictionless behind :class:`~distillbook.data.package.DataError`: its report as file, row (line), field: problem.

:func:`frictionless_problems` validates one table with frictionless (types, required values, ranges, enums,
patterns, unique values, primary and foreign keys, all read from ``datapackage.json``) and translates each error
of its report into a :class:`~distillbook.data.package.Problem` worded for the person who edits the CSV file.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from distillbook.data.package import PACKAGE_FILE, DataError, Problem, validation_scope

TYPE_MESSAGES = {
    "integer": "is not a whole number",
    "number": "is not a number (write plain digits, no units or separators)",
    "date": "is not a date in the form YYYY-MM-DD",
    "boolean": "is not true or false",
}
CONSTRAINT_NOTE = re.compile(r'constraint "(\w+)"')
SAME_ROW_NOTE = re.compile(r"row at position (\d+)")
LABEL_ERRORS = ("missing-label", "extra-label", "duplicate-label", "blank-label", "incorrect-label")


def decode(raw: bytes, label: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        bad = raw[error.start : error.start + 1].hex().upper()
        raise DataError(
            [Problem(label, f"byte 0x{bad} is not valid UTF-8; save the file as UTF-8", line=line)]
        ) from None
    return text.removeprefix("\ufeff")


def record_lines(text: str) -> list[int]:
    """Return the line on which each record starts (the header is record 0), counting quoted line breaks."""
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, previous_end = [], 0
    try:
        for _ in reader:
            starts.append(previous_end + 1)
            previous_end = reader.line_num
    except csv.Error:
        pass  # frictionless reports the parse error; lines after it are not needed
    return starts


def _constraint_message(cell: str, field: dict[str, Any], constraint: str) -> str:
    value = field.get("constraints", {}).get(constraint)
    if constraint == "required":
        return "is empty but required"
    if constraint == "minimum":
        return f"{cell} is below the minimum {value}"
    if constraint == "maximum":
        return f"{cell} is above the maximum {value}"
    if constraint == "enum":
        return f"'{cell}' is not one of the allowed values: {', '.join(str(option) for option in value)}"
    if constraint == "pattern":
        return f"'{cell}' does not match the pattern {value}"
    if constraint == "minLength":
        return f"'{cell}' is shorter than {value} characters"
    if constraint == "maxLength":
        return f"is longer than {value} characters"
    return f"'{cell}' breaks the constraint {constraint} {value}"


def _problems_from_report(report: Any, descriptor: dict[str, Any], label: str, lines: list[int]) -> list[Problem]:
    """Translate a frictionless validation report into :class:`Problem` lines (file, row, line, field)."""
    fields = {f["name"]: f for f in descriptor["schema"]["fields"]}
    header = len(descriptor["schema"]["fields"])
    problems: list[Problem] = []
    ragged: dict[int, int] = {}  # row position -> cells found, when the count differs from the header
    errors = [error for task in report.tasks for error in task.errors] + list(report.errors)

    def where(position: int | None) -> tuple[int | None, int | None]:
        if position is None:
            return None, None
        line = lines[position - 1] if position - 1 < len(lines) else position
        return position - 1, line

    labels = [error for error in errors if error.type in LABEL_ERRORS]
    if labels:  # a wrong header makes every row's cells land in the wrong fields: report the header alone
        errors = labels
    skipped: set[int] = set()  # rows reported whole (wrong cell count, blank line): nothing more about their cells
    for error in errors:
        position = getattr(error, "row_number", None)
        if error.type in ("missing-cell", "extra-cell"):
            ragged[position] = len(error.cells)
            skipped.add(position)
        elif error.type == "blank-row":
            skipped.add(position)
    for error in errors:
        kind = error.type
        position = getattr(error, "row_number", None)
        if position in skipped and kind != "blank-row":
            continue
        row, line = where(position)
        name = getattr(error, "field_name", None)
        cell = getattr(error, "cell", "")
        if kind == "type-error":
            problems.append(
                Problem(
                    label,
                    f"'{cell}' {TYPE_MESSAGES.get(fields[name].get('type'), 'has the wrong type')}",
                    row,
                    line,
                    name,
                )
            )
        elif kind == "constraint-error":
            found = CONSTRAINT_NOTE.search(error.note)
            constraint = found.group(1) if found else "?"
            problems.append(Problem(label, _constraint_message(cell, fields[name], constraint), row, line, name))
        elif kind in ("unique-error", "primary-key"):
            same = SAME_ROW_NOTE.search(error.note)
            other = int(same.group(1)) - 1 if same else "?"
            if kind == "primary-key":
                key = descriptor["schema"]["primaryKey"]
                key = [key] if isinstance(key, str) else list(key)
                names = list(fields)
                cells = list(error.cells) + [""] * len(names)
                shown = ", ".join(str(cells[names.index(part)]) for part in key)
                name = "+".join(key)
            else:
                shown = cell
            problems.append(Problem(label, f"duplicate key ({shown}): row {other} has the same value", row, line, name))
        elif kind == "foreign-key":
            shown = ", ".join(str(c) for c in error.field_cells)
            target = error.reference_name or descriptor["name"]
            remote = "+".join(error.reference_field_names)
            local = "+".join(error.field_names)
            problems.append(
                Problem(label, f"'{shown}' does not exist in resource '{target}' ({remote})", row, line, local)
            )
        elif kind == "blank-row":
            problems.append(Problem(label, "blank line inside the table", row, line))
        elif kind == "missing-label":
            problems.append(Problem(label, f"column '{name}' is missing from the header", line=1, field=name))
        elif kind == "extra-label":
            problems.append(
                Problem(label, f"column '{cell or error.label}' is not described in datapackage.json", line=1)
            )
        elif kind == "duplicate-label":
            problems.append(Problem(label, f"the header repeats column '{error.label}'", line=1))
        elif kind in ("blank-label", "incorrect-label"):
            problems.append(Problem(label, f"header: {error.note or error.message}", line=1))
        else:
            problems.append(Problem(label, f"{error.title.lower()}: {error.note or error.message}", row, line, name))
    for position, count in sorted(ragged.items()):
        row, line = where(position)
        problems.insert(0, Problem(label, f"has {count} cells but the header has {header}", row, line))
    return sorted(problems, key=lambda p: (p.row or 0, p.line or 0))


def frictionless_problems(
    descriptor: dict[str, Any], package: dict[str, Any], data_folder: Path, text: str, label: str
) -> list[Problem]:
    from frictionless import FrictionlessException, Package

    # The package with only this table and the tables its foreign keys point at: nothing else is read.
    wanted = validation_scope(descriptor)
    resources = [
        {key: value for key, value in r.items() if key not in ("bytes", "hash")}
        for r in package["resources"]
        if r.get("name") in wanted
    ]
    try:
        subset = Package({"name": package.get("name", "data"), "resources": resources}, basepath=str(data_folder))
        report = subset.get_resource(descriptor["name"]).validate()
    except FrictionlessException as error:
        return [Problem(f"data/{PACKAGE_FILE}", f"resource '{descriptor['name']}': {error.error.message}")]
    return _problems_from_report(report, descriptor, label, record_lines(text))
