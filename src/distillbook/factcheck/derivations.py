"""Derivations: find the data rows a claim links to, by their primary keys, and recompute the source's value.

Primary keys come from ``data/datapackage.json`` (never a private copy): ``check_key`` joins a row's key values
with '|' in ``primaryKey`` order. A derived figure is a ratio, a sum, a day count or a percentage reduction of the
linked values; its bound follows from theirs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pandas as pd

from distillbook import data
from distillbook.factcheck.errors import FactCheckError, number

CHECK_KINDS = (
    "value", "ratio", "sum", "days_between", "percent_reduction", "date", "text", "quote", "absence", "presence",
    "none",
)  # fmt: skip
NUMERIC_KINDS = ("value", "ratio", "sum", "days_between", "percent_reduction")
DERIVED_KINDS = ("ratio", "sum", "days_between", "percent_reduction")
#: Where a table states how its own number is bounded: (resource, value field) -> bound field.
BOUND_FIELDS = {
    ("claims", "value"): "bound",
    ("distillation_campaigns", "exchanges_lower_bound"): "exchanges_bound",
    ("statements", "value"): "bound",
}
#: Where a table states the precision of its dates: resource -> precision field (otherwise dates are days).
DATE_PRECISION_FIELDS = {"events": "date_precision"}


@functools.cache
def primary_key(resource: str) -> tuple[str, ...]:
    """Return the primary-key fields of ``resource`` as ``datapackage.json`` declares them.

    Raises :class:`FactCheckError` if the package has no such resource or the resource has no primary key.
    """
    try:
        descriptor = data.resource(resource)
    except Exception as error:  # DataError or KeyError, depending on how the name is missing
        raise FactCheckError(f"resource '{resource}' is not in datapackage.json ({error})") from None
    key = descriptor.get("schema", {}).get("primaryKey")
    if not key:
        raise FactCheckError(f"resource '{resource}' has no primary key in datapackage.json")
    return (key,) if isinstance(key, str) else tuple(key)


@dataclass(frozen=True)
class SourceValue:
    """A value read from (or recomputed from) data rows: the value, its bound, precision and sources."""

    value: Any
    bound: str = "exactly"
    precision: str = "day"
    source_ids: tuple[str, ...] = ()


def parse_inputs(resource: str, key: str, field: str) -> list[tuple[str, str, str]]:
    """Split the ';'-separated check columns into one (resource, key, field) per input.

    A single resource or field applies to every key; otherwise there must be one per key.
    """
    keys = [part.strip() for part in str(key).split(";")]
    resources = [part.strip() for part in str(resource).split(";")]
    fields = [part.strip() for part in str(field).split(";")]
    count = len(keys)
    if len(resources) == 1:
        resources *= count
    if len(fields) == 1:
        fields *= count
    if not (len(resources) == len(fields) == count) or not all(keys) or not all(resources) or not all(fields):
        raise FactCheckError(
            f"check columns do not line up: {len(resources)} resource(s), {len(keys)} key(s), {len(fields)} field(s)"
        )
    return list(zip(resources, keys, fields, strict=True))


def _key_text(series: pd.Series) -> pd.Series:
    """Render a key column as it is written in the CSV: dates as YYYY-MM-DD, empty cells as ''."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%d").fillna("")
    return series.astype("string").fillna("")


def find_row(frame: pd.DataFrame, resource: str, key: str) -> pd.Series:
    """Return the one row of ``frame`` (the table ``resource``) whose primary key, joined with '|', is ``key``."""
    mask = pd.Series(True, index=frame.index)
    for column, part in zip(primary_key(resource), key.split("|"), strict=True):
        mask &= _key_text(frame[column]) == part
    found = frame[mask]
    if len(found) != 1:
        raise FactCheckError(f"key '{key}' matches {len(found)} rows of {resource}, not one")
    return found.iloc[0]


def lookup(tables: dict[str, pd.DataFrame], resource: str, key: str, field: str) -> SourceValue:
    """Return the value in ``field`` of the one row of ``tables[resource]`` whose primary key is ``key``.

    ``key`` joins the primary-key values with '|'. The value's bound and date precision come from the row when the
    table records them (see BOUND_FIELDS, DATE_PRECISION_FIELDS), and its source from the row's ``source_id``.
    Raises :class:`FactCheckError` if the resource, field or row does not exist or the key matches several rows.
    """
    if resource not in tables:
        raise FactCheckError(f"resource '{resource}' was not passed in (have: {sorted(tables)})")
    frame = tables[resource]
    columns = primary_key(resource)
    parts = key.split("|")
    if len(parts) != len(columns):
        raise FactCheckError(f"key '{key}' of {resource} needs {len(columns)} part(s) ({' | '.join(columns)})")
    if field not in frame.columns:
        raise FactCheckError(f"{resource} has no field '{field}'")
    row = find_row(frame, resource, key)
    bound_field = BOUND_FIELDS.get((resource, field))
    bound = str(row[bound_field]) if bound_field and not pd.isna(row[bound_field]) else "exactly"
    precision_field = DATE_PRECISION_FIELDS.get(resource)
    precision = str(row[precision_field]) if precision_field else "day"
    source_id = row["source_id"] if "source_id" in row.index else None
    return SourceValue(row[field], bound, precision, (str(source_id),) if source_id is not None else ())


def _combined_bound(bounds: list[str]) -> str:
    if "approximately" in bounds:
        return "approximately"
    return "at least" if "at least" in bounds else "exactly"


def derive(kind: str, inputs: list[SourceValue]) -> SourceValue:
    """Return the source's value for a claim of ``kind`` from its input values.

    value/date/text/quote: the one input. ratio: first / second. sum: the total, 'at least' if any input is.
    days_between: second date minus first, in days. percent_reduction: 100 x (first - second) / first, in
    percent. Ratios and reductions of lower bounds are undefined and raise :class:`FactCheckError`.
    """
    sources = tuple(dict.fromkeys(s for item in inputs for s in item.source_ids))
    expected = {"ratio": 2, "days_between": 2, "percent_reduction": 2}.get(kind, 1)
    if kind == "sum":
        if len(inputs) < 2:
            raise FactCheckError("a sum needs at least two inputs")
    elif len(inputs) != expected:
        raise FactCheckError(f"check_kind '{kind}' needs {expected} input(s), got {len(inputs)}")
    if kind in ("value", "date", "text", "quote"):
        return SourceValue(inputs[0].value, inputs[0].bound, inputs[0].precision, sources)
    if kind == "days_between":
        first, second = (pd.Timestamp(item.value) for item in inputs)
        return SourceValue(float((second - first).days), "exactly", "day", sources)
    numbers = [number("input value", item.value) for item in inputs]
    bounds = [item.bound for item in inputs]
    if kind == "sum":
        return SourceValue(float(sum(numbers)), _combined_bound(bounds), "day", sources)
    if "at least" in bounds:
        raise FactCheckError(f"a {kind} of lower bounds is not defined")
    bound = _combined_bound(bounds)
    if numbers[1] == 0 or (kind == "percent_reduction" and numbers[0] == 0):
        raise FactCheckError(f"a {kind} needs a non-zero denominator")
    if kind == "ratio":
        return SourceValue(numbers[0] / numbers[1], bound, "day", sources)
    if kind == "percent_reduction":
        return SourceValue(100 * (numbers[0] - numbers[1]) / numbers[0], bound, "day", sources)
    raise FactCheckError(f"unknown check_kind {kind!r} (known: {CHECK_KINDS})")
