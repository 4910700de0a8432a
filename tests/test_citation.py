"""CITATION.cff is valid Citation File Format 1.2.0 and agrees with the book's own metadata.

The schema is the format's own `schema.json` at its 1.2.0 tag (Citation File Format authors, CC BY 4.0), copied
unchanged into tests/data/, so the check runs offline.
"""

from __future__ import annotations

import datetime
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from distillbook.paths import repository_root

ROOT = repository_root()
SCHEMA = json.loads((Path(__file__).parent / "data" / "cff-1.2.0.schema.json").read_text())


def _as_json(value):
    """YAML reads an unquoted date as a date; CFF (and its schema) treats it as the string it is written as."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _errors(citation: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return sorted(
        f"{'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
        for e in validator.iter_errors(_as_json(citation))
    )


@pytest.fixture(scope="module")
def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


def test_citation_file_is_valid_cff_1_2_0(citation):
    assert citation["cff-version"] == "1.2.0"
    assert _errors(citation) == []


def test_the_schema_check_can_fail(citation):
    broken = dict(citation, authors=[], **{"date-released": "1 December 2026", "colour": "blue"})
    del broken["title"]
    found = "\n".join(_errors(broken))
    for problem in ("'title' is a required property", "authors", "date-released", "'colour' was unexpected"):
        assert problem in found, found


def test_citation_agrees_with_the_book(citation):
    book = yaml.safe_load((ROOT / "_config.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert citation["title"] == book["title"]
    assert [a.get("name") for a in citation["authors"]] == [book["author"]]
    assert citation["version"] == project["version"]
    assert str(citation["date-released"]) == "2026-12-01"
    assert citation["license"] == ["MIT", "CC-BY-4.0"]  # code MIT; text and data CC BY 4.0 (README, Licence)
