"""The data package description (``datapackage.json``) and the error every data problem raises."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillbook import paths
from distillbook.errors import BookError

PACKAGE_FILE = "datapackage.json"
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


def folder(root: Path | None) -> Path:
    return (root / "data") if root is not None else paths.data_dir()


def label_of(path: Path, data_folder: Path) -> str:
    """Name a file as ``data/<name>`` whichever copy of the book it is in, so messages carry no machine paths."""
    try:
        return "data/" + path.relative_to(data_folder).as_posix()
    except ValueError:
        return path.name


def read_package(root: Path | None = None) -> dict[str, Any]:
    """Return the parsed ``datapackage.json`` (a dict), or raise :class:`DataError` saying why it can't be read."""
    data_folder = folder(root)
    package_path = data_folder / PACKAGE_FILE
    label = label_of(package_path, data_folder)
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
    """Return the names of every resource in the data package, in the order it lists them."""
    return [resource["name"] for resource in read_package(root)["resources"]]


def table_names(root: Path | None = None) -> list[str]:
    """Return the names of the resources that are tables (they have a Table Schema), in package order."""
    return [r["name"] for r in read_package(root)["resources"] if is_table(r)]


def is_table(descriptor: dict[str, Any]) -> bool:
    """Return whether a resource descriptor describes a table (it has a ``schema``), as opposed to a plain file."""
    return "schema" in descriptor


def resource(name: str, root: Path | None = None) -> dict[str, Any]:
    """Return the descriptor (a dict) of resource ``name``; raise :class:`DataError` if there is none."""
    package = read_package(root)
    for descriptor in package["resources"]:
        if descriptor.get("name") == name:
            return descriptor
    known = ", ".join(r.get("name", "?") for r in package["resources"])
    raise DataError([Problem(f"data/{PACKAGE_FILE}", f"has no resource named '{name}' (it has: {known})")])


def validation_scope(descriptor: dict[str, Any]) -> set[str]:
    """Names of the tables validating ``descriptor``'s table reads: itself and those its foreign keys point at."""
    wanted = {descriptor["name"]}
    for foreign_key in descriptor.get("schema", {}).get("foreignKeys", []):
        wanted.add(foreign_key["reference"].get("resource") or descriptor["name"])
    return wanted
