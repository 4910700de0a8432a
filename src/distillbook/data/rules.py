"""Rules of the data package that a Table Schema cannot state: the ``as_of`` date, and checks across rows and tables.

:func:`distillbook.data.load` runs them after frictionless has validated the file, so they see typed values:

- no date in any table is later than the package's ``as_of`` date (``datapackage.json``, package level): data
  about the future is a typing error (a year 2099, a month and day swapped);
- a number whose row gives its unit as percent lies within 0-100 (a score of 797% is a typing error);
- :data:`CROSS_TABLE_RULES`: where one table, or one part of a table, implies another, the two must agree. Each
  rule names the tables it reads; loading any of them runs it, and a problem names file, row and field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

from distillbook.data.package import Problem, folder, label_of, resource
from distillbook.data.report import record_lines

#: Relative difference allowed between a stated cost and GPU-hours × rental price (the sources round to the dollar).
COST_TOLERANCE = 0.005
#: Relative difference allowed between GPU-hours and GPUs × wall-clock hours (sources round GPU-hours, e.g. "101K").
GPU_HOURS_TOLERANCE = 0.02
#: Relative difference allowed between an accuser's stated total and the sum of its per-company figures: totals are
#: rounded down in the wording ("over 16 million" for 16.55 million).
TOTAL_TOLERANCE = 0.10
#: Units that make a number a percentage, and the columns such a unit applies to.
PERCENT_UNITS = ("percent",)
PERCENT_COLUMNS = ("value", "value_high")


def _line(lines: list[int], index: int) -> int | None:
    """Line of data row ``index`` (0-based): ``lines`` lists record start lines, the header first."""
    return lines[index + 1] if index + 1 < len(lines) else None


def row_problems(
    frame: pd.DataFrame, descriptor: dict[str, Any], package: dict[str, Any], label: str, lines: list[int]
) -> list:
    """Return a Problem for every date later than the package's ``as_of`` date and every percentage outside 0-100.

    A percentage is a ``value`` or ``value_high`` whose row's ``unit`` is one of :data:`PERCENT_UNITS`: a table
    that mixes units in one column cannot bound it in its schema.
    """
    problems = []
    if "unit" in frame:
        percent = frame["unit"].isin(PERCENT_UNITS).fillna(False).astype(bool)
        for column in PERCENT_COLUMNS:
            if column not in frame:
                continue
            values = frame[column]
            outside = frame.index[percent & values.notna() & ((values < 0) | (values > 100))]
            for index in outside:
                problems.append(
                    Problem(
                        label,
                        f"{values[index]:g} percent is outside 0-100",
                        int(index) + 1,
                        _line(lines, int(index)),
                        column,
                    )
                )
    as_of = package.get("as_of")
    if not as_of:
        return problems
    limit = pd.Timestamp(dt.date.fromisoformat(as_of))
    for field in descriptor["schema"]["fields"]:
        if field.get("type") != "date":
            continue
        late = frame.index[frame[field["name"]] > limit]
        for index in late:
            text = frame.loc[index, field["name"]].date().isoformat()
            problems.append(
                Problem(
                    label,
                    f"{text} is after the package's as_of date {as_of} (datapackage.json)",
                    int(index) + 1,
                    _line(lines, int(index)),
                    field["name"],
                )
            )
    return problems


def _relative_gap(found: float, expected: float) -> float:
    return abs(found - expected) / max(abs(expected), 1e-12)


def _training_compute(tables: dict[str, pd.DataFrame]) -> list[tuple[str, int, str, str]]:
    """Stated cost = GPU-hours × rental price; GPU-hours ≈ GPUs × hours; a "total" row ≥ the sum of its phases."""
    compute = tables["training_compute"]
    found = []
    for index, row in compute.iterrows():
        hours, rate, cost = row["gpu_hours"], row["rental_usd_per_gpu_hour"], row["stated_cost_usd"]
        if pd.notna(hours) and pd.notna(rate) and pd.notna(cost):
            implied = float(hours) * float(rate)
            if _relative_gap(float(cost), implied) > COST_TOLERANCE:
                found.append(
                    (
                        "training_compute",
                        index,
                        "stated_cost_usd",
                        f"{cost:g} USD differs from gpu_hours × rental_usd_per_gpu_hour = {hours} × {rate:g} = "
                        f"{implied:g} USD by more than {COST_TOLERANCE:.1%}",
                    )
                )
        count, clock = row["gpu_count"], row["wall_clock_hours"]
        if pd.notna(hours) and pd.notna(count) and pd.notna(clock):
            implied = float(count) * float(clock)
            if _relative_gap(float(hours), implied) > GPU_HOURS_TOLERANCE:
                found.append(
                    (
                        "training_compute",
                        index,
                        "gpu_hours",
                        f"{hours} differs from gpu_count × wall_clock_hours = {count} × {clock:g} = {implied:g} by "
                        f"more than {GPU_HOURS_TOLERANCE:.0%} (GPU-hours entered in thousands?)",
                    )
                )
    for index, row in compute[compute["phase"].str.startswith("total")].iterrows():
        # A total may span models (DeepSeek-R1's includes the R1-Zero run), so it is at least its model's phases.
        parts = compute[(compute["model"] == row["model"]) & ~compute["phase"].str.startswith("total")]
        parts_sum = int(parts["gpu_hours"].dropna().sum())
        if pd.notna(row["gpu_hours"]) and int(row["gpu_hours"]) < parts_sum:
            found.append(
                (
                    "training_compute",
                    index,
                    "gpu_hours",
                    f"total {row['gpu_hours']} is less than the sum of {row['model']}'s other phases ({parts_sum})",
                )
            )
    return found


def _companies(text: Any) -> list[str]:
    return [part.strip() for part in str(text).split(";") if part.strip()] if pd.notna(text) else []


def _campaign_totals(tables: dict[str, pd.DataFrame]) -> list[tuple[str, int, str, str]]:
    """An accuser's stated count for some companies = the sum of those companies' campaigns in the same report."""
    claims, campaigns = tables["claims"], tables["distillation_campaigns"]
    columns = {"exchanges": "exchanges_lower_bound", "accounts": "accounts"}
    found = []
    for index, claim in claims.iterrows():
        column = columns.get(claim["quantity"])
        if column is None or pd.isna(claim["value"]):
            continue
        companies = _companies(claim["accused_party"])
        # The same report: the same source and the same date (one news story can carry two accusers' reports).
        same_source = campaigns[(campaigns["source_id"] == claim["source_id"]) & (campaigns["date"] == claim["date"])]
        parts = same_source[same_source["accused_company"].isin(companies)]
        if not companies or set(parts["accused_company"]) != set(companies) or parts[column].isna().any():
            continue  # the source gives no per-company figure for every company named: nothing to compare
        total = float(parts[column].sum())
        if _relative_gap(total, float(claim["value"])) > TOTAL_TOLERANCE:
            found.append(
                (
                    "claims",
                    index,
                    "value",
                    f"{claim['value']:g} {claim['quantity']} differs by more than {TOTAL_TOLERANCE:.0%} from the sum "
                    f"of the per-company figures in distillation_campaigns.csv for {', '.join(companies)} "
                    f"({', '.join(parts['campaign_id'])}: {total:g})",
                )
            )
    return found


#: (tables read, rule): each rule returns (table, row index, field, problem) for every disagreement.
CROSS_TABLE_RULES: list[tuple[tuple[str, ...], Callable[[dict[str, pd.DataFrame]], list]]] = [
    (("training_compute",), _training_compute),
    (("claims", "distillation_campaigns"), _campaign_totals),
]


def cross_table_problems(name: str, frame: pd.DataFrame, load_other: Callable, root: Any) -> list:
    """Run every rule that reads table ``name``; ``load_other(table)`` returns another table (None if invalid)."""
    problems = []
    for names, rule in CROSS_TABLE_RULES:
        if name not in names:
            continue
        tables = {name: frame}
        for other in names:
            if other != name:
                tables[other] = load_other(other)
        if any(table is None for table in tables.values()):
            continue  # the other table has problems of its own, which loading it reports
        for table, index, field, message in rule(tables):
            descriptor = resource(table, root)
            path = folder(root) / descriptor["path"]
            lines = record_lines(path.read_text(encoding="utf-8"))
            problems.append(
                Problem(label_of(path, folder(root)), message, int(index) + 1, _line(lines, int(index)), field)
            )
    return problems
