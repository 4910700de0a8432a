"""The data package is valid, and every kind of bad input gives a DataError a person can act on."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from frictionless import Package

from distillbook import data
from distillbook.paths import repository_root

ROOT = repository_root()


def test_frictionless_says_the_package_is_valid():
    report = Package(str(ROOT / "data" / "datapackage.json")).validate()
    problems = [] if report.valid else report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.valid, problems


def test_every_resource_loads_and_every_csv_is_described():
    counts = data.validate_all()
    assert all(count > 0 for count in counts.values())
    described = {data.resource(name)["path"] for name in counts}
    on_disk = {p.name for p in (ROOT / "data").glob("*.csv")}
    assert on_disk == described, "every CSV in data/ must be a resource of datapackage.json, and vice versa"


def test_every_resource_has_descriptions_and_units_where_numeric():
    for name in data.resource_names():
        descriptor = data.resource(name)
        assert descriptor.get("title") and descriptor.get("description"), name
        for field in descriptor["schema"]["fields"]:
            assert field.get("description"), f"{name}.{field['name']} has no description"


def test_every_table_but_sources_cites_a_source_with_a_foreign_key():
    for name in data.resource_names():
        if name == "sources":
            continue
        keys = data.resource(name)["schema"].get("foreignKeys", [])
        targets = {k["reference"]["resource"] for k in keys}
        assert "sources" in targets, f"{name} must name its source_id with a foreign key to sources"


def test_sources_load_typed():
    sources = data.load("sources")
    assert sources["source_id"].dtype == "string"
    assert pd.api.types.is_datetime64_any_dtype(sources["accessed_date"])
    assert "source-article" in set(sources["source_id"])
    assert sources.loc[sources["source_id"] == "source-article", "kind"].item() == "news"


# --- bad input: each case edits a temporary copy and expects a specific, located message ---------------------


def _rewrite(root: Path, name: str, edit) -> None:
    path = root / "data" / name
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")


def _first_data_row_replaced(text: str, old: str, new: str) -> str:
    header, first, *rest = text.splitlines(keepends=True)
    assert old in first
    return header + first.replace(old, new, 1) + "".join(rest)


def _add_priced_table(root: Path) -> None:
    """Add a small table with a number, a date and a foreign key, to exercise every check on a copy."""
    (root / "data" / "prices.csv").write_text(
        "model,effective_date,usd_per_million_tokens,source_id\n"
        "model-a,2025-01-20,0.55,source-article\n"
        "model-b,2024-12-17,15,source-article\n",
        encoding="utf-8",
    )
    package_path = root / "data" / "datapackage.json"
    package = json.loads(package_path.read_text())
    package["resources"].append(
        {
            "name": "prices",
            "path": "prices.csv",
            "schema": {
                "fields": [
                    {"name": "model", "type": "string", "constraints": {"required": True}},
                    {"name": "effective_date", "type": "date", "constraints": {"required": True}},
                    {"name": "usd_per_million_tokens", "type": "number", "constraints": {"minimum": 0}},
                    {"name": "source_id", "type": "string", "constraints": {"required": True}},
                ],
                "primaryKey": ["model"],
                "foreignKeys": [{"fields": "source_id", "reference": {"resource": "sources", "fields": "source_id"}}],
            },
        }
    )
    package_path.write_text(json.dumps(package))


def _error(root: Path, name: str) -> str:
    with pytest.raises(data.DataError) as caught:
        data.load(name, root=root)
    message = str(caught.value)
    assert "Traceback" not in message and str(root) not in message
    return message


def test_the_priced_table_itself_is_valid(book_copy):
    _add_priced_table(book_copy)
    prices = data.load("prices", root=book_copy)
    assert prices["usd_per_million_tokens"].tolist() == [0.55, 15.0]


def test_missing_file(book_copy):
    _add_priced_table(book_copy)
    (book_copy / "data" / "prices.csv").unlink()
    assert "data/prices.csv: the file is missing" in _error(book_copy, "prices")


def test_missing_column(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: "\n".join(",".join(r.split(",")[:3]) for r in t.splitlines()))
    message = _error(book_copy, "prices")
    assert "data/prices.csv, line 1, field 'source_id': column 'source_id' is missing" in message


def test_wrong_type(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: _first_data_row_replaced(t, "0.55", "$0.55"))
    message = _error(book_copy, "prices")
    assert "data/prices.csv, row 1 (line 2), field 'usd_per_million_tokens': '$0.55' is not a number" in message


def test_negative_price(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: _first_data_row_replaced(t, "0.55", "-0.55"))
    message = _error(book_copy, "prices")
    assert "row 1 (line 2), field 'usd_per_million_tokens': -0.55 is below the minimum 0" in message


def test_duplicate_key(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: t.replace("model-b", "model-a"))
    message = _error(book_copy, "prices")
    assert "row 2 (line 3), field 'model': duplicate key (model-a): row 1 has the same value" in message


def test_unknown_source_id(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: _first_data_row_replaced(t, "source-article", "no-such-source"))
    message = _error(book_copy, "prices")
    assert "row 1 (line 2), field 'source_id': 'no-such-source' does not exist in resource 'sources'" in message


def test_empty_file(book_copy):
    _add_priced_table(book_copy)
    (book_copy / "data" / "prices.csv").write_text("")
    assert "data/prices.csv: the file is empty" in _error(book_copy, "prices")


def test_header_without_rows(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: t.splitlines()[0] + "\n")
    assert "data/prices.csv: has a header but no data rows" in _error(book_copy, "prices")


def test_bytes_that_are_not_utf8(book_copy):
    _add_priced_table(book_copy)
    path = book_copy / "data" / "prices.csv"
    path.write_bytes(path.read_bytes().replace(b"model-b", b"mod\xe9le-b"))
    message = _error(book_copy, "prices")
    assert "data/prices.csv, line 3: byte 0xE9 is not valid UTF-8" in message


def test_unparsable_date(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: _first_data_row_replaced(t, "2025-01-20", "20 Jan 2025"))
    message = _error(book_copy, "prices")
    assert "field 'effective_date': '20 Jan 2025' is not a date in the form YYYY-MM-DD" in message


def test_impossible_date(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: _first_data_row_replaced(t, "2025-01-20", "2025-02-30"))
    assert "'2025-02-30' is not a date" in _error(book_copy, "prices")


def test_missing_required_value(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: _first_data_row_replaced(t, "model-a", ""))
    assert "row 1 (line 2), field 'model': is empty but required" in _error(book_copy, "prices")


def test_ragged_row(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: t + "model-c,2025-01-01\n")
    assert "row 3 (line 4): has 2 cells but the header has 4" in _error(book_copy, "prices")


def test_every_problem_is_reported_not_just_the_first(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: t.replace("0.55", "-1").replace("2024-12-17", "soon"))
    message = _error(book_copy, "prices")
    assert message.startswith("2 data problems")


def test_enum_violation_in_sources(book_copy):
    _rewrite(book_copy, "sources.csv", lambda t: t.replace(",news,", ",gossip,", 1))
    message = _error(book_copy, "sources")
    assert "field 'kind': 'gossip' is not one of the allowed values: primary, secondary, news" in message


def test_unknown_resource_and_broken_package(book_copy):
    with pytest.raises(data.DataError, match="has no resource named 'nope'"):
        data.load("nope", root=book_copy)
    (book_copy / "data" / "datapackage.json").write_text("{ not json")
    with pytest.raises(data.DataError, match=r"data/datapackage.json, line 1: not valid JSON"):
        data.load("sources", root=book_copy)


def test_field_table_describes_fields():
    fields = data.field_table("sources")
    assert fields.loc[fields["field"] == "kind", "constraints"].item().startswith("enum")
    assert fields.loc[fields["field"] == "source_id", "required"].item() == "yes"


# --- the generated corpus: for every resource in datapackage.json, a missing required value, a type error and
# --- each of its constraints broken, on a copy. New resources and fields are covered without writing a case. ----

TYPE_ERRORS = {"integer": "1.5", "number": "12 USD", "date": "2026-02-30", "boolean": "maybe"}
TYPE_MESSAGES = {
    "integer": "is not a whole number",
    "number": "is not a number",
    "date": "is not a date in the form YYYY-MM-DD",
    "boolean": "is not true or false",
}
PATTERN_CANDIDATES = ["not a match!", "X", "0", "a b", "-", "ZZZ-999-zzz", "_"]


def _broken_value(field: dict, constraint: str, value) -> tuple[str, str] | None:
    """Return (cell text that breaks ``constraint`` of ``field`` but has the right type, expected message part)."""
    kind = field.get("type", "string")
    if constraint in ("minimum", "maximum"):
        step = -1 if constraint == "minimum" else 1
        if kind == "date":
            import datetime as dt

            text = (dt.date.fromisoformat(value) + dt.timedelta(days=step)).isoformat()
        elif kind == "integer":
            text = str(int(value) + step)
        else:
            text = repr(float(value) + step)
        return text, f"{text} is {'below the minimum' if step < 0 else 'above the maximum'} {value}"
    if constraint == "enum":
        allowed = [str(option) for option in value]
        text = str(max(int(option) for option in value) + 1) if kind == "integer" else "not-an-allowed-value"
        assert text not in allowed
        return text, f"'{text}' is not one of the allowed values"
    if constraint == "pattern":
        text = next(c for c in PATTERN_CANDIDATES if not re.fullmatch(value, c))
        return text, f"'{text}' does not match the pattern"
    if constraint == "maxLength":
        return "x" * (value + 1), f"is longer than {value} characters"
    if constraint == "minLength" and value > 1:
        text = "x" * (value - 1)
        return text, f"'{text}' is shorter than {value} characters"
    return None  # required and unique are generated separately; minLength 1 is the same as required


def _bad_input_cases() -> list:
    """Every generated case as a pytest param: (resource, field, cell text or a row action, expected message)."""
    cases = []
    for descriptor in data.read_package(ROOT)["resources"]:
        if not data.is_tabular(descriptor):
            continue  # file resources (corpus, weights) are checked by size and hash, in test_language_model.py
        name = descriptor["name"]
        schema = descriptor["schema"]
        fields = schema["fields"]
        required = [f for f in fields if f.get("constraints", {}).get("required")]
        for field in required[:1] + [f for f in required[1:] if f.get("type", "string") != "string"][:1]:
            cases.append(
                pytest.param(name, field["name"], "", "is empty but required", id=f"{name}-required-{field['name']}")
            )
        for field in fields:
            kind = field.get("type", "string")
            if kind in TYPE_ERRORS:
                cases.append(
                    pytest.param(
                        name, field["name"], TYPE_ERRORS[kind], TYPE_MESSAGES[kind], id=f"{name}-type-{field['name']}"
                    )
                )
            for constraint, value in field.get("constraints", {}).items():
                broken = _broken_value(field, constraint, value)
                if broken:
                    cases.append(pytest.param(name, field["name"], *broken, id=f"{name}-{constraint}-{field['name']}"))
                elif constraint == "unique":
                    cases.append(
                        pytest.param(
                            name, field["name"], "<duplicate>", "duplicate key", id=f"{name}-unique-{field['name']}"
                        )
                    )
        if schema.get("primaryKey"):
            key = schema["primaryKey"]
            key = [key] if isinstance(key, str) else key
            cases.append(pytest.param(name, "+".join(key), "<duplicate row>", "duplicate key", id=f"{name}-primaryKey"))
        for foreign_key in schema.get("foreignKeys", []):
            local = foreign_key["fields"]
            local = local if isinstance(local, str) else local[0]
            cases.append(
                pytest.param(name, local, "no-such-key-xyz", "does not exist in resource", id=f"{name}-fk-{local}")
            )
    return cases


BAD_INPUT_CASES = _bad_input_cases()


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize("name", data.resource_names(ROOT))
def test_rewriting_a_resource_unchanged_keeps_it_valid(book_copy, name):
    """The corpus rewrites files with the csv module; that alone must not change what loads."""
    path = book_copy / "data" / data.resource(name, book_copy)["path"]
    _write_rows(path, _rows(path))
    pd.testing.assert_frame_equal(data.load(name, root=book_copy), data.load(name))


@pytest.mark.parametrize(("name", "field", "cell", "expected"), BAD_INPUT_CASES)
def test_generated_bad_input_gives_a_located_data_error(book_copy, name, field, cell, expected):
    path = book_copy / "data" / data.resource(name, book_copy)["path"]
    rows = _rows(path)
    header, first = rows[0], rows[1]
    if cell == "<duplicate row>":
        rows.append(list(first))
        row_number = len(rows) - 1
    elif cell == "<duplicate>":
        rows[2][header.index(field)] = first[header.index(field)]
        row_number = 2
    else:
        first[header.index(field)] = cell
        row_number = 1
    _write_rows(path, rows)
    message = _error(book_copy, name)
    label = f"data/{path.name}, row {row_number} (line "
    located = [line for line in message.splitlines() if label in line and f"field '{field}'" in line]
    assert any(expected in line for line in located), f"expected '{expected}' at {label}... field '{field}':\n{message}"


def test_the_corpus_covers_every_resource_three_ways():
    """Each resource gets a missing required value, a type error (where it has a non-string field) and a constraint."""
    kinds: dict[str, set[str]] = {name: set() for name in data.resource_names(ROOT)}
    for case in BAD_INPUT_CASES:
        resource_name, _, kind = case.id.partition("-")
        kinds[resource_name].add(kind.split("-")[0])
    for name, found in kinds.items():
        typed = any(f.get("type", "string") != "string" for f in data.resource(name)["schema"]["fields"])
        assert "required" in found, name
        assert "type" in found or not typed, name
        assert found - {"required", "type", "fk"}, f"{name}: no constraint violation generated"
