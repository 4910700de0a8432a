"""The data package is valid, and every kind of bad input gives a DataError a person can act on."""

from __future__ import annotations

import json
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
