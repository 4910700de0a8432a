"""The data package is valid, and every kind of bad input gives a DataError a person can act on."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from frictionless import Package

from distillbook import data
from distillbook.paths import repository_root

ROOT = repository_root()


@pytest.mark.integration
def test_frictionless_says_the_package_is_valid():
    report = Package(str(ROOT / "data" / "datapackage.json")).validate()
    problems = [] if report.valid else report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.valid, problems


@pytest.mark.integration
def test_every_resource_loads_and_every_csv_is_described():
    counts = data.validate_all()
    assert set(counts) == set(data.table_names())
    assert all(count > 0 for count in counts.values())
    described = {data.resource(name)["path"] for name in data.resource_names()}
    on_disk = {p.relative_to(ROOT / "data").as_posix() for p in (ROOT / "data").rglob("*") if p.is_file()}
    on_disk -= {data.PACKAGE_FILE}
    assert on_disk == described, "every file in data/ must be a resource of datapackage.json, and vice versa"
    assert all(path.endswith(".csv") for path in (data.resource(n)["path"] for n in counts)), "tables are CSV"


def test_every_resource_records_its_size_and_hash_and_they_match():
    for descriptor in data.read_package()["resources"]:
        raw = (ROOT / "data" / descriptor["path"]).read_bytes()
        assert descriptor.get("bytes") == len(raw), f"{descriptor['name']}: run `make data-hash`"
        assert descriptor.get("hash") == "sha256:" + hashlib.sha256(raw).hexdigest(), descriptor["name"]


def test_the_package_states_its_as_of_date_and_every_date_field_a_start():
    package = data.read_package()
    as_of = dt.date.fromisoformat(package["as_of"])
    for name in data.table_names():
        for field in data.resource(name)["schema"]["fields"]:
            if field.get("type") == "date":
                start = field.get("constraints", {}).get("minimum")
                assert start, f"{name}.{field['name']}: a date field needs a stated start (constraints.minimum)"
                assert dt.date.fromisoformat(start) < as_of
                assert start in field["description"], f"{name}.{field['name']}: say why the start is {start}"


def test_prices_costs_and_gpu_hours_have_bounds_their_description_justifies():
    bounded = re.compile(r"(usd|gpu_hours|gpu_count|samples|exchanges|accounts|queries|yeas|nays)")
    for name in data.table_names():
        for field in data.resource(name)["schema"]["fields"]:
            if field.get("type") in ("number", "integer") and bounded.search(field["name"]):
                constraints = field.get("constraints", {})
                assert "minimum" in constraints and "maximum" in constraints, f"{name}.{field['name']}"
                assert f"{constraints['maximum']:,}".split(".")[0] in field["description"] or re.search(
                    r"at most|between", field["description"], re.I
                ), f"{name}.{field['name']}: the description must justify the bound"


def test_every_resource_has_descriptions_and_units_where_numeric():
    for name in data.resource_names():
        descriptor = data.resource(name)
        assert descriptor.get("title") and descriptor.get("description"), name
    for name in data.table_names():
        for field in data.resource(name)["schema"]["fields"]:
            assert field.get("description"), f"{name}.{field['name']} has no description"


def test_every_table_but_sources_cites_a_source_with_a_foreign_key():
    for name in data.table_names():
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


def _record_size_and_hash(root: Path, file_name: str) -> None:
    """Record a copy's edited file as intended (what `make data-hash` does, without its validation)."""
    package_path = root / "data" / "datapackage.json"
    package = json.loads(package_path.read_text())
    raw = (root / "data" / file_name).read_bytes()
    for descriptor in package["resources"]:
        if descriptor["path"] == file_name:
            descriptor["bytes"], descriptor["hash"] = len(raw), "sha256:" + hashlib.sha256(raw).hexdigest()
    package_path.write_text(json.dumps(package, indent=2))


def _rewrite(root: Path, name: str, edit, record: bool = True) -> None:
    """Edit a file of the copy; by default record its new size and hash, so only the edit itself is reported."""
    path = root / "data" / name
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    if record:
        _record_size_and_hash(root, name)


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
    _record_size_and_hash(root, "prices.csv")


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
    _record_size_and_hash(book_copy, "prices.csv")
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


def test_blank_line_inside_the_table(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: t.replace("\nmodel-b", "\n\nmodel-b"))
    assert "row 2 (line 3): blank line inside the table" in _error(book_copy, "prices")


def test_undescribed_column(book_copy):
    _add_priced_table(book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: "\n".join(r + ",x" for r in t.splitlines()) + "\n")
    message = _error(book_copy, "prices")
    assert "data/prices.csv, line 1: column 'x' is not described in datapackage.json" in message
    assert message.startswith("1 data problem:"), "a wrong header is reported alone, not once per row"


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
    as_of = dt.date.fromisoformat(data.read_package(ROOT)["as_of"])
    for descriptor in data.read_package(ROOT)["resources"]:
        if not data.is_table(descriptor):
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
            if kind == "date":  # the package's as_of date is a maximum for every date field
                late = (as_of + dt.timedelta(days=1)).isoformat()
                cases.append(
                    pytest.param(
                        name, field["name"], late, "after the package's as_of date", id=f"{name}-asof-{field['name']}"
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
    _record_size_and_hash(path.parents[1], path.name)


@pytest.mark.parametrize("name", data.table_names(ROOT))
def test_rewriting_a_resource_unchanged_keeps_it_valid(book_copy, name):
    """The corpus rewrites files with the csv module; that alone must not change what loads."""
    path = book_copy / "data" / data.resource(name, book_copy)["path"]
    _write_rows(path, _rows(path))
    pd.testing.assert_frame_equal(data.load(name, root=book_copy), data.load(name))


ROW_ACTIONS = ("<duplicate>", "<duplicate row>")


def _parts(case) -> tuple:
    """(resource, field, cell text or row action, expected message) of one case of BAD_INPUT_CASES."""
    return tuple(case.values)


#: Cases per edited copy at most: one validation costs about 80 ms whatever the table's size, and a DataError's
#: message lists only its first 25 problems (the test reads the full list, DataError.problems, either way).
CASES_PER_COPY = 12


def _copies(cases: list, data_rows: int) -> list[list]:
    """Group one resource's cases into edited copies of its file, each case in a data row no other case touches.

    One validation per copy instead of one per case, while each case is still reported on its own row. A copy
    holds at most :data:`CASES_PER_COPY` cell edits and no more than the file has data rows. The as_of cases get
    copies of their own: that check is one of the package's rules, which run only once frictionless has passed,
    so another edit in the same copy would hide it. A duplicated key or row needs rows no other edit touches;
    each such case gets a copy of its own.
    """
    cell = [c for c in cases if _parts(c)[2] not in ROW_ACTIONS and "-asof-" not in c.id]
    as_of = [c for c in cases if "-asof-" in c.id]
    size = max(1, min(data_rows, CASES_PER_COPY))
    copies = [group[i : i + size] for group in (cell, as_of) for i in range(0, len(group), size)]
    return copies + [[c] for c in cases if _parts(c)[2] in ROW_ACTIONS]


def _edit(rows: list[list[str]], copy: list) -> list[tuple]:
    """Apply each case of ``copy`` to ``rows`` in place; return (case, data row number the error must name)."""
    header, placed = rows[0], []
    for offset, case in enumerate(copy, start=1):
        _, field, cell, _ = _parts(case)
        if cell == "<duplicate row>":
            rows.append(list(rows[1]))
            placed.append((case, len(rows) - 1))
        elif cell == "<duplicate>":
            rows[2][header.index(field)] = rows[1][header.index(field)]
            placed.append((case, 2))
        else:
            rows[offset][header.index(field)] = cell
            placed.append((case, offset))
    return placed


BAD_INPUT_RESOURCES = sorted({_parts(case)[0] for case in BAD_INPUT_CASES})


@pytest.mark.parametrize("name", BAD_INPUT_RESOURCES)
def test_generated_bad_input_gives_a_located_data_error(book_copy, name):
    """Every generated case of this resource (see BAD_INPUT_CASES) is refused, at its row and field."""
    path = book_copy / "data" / data.resource(name, book_copy)["path"]
    original = _rows(path)
    missing = []
    for copy in _copies([c for c in BAD_INPUT_CASES if _parts(c)[0] == name], len(original) - 1):
        rows = [list(row) for row in original]
        placed = _edit(rows, copy)
        _write_rows(path, rows)
        with pytest.raises(data.DataError) as caught:
            data.load(name, root=book_copy)
        # Every problem as the message shows it ("data/<file>, row N (line M), field 'f': ..."), not only the
        # first 25 that the message itself lists.
        shown = [str(problem) for problem in caught.value.problems]
        assert not any("Traceback" in line or str(book_copy) in line for line in shown)
        for case, row_number in placed:
            _, field, _, expected = _parts(case)
            label = f"data/{path.name}, row {row_number} (line "
            located = [line for line in shown if label in line and f"field '{field}'" in line]
            if not any(expected in line for line in located):
                missing.append(f"{case.id}: expected '{expected}' at {label}... field '{field}'; found {located}")
    assert not missing, "\n".join(missing)


def test_the_batched_copies_keep_every_case_apart():
    """Each case is in exactly one copy, and no two edits of a copy share a row: a case cannot pass on another's."""
    for name in BAD_INPUT_RESOURCES:
        cases = [c for c in BAD_INPUT_CASES if _parts(c)[0] == name]
        rows = _rows(ROOT / "data" / data.resource(name)["path"])
        copies = _copies(cases, len(rows) - 1)
        assert sorted(c.id for copy in copies for c in copy) == sorted(c.id for c in cases), name
        for copy in copies:
            placed = _edit([list(row) for row in rows], copy)
            assert len({row for _, row in placed}) == len(placed), (name, [c.id for c in copy])
            assert len(copy) <= CASES_PER_COPY
            assert len(copy) == 1 or not any(_parts(c)[2] in ROW_ACTIONS for c in copy)
            assert len(copy) == 1 or len({"-asof-" in c.id for c in copy}) == 1


def test_the_corpus_covers_every_resource_three_ways():
    """Each resource gets a missing required value, a type error (where it has a non-string field) and a constraint."""
    kinds: dict[str, set[str]] = {name: set() for name in data.table_names(ROOT)}
    for case in BAD_INPUT_CASES:
        resource_name, _, kind = case.id.partition("-")
        kinds[resource_name].add(kind.split("-")[0])
    for name, found in kinds.items():
        typed = any(f.get("type", "string") != "string" for f in data.resource(name)["schema"]["fields"])
        assert "required" in found, name
        assert "type" in found or not typed, name
        assert found - {"required", "type", "fk"}, f"{name}: no constraint violation generated"


def test_the_corpus_covers_every_new_constraint_kind():
    """Issue 21: maxima (prices, costs, counts, GPU-hours), date starts (minimum) and the as_of date, per field."""
    ids = {case.id for case in BAD_INPUT_CASES}
    for name in data.table_names(ROOT):
        for field in data.resource(name)["schema"]["fields"]:
            constraints = field.get("constraints", {})
            for kind in ("minimum", "maximum"):
                if kind in constraints:
                    assert f"{name}-{kind}-{field['name']}" in ids
            if field.get("type") == "date":
                assert f"{name}-asof-{field['name']}" in ids


# --- the package's own rules: percentages, and checks across rows and tables ----------------------------------

PERCENT_CASES = [
    pytest.param(name, column, id=f"{name}-{column}")
    for name in data.table_names(ROOT)
    for column in ("value", "value_high")
    if {"unit", column} <= {f["name"] for f in data.resource(name, ROOT)["schema"]["fields"]}
    and "percent" in set(data.load(name)["unit"].dropna())
]


@pytest.mark.parametrize(("name", "column"), PERCENT_CASES)
def test_a_percentage_above_100_is_refused(book_copy, name, column):
    path = book_copy / "data" / data.resource(name, book_copy)["path"]
    rows = _rows(path)
    header = rows[0]
    row_number = next(i for i, row in enumerate(rows[1:], 1) if row[header.index("unit")] == "percent")
    rows[row_number][header.index(column)] = "797"
    _write_rows(path, rows)
    message = _error(book_copy, name)
    place = f"data/{path.name}, row {row_number} (line {row_number + 1}), field '{column}': 797"
    # The cross-table rule says "percent is outside 0-100"; a table whose schema already caps the field at 100
    # (distillation_vs_rl: every value is a percentage) is refused by that constraint first, naming the same place.
    assert f"{place} percent is outside 0-100" in message or f"{place} is above the maximum 100" in message, message


def test_the_percent_rule_covers_the_tables_with_percentages():
    assert {case.id.split("-")[0] for case in PERCENT_CASES} >= {
        "benchmarks",
        "hinton2015",
        "article_claims",
        "extraction_studies",
    }


def _edit_cell(root: Path, name: str, row_test, column: str, value: str) -> int:
    path = root / "data" / data.resource(name, root)["path"]
    rows = _rows(path)
    header = rows[0]
    index = next(i for i, row in enumerate(rows[1:], 1) if row_test(dict(zip(header, row, strict=True))))
    rows[index][header.index(column)] = value
    _write_rows(path, rows)
    return index


def test_a_stated_cost_that_is_not_gpu_hours_times_the_rate_is_refused(book_copy):
    row = _edit_cell(
        book_copy, "training_compute", lambda r: r["phase"] == "pre-training", "stated_cost_usd", "53280000"
    )
    message = _error(book_copy, "training_compute")
    assert (
        f"data/training_compute.csv, row {row} (line {row + 1}), field 'stated_cost_usd': 5.328e+07 USD differs from "
        "gpu_hours × rental_usd_per_gpu_hour = 2664000 × 2 = 5.328e+06 USD by more than 0.5%"
    ) in message, message


def test_gpu_hours_entered_in_thousands_are_refused(book_copy):
    row = _edit_cell(book_copy, "training_compute", lambda r: r["model"] == "DeepSeek-R1-Zero", "gpu_hours", "101")
    message = _error(book_copy, "training_compute")
    assert f"row {row} (line {row + 1}), field 'gpu_hours': 101 differs from gpu_count × wall_clock_hours" in message
    assert "field 'stated_cost_usd': 202000 USD differs from gpu_hours × rental_usd_per_gpu_hour" in message
    assert "is less than the sum" not in message, "R1-Zero is not a total"


def test_a_total_row_below_the_sum_of_its_phases_is_refused(book_copy):
    def official(r):
        return r["phase"].startswith("total (official")

    row = _edit_cell(book_copy, "training_compute", official, "gpu_hours", "2787000")
    _edit_cell(book_copy, "training_compute", official, "stated_cost_usd", "5574000")
    message = _error(book_copy, "training_compute")
    assert (
        f"row {row} (line {row + 1}), field 'gpu_hours': total 2787000 is less than the sum of DeepSeek-V3's other "
        "phases (2788000)"
    ) in message
    assert message.startswith("1 data problem:")


def test_a_stated_total_that_disagrees_with_the_per_company_campaigns_is_refused(book_copy):
    row = _edit_cell(book_copy, "claims", lambda r: r["claim_id"] == "C01", "value", "160000000")
    expected = (
        f"data/claims.csv, row {row} (line {row + 1}), field 'value': 1.6e+08 exchanges differs by more than 10% from "
        "the sum of the per-company figures in distillation_campaigns.csv for DeepSeek, Moonshot AI, MiniMax"
    )
    assert expected in _error(book_copy, "claims")
    assert expected in _error(book_copy, "distillation_campaigns"), "loading either table runs the check"


def test_a_per_company_figure_that_disagrees_with_the_accusers_claim_is_refused(book_copy):
    _edit_cell(
        book_copy, "distillation_campaigns", lambda r: r["campaign_id"] == "K04", "exchanges_lower_bound", "2880000"
    )
    message = _error(book_copy, "distillation_campaigns")
    assert "data/claims.csv" in message and "for Alibaba (Qwen lab operators) (K04: 2.88e+06)" in message


# --- integrity: sizes and hashes ----------------------------------------------------------------------------


def test_an_edit_without_make_data_hash_is_refused_naming_expected_and_found(book_copy):
    _rewrite(book_copy, "sources.csv", lambda t: t.replace("memo to Congress", "memo to Kongress", 1), record=False)
    message = _error(book_copy, "sources")
    recorded = data.resource("sources")["hash"]
    found = "sha256:" + hashlib.sha256((book_copy / "data" / "sources.csv").read_bytes()).hexdigest()
    assert f"data/sources.csv: sha256 hash is {found}, datapackage.json expects {recorded}" in message
    assert "run `make data-hash`" in message
    assert "size is" not in message, "same size: only the hash differs"
    assert message.startswith("1 data problem:")


def test_claims_cut_in_half_inside_a_quoted_field_is_refused(book_copy):
    """Issue 21's corruption: the old loader returned 16 of 32 claims and said nothing."""
    path = book_copy / "data" / "claims.csv"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    quoted = next(i for i in range(middle, len(lines)) if ',"' in lines[i])
    cut = lines[quoted].index(',"') + 12
    truncated = "".join(lines[:quoted]) + lines[quoted][:cut]
    assert truncated.splitlines()[-1].count('"') % 2 == 1, "the cut is inside a quoted field"
    path.write_text(truncated, encoding="utf-8")
    message = _error(book_copy, "claims")
    expected_bytes = data.resource("claims")["bytes"]
    found_bytes = len(truncated.encode())
    assert f"data/claims.csv: size is {found_bytes} bytes, datapackage.json expects {expected_bytes}" in message
    assert "sha256 hash is sha256:" in message and "run `make data-hash`" in message


def test_a_resource_without_a_recorded_hash_is_refused(book_copy):
    package_path = book_copy / "data" / "datapackage.json"
    package = json.loads(package_path.read_text())
    del package["resources"][0]["hash"]
    package_path.write_text(json.dumps(package))
    assert "datapackage.json records no bytes and hash for it; run `make data-hash`" in _error(book_copy, "sources")


def _add_corpus(root: Path) -> Path:
    path = root / "data" / "corpus.txt"
    path.write_text("the teacher speaks; the student copies.\n", encoding="utf-8")
    package_path = root / "data" / "datapackage.json"
    package = json.loads(package_path.read_text())
    package["resources"].append(
        {"name": "corpus", "path": "corpus.txt", "format": "txt", "title": "A corpus", "description": "Text."}
    )
    package_path.write_text(json.dumps(package))
    _record_size_and_hash(root, "corpus.txt")
    return path


def test_a_file_that_is_not_a_table_is_read_through_its_verified_path(book_copy):
    path = _add_corpus(book_copy)
    assert data.verified_path("corpus", root=book_copy) == path
    assert "corpus" not in data.table_names(book_copy) and "corpus" in data.resource_names(book_copy)
    with pytest.raises(
        data.DataError,
        match=r"data/corpus.txt: resource 'corpus' is a txt file, not a table: read it from data.verified_path\('corpus'\)",
    ):
        data.load("corpus", root=book_copy)
    path.write_text("the teacher speaks; the student copies!\n", encoding="utf-8")
    with pytest.raises(
        data.DataError, match=r"data/corpus.txt: sha256 hash is sha256:[0-9a-f]{64}, datapackage.json expects"
    ):
        data.verified_path("corpus", root=book_copy)
    path.unlink()
    with pytest.raises(data.DataError, match=r"data/corpus\.txt: the file is missing"):
        data.verified_path("corpus", root=book_copy)


@pytest.mark.integration
def test_make_data_hash_validates_before_it_writes(book_copy):
    _add_corpus(book_copy)
    package_path = book_copy / "data" / "datapackage.json"
    _rewrite(book_copy, "sources.csv", lambda t: t.replace(",news,", ",gossip,", 1), record=False)
    before = package_path.read_bytes()
    with pytest.raises(data.DataError, match="'gossip' is not one of the allowed values"):
        data.refresh_hashes(book_copy)
    assert package_path.read_bytes() == before, "nothing is written while the data is invalid"
    _rewrite(
        book_copy,
        "sources.csv",
        lambda t: t.replace(",gossip,", ",news,", 1).replace("memo to Congress", "memo to the Senate"),
        record=False,
    )
    (book_copy / "data" / "corpus.txt").write_text("new text\n")
    assert data.refresh_hashes(book_copy) == ["sources", "corpus"]
    assert data.refresh_hashes(book_copy) == [], "a second run changes nothing"
    assert "memo to the Senate" in set(
        data.load("sources", root=book_copy)["title"].str.replace(".*(memo to the Senate).*", r"\1", regex=True)
    )
    assert data.verified_path("corpus", root=book_copy).read_text() == "new text\n"
    recorded = json.loads(package_path.read_text())
    assert (
        list(recorded["resources"][0])[:4] == ["name", "path", "bytes", "hash"] or "bytes" in recorded["resources"][0]
    )


def test_only_campaigns_of_the_same_report_are_summed(book_copy):
    # One news story (tomshardware-2026-10-01) carries Anthropic's September report (K05, 5,380 accounts) and OpenAI's
    # October post (K06, 4,000 users): claim C29's 5,380 accounts must be set against K05 alone. Moving K06 to C29's
    # date puts it in the same report, and the sum (9,380) then disagrees.
    assert len(data.load("claims", book_copy)) > 0  # loads: C29 is checked against K05 only
    _edit_cell(book_copy, "distillation_campaigns", lambda r: r["campaign_id"] == "K06", "date", "2026-09-01")
    assert "5380 accounts differs by more than 10%" in _error(book_copy, "claims")


# --- Validation once per table version (distillbook.data.validated) ---------------------------------------------


def _count_frictionless_runs(monkeypatch) -> list[str]:
    """Record the table name each time frictionless is actually asked to validate."""
    from distillbook.data import tables

    runs: list[str] = []
    real = tables.frictionless_problems

    def counting(descriptor, *arguments):
        runs.append(descriptor["name"])
        return real(descriptor, *arguments)

    monkeypatch.setattr(tables, "frictionless_problems", counting)
    return runs


def test_a_passed_table_is_not_validated_again_until_it_or_a_table_it_points_at_changes(book_copy, monkeypatch):
    monkeypatch.delenv(data.validated.REVALIDATE_VARIABLE, raising=False)
    _add_priced_table(book_copy)
    runs = _count_frictionless_runs(monkeypatch)
    first = data.load("prices", root=book_copy)
    again = data.load("prices", root=book_copy)
    assert runs == ["prices"] and again.equals(first)
    # The table its foreign key points at changes: frictionless must look again (the source may have gone).
    _rewrite(book_copy, "sources.csv", lambda t: t.replace("memo to Congress", "memo to the Senate"))
    data.load("prices", root=book_copy)
    assert runs == ["prices", "prices"]
    # Its own schema changes: again.
    package_path = book_copy / "data" / "datapackage.json"
    package = json.loads(package_path.read_text())
    package["resources"][-1]["schema"]["fields"][2]["constraints"] = {"maximum": 10}
    package_path.write_text(json.dumps(package))
    for _ in range(2):
        assert "field 'usd_per_million_tokens': 15 is above the maximum 10" in _error(book_copy, "prices")
    assert runs[2:] == ["prices", "prices"], "a table with problems is never recorded as passed"


def test_a_file_edited_without_make_data_hash_is_still_refused_after_it_passed(book_copy, monkeypatch):
    monkeypatch.delenv(data.validated.REVALIDATE_VARIABLE, raising=False)
    _add_priced_table(book_copy)
    data.load("prices", root=book_copy)
    _rewrite(book_copy, "prices.csv", lambda t: t.replace("0.55", "-0.55"), record=False)
    message = _error(book_copy, "prices")
    assert "sha256 hash is" in message and "below the minimum 0" in message


def test_revalidate_ignores_the_record(book_copy, monkeypatch):
    _add_priced_table(book_copy)
    monkeypatch.setenv(data.validated.REVALIDATE_VARIABLE, "1")
    runs = _count_frictionless_runs(monkeypatch)
    data.load("prices", root=book_copy)
    data.load("prices", root=book_copy)
    assert runs == ["prices", "prices"]
    assert not (book_copy / data.validated.RECORD_FOLDER).exists()
