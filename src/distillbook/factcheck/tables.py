"""Display tables of the fact-check: figures as text with their units, the checks, the derivations, the gaps."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from distillbook.factcheck.derivations import DERIVED_KINDS, NUMERIC_KINDS, find_row, lookup, parse_inputs, primary_key
from distillbook.factcheck.errors import FactCheckError, blank, optional
from distillbook.factcheck.errors import text as as_text
from distillbook.factcheck.intervals import RELATIVE_EPSILON, article_interval
from distillbook.factcheck.rule import verdict_label, weakest_kind


def format_value(value: Any, unit: str, bound: str = "exactly", value_high: Any = None) -> str:
    """Return a figure as text with its unit and bound ('over 16,000,000 exchanges', '$0.55 per million tokens')."""
    if blank(value):
        return ""
    unit, bound = as_text(unit), as_text(bound)
    if unit == "date" or isinstance(value, pd.Timestamp):
        return f"{pd.Timestamp(value):%d %b %Y}"
    if isinstance(value, str):
        return value
    number = float(value)
    text = f"{number:,.0f}" if number == round(number) else f"{number:,.2f}".rstrip("0").rstrip(".")
    if not blank(value_high):
        text += f" to {float(value_high):,.0f}"
    units = {
        "USD": ("$", ""),
        "USD per million tokens": ("$", " per million tokens"),
        "percent": ("", "%"),
        "times": ("", " times"),
        "Elo rating": ("", " (rating)"),
        "Congress": ("", "th Congress"),
    }
    prefix, suffix = units.get(unit, ("", f" {unit}" if unit else ""))
    words = {"at least": "over ", "approximately": "about "}.get(bound, "")
    return f"{words}{prefix}{text}{suffix}"


def display_table(results: pd.DataFrame, sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the checks as display strings: claim, article's wording, source's value, source (with its kind if
    not primary), rule, verdict and explanation (or the reason a claim cannot be checked)."""
    rows = []
    for row in results.itertuples():
        source_value = row.source_value
        if row.check_kind in NUMERIC_KINDS and not blank(source_value):
            source_value = round(float(source_value), 2)
        shown = format_value(
            source_value,
            row.unit if row.check_kind != "days_between" else "days",
            row.source_bound if row.check_kind in NUMERIC_KINDS else "exactly",
        )
        cited = ", ".join(
            source_id
            + ("" if sources is None or (kind := weakest_kind((source_id,), sources)) == "primary" else f" ({kind})")
            for source_id in row.source_ids
        )
        note = row.explanation if row.verdict != "cannot be checked" else f"{row.reason} {row.explanation}"
        rows.append(
            {
                "Claim": f"{row.claim_id} {row.short_label}",
                "Article says": row.article_wording,
                "Sources say": shown or "—",
                "Source": cited or "—",
                "Check": row.check_kind if row.check_kind != "none" else "—",
                "Verdict": verdict_label(row.verdict, row.difference),
                "Explanation": note,
            }
        )
    return pd.DataFrame(rows)


#: Fields that name an input row in derivation tables (default: the key itself).
LABEL_FIELDS = {
    "api_prices": ["model"],
    "training_compute": ["model", "phase"],
    "events": ["event_id", "short_label"],
    "distillation_campaigns": ["accused_company"],
}


def derivation_table(results: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return the recomputed claims (ratio, sum, days_between, percent_reduction) as display strings: the claim,
    the article's wording, each input with its value and field, the recomputed value and the verdict."""
    rows = []
    for row in results[results["check_kind"].isin(DERIVED_KINDS)].itertuples():
        parts = []
        for resource, key, field in parse_inputs(row.check_resource, row.check_key, row.check_field):
            found = lookup(tables, resource, key, field)
            record = find_row(tables[resource], resource, key)
            label = " ".join(str(record[f]) for f in LABEL_FIELDS.get(resource, primary_key(resource)))
            parts.append(f"{label}: {input_text(found.value)} ({field})")
        unit = "days" if row.check_kind == "days_between" else row.unit
        rows.append(
            {
                "Claim": f"{row.claim_id} {row.short_label}",
                "Article says": row.article_wording,
                "Recomputed from": "; ".join(parts),
                "How": row.check_kind.replace("_", " "),
                "Result": format_value(round(float(row.source_value), 2), unit, row.source_bound),
                "Verdict": row.verdict,
            }
        )
    return pd.DataFrame(rows)


def gap_table(results: pd.DataFrame) -> pd.DataFrame:
    """Return one row per numeric check whose source value is not exactly the article's figure, in the claim's unit.

    Columns: claim_id, short_label, verdict, unit ('days' for a day count), article_value, source_value, and
    allowed_low / allowed_high (the values the article's wording allows; inf for an open 'at least'). Ranges and
    exact equalities are left out. Rows are sorted by unit, then by claim. Figures in different units must not
    share an axis: plot each unit on its own (see :func:`distillbook.factcheck.figures.plot_gaps`).
    """
    rows = []
    for row in results.itertuples():
        if row.check_kind not in NUMERIC_KINDS or row.verdict == "cannot be checked" or row.bound == "range":
            continue
        article, source = float(row.value), float(row.source_value)
        if math.isclose(article, source, rel_tol=RELATIVE_EPSILON):
            continue
        allowed = article_interval(article, row.bound, row.tolerance_kind, optional(row.tolerance_value))
        rows.append(
            {
                "claim_id": row.claim_id,
                "short_label": row.short_label,
                "verdict": row.verdict,
                "unit": "days" if row.check_kind == "days_between" else row.unit,
                "article_value": article,
                "source_value": source,
                "allowed_low": allowed.low,
                "allowed_high": allowed.high,
            }
        )
    return pd.DataFrame(rows).sort_values(["unit", "claim_id"], ignore_index=True)


#: Which way an error leans, in the order the tally shows them.
DIRECTIONS = ("for the accused", "against the accused", "neutral")


def error_table(results: pd.DataFrame) -> pd.DataFrame:
    """Return one row per distinct error among the claims that differ: the error (its first claim's label), the
    claims that repeat it, how many, what differs and which way it leans (``direction``).

    Claims that differ share an ``error_id`` when they repeat one error (a date in the body and in the table, a day
    count built on it). A differing claim without an ``error_id`` or ``direction`` is an error in the data.
    """
    differs = results[results["verdict"] == "differs"]
    missing = differs[differs["error_id"].isna() | ~differs["direction"].isin(DIRECTIONS)]
    if not missing.empty:
        raise FactCheckError(
            f"article_claims.csv: claims {', '.join(missing['claim_id'])} differ but have no error_id or no valid "
            f"direction (one of {', '.join(DIRECTIONS)})"
        )
    rows = []
    for _, group in differs.groupby("error_id", sort=False):
        if len(set(group["direction"])) != 1:
            raise FactCheckError(f"article_claims.csv: error_id {group['error_id'].iloc[0]!r} has two directions")
        first = group.iloc[0]
        rows.append(
            {
                "Error": first["short_label"],
                "Claims": ", ".join(group["claim_id"]),
                "Count": len(group),
                "What differs": ", ".join(dict.fromkeys(group["difference"])),
                "Direction": first["direction"],
                "Why": first["direction_reason"],
            }
        )
    return pd.DataFrame(rows)


def input_text(value: Any) -> str:
    """Return one input of a derivation as text: a date as '12 Feb 2026', a number with thousands separators."""
    if isinstance(value, pd.Timestamp):
        return f"{value:%d %b %Y}"
    number = float(value)
    return f"{number:,.0f}" if number == round(number) and abs(number) >= 100 else f"{number:,.2f}"


def collapsible(table: pd.DataFrame, groups: pd.Series, name: str) -> str:
    """Return HTML with one collapsed ``<details>`` section per value of ``groups`` (aligned with ``table``'s rows),
    each summarised as 'Topic: n claims (k matches, ...)' and holding that group's rows as a stable table.

    ``name`` prefixes each table's id (letters, digits and dashes), so stored outputs compare equal under nbval.
    """
    from distillbook import glue

    sections = []
    for group in dict.fromkeys(groups):
        rows = table[(groups == group).to_numpy()]
        counts = rows["Verdict"].str.split(" (", regex=False).str[0].value_counts()
        summary = ", ".join(f"{count} {verdict}" for verdict, count in counts.items())
        slug = re.sub(r"[^a-z0-9]+", "-", str(group).casefold()).strip("-")
        html = glue.table(rows, f"{name}-{slug}").to_html()
        sections.append(
            f"<details><summary><strong>{str(group).capitalize()}</strong>: {len(rows)} claims ({summary})"
            f"</summary>\n{html}\n</details>"
        )
    return "\n".join(sections)


_SMALL = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def in_words(count: int, zero: str = "none") -> str:
    """Return a count as a reader says it: ``zero`` for 0 ('none', 'no'), words up to ten, digits above."""
    count = int(count)
    if count < 0:
        raise ValueError(f"a count cannot be negative, got {count}")
    if count == 0:
        return zero
    return _SMALL[count] if count <= 10 else f"{count:,}"
