"""Check the source article's claims against the book's data: recompute each figure, compare, give a verdict.

``article_claims`` holds one row per claim, with the article's value and bound, the row(s) of another table that
hold the source's value (``check_resource``, ``check_key``, ``check_field``), how that value is obtained
(``check_kind``: one cell, or a ratio, sum, day count or percentage reduction recomputed from several), and the
tolerance that counts as a match. :func:`check_claims` returns the verdicts: ``matches``, ``differs`` or
``cannot be checked``.

Every comparison is one rule: the article's wording admits an interval of values (a point for "2,029", the
values that round to 79 for "~79%", everything from 16 million up for "over 16 million", 20 to 50 for "20 to 50
times"); the source's value is an interval too (a point, or everything from its figure up when the source itself
says "over"). The claim matches when every value the source allows is one the article's wording allows.

Functions take DataFrames (as :func:`distillbook.data.load` returns them) and return DataFrames or values; they
never load data themselves.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from distillbook import style
from distillbook.errors import BookError

VERDICTS = ("matches", "differs", "cannot be checked")
CHECK_KINDS = ("value", "ratio", "sum", "days_between", "percent_reduction", "date", "text", "quote", "none")
NUMERIC_KINDS = ("value", "ratio", "sum", "days_between", "percent_reduction")
TOLERANCE_KINDS = ("exact", "rounding", "relative", "bound")
#: Primary keys of the resources claims may point to, in ``datapackage.json`` order (a test keeps them in step).
PRIMARY_KEYS = {
    "benchmarks": ["model", "benchmark", "metric", "source_location"],
    "api_prices": ["provider", "model", "api_model_id", "effective_date", "source_id"],
    "training_compute": ["model", "phase", "source_id"],
    "claims": ["claim_id"],
    "events": ["event_id"],
    "distillation_campaigns": ["campaign_id"],
    "committee_votes": ["vote_id"],
    "bills": ["bill_id"],
    "executive_actions": ["action_id"],
    "sources": ["source_id"],
}
#: Where a table states how its own number is bounded: (resource, value field) -> bound field.
BOUND_FIELDS = {("claims", "value"): "bound", ("distillation_campaigns", "exchanges_lower_bound"): "exchanges_bound"}
#: Where a table states the precision of its dates: resource -> precision field (otherwise dates are days).
DATE_PRECISION_FIELDS = {"events": "date_precision"}
#: A source's "approximately N" is read as N give or take this fraction of N.
APPROXIMATE_HALF_WIDTH = 0.01
#: Weakest first: a check resting on several sources is only as strong as its weakest.
SOURCE_KIND_ORDER = ("news", "secondary", "primary")
VERDICT_COLOURS = {
    "matches": style.PALETTE["bluish_green"],
    "differs": style.PALETTE["vermillion"],
    "cannot be checked": style.PALETTE["grey"],
}
_RELATIVE_EPSILON = 1e-9


class FactCheckError(BookError):
    """A claim row cannot be evaluated as written (bad key, unknown resource, inconsistent bound or tolerance)."""


@dataclass(frozen=True)
class Interval:
    """A closed interval of values; ``math.inf`` for an open upper end."""

    low: float
    high: float

    def contains(self, other: Interval) -> bool:
        """Return True if every value of ``other`` lies in this interval (with a tiny relative slack)."""
        slack = _RELATIVE_EPSILON * max(1.0, abs(self.low), abs(other.low))
        upper_slack = 0.0 if math.isinf(self.high) else _RELATIVE_EPSILON * max(1.0, abs(self.high))
        return other.low >= self.low - slack and other.high <= self.high + upper_slack


@dataclass(frozen=True)
class SourceValue:
    """A value read from (or recomputed from) data rows: the value, its bound, precision and sources."""

    value: Any
    bound: str = "exactly"
    precision: str = "day"
    source_ids: tuple[str, ...] = ()


# --- intervals ------------------------------------------------------------------------------------------------


def article_interval(
    value: float, bound: str, tolerance_kind: str, tolerance_value: float | None = None, value_high: float | None = None
) -> Interval:
    """Return the interval of values the article's wording admits, in the claim's unit.

    exact: the value itself (bound must be 'exactly'); rounding: value +/- half the rounding step; relative:
    value +/- tolerance_value percent; bound: [value, inf) for 'at least', [value, value_high] for 'range'.
    Raises :class:`FactCheckError` for a combination that makes no sense (e.g. 'at least' with 'exact').
    """
    value = _number("value", value)
    if tolerance_kind not in TOLERANCE_KINDS:
        raise FactCheckError(f"tolerance_kind must be one of {TOLERANCE_KINDS}, got {tolerance_kind!r}")
    if bound in ("at least", "range") and tolerance_kind != "bound":
        raise FactCheckError(f"a claim bounded '{bound}' needs tolerance_kind 'bound', got {tolerance_kind!r}")
    if tolerance_kind == "exact":
        if bound != "exactly":
            raise FactCheckError(f"tolerance 'exact' needs bound 'exactly', got {bound!r}")
        return Interval(value, value)
    if tolerance_kind == "rounding":
        step = _positive("tolerance_value (rounding step)", tolerance_value)
        return Interval(value - step / 2, value + step / 2)
    if tolerance_kind == "relative":
        share = _positive("tolerance_value (percent)", tolerance_value) / 100
        return Interval(value - abs(value) * share, value + abs(value) * share)
    if bound == "at least":
        return Interval(value, math.inf)
    if bound == "range":
        high = _number("value_high", value_high)
        if high < value:
            raise FactCheckError(f"a range needs value_high >= value, got {value} to {high}")
        return Interval(value, high)
    raise FactCheckError(f"tolerance 'bound' needs bound 'at least' or 'range', got {bound!r}")


def source_interval(value: float, bound: str = "exactly") -> Interval:
    """Return the interval a source's figure stands for: a point, [value, inf) for 'at least', or value +/- 1%."""
    value = _number("source value", value)
    if bound in ("exactly", "not stated"):
        return Interval(value, value)
    if bound == "at least":
        return Interval(value, math.inf)
    if bound == "approximately":
        half = abs(value) * APPROXIMATE_HALF_WIDTH
        return Interval(value - half, value + half)
    raise FactCheckError(f"unknown bound {bound!r} for a source value")


def date_interval(date: Any, precision: str = "day") -> Interval:
    """Return the days (as proleptic ordinals) a date stands for at its precision: one day, a month or a year."""
    stamp = pd.Timestamp(date)
    if pd.isna(stamp):
        raise FactCheckError("a date check needs a date")
    if precision == "day":
        first = last = stamp
    elif precision == "month":
        first = stamp.replace(day=1)
        last = first + pd.offsets.MonthEnd(0)
    elif precision == "year":
        first, last = stamp.replace(month=1, day=1), stamp.replace(month=12, day=31)
    else:
        raise FactCheckError(f"date precision must be day, month or year, got {precision!r}")
    return Interval(float(first.toordinal()), float(last.toordinal()))


# --- text -----------------------------------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """Return ``text`` folded for comparison: lower case, curly quotes straightened, 'U.S.' as 'us', no punctuation."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"\bu\.s\.", "us", text)
    text = re.sub(r"[^\w\s]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def text_items(text: str) -> frozenset[str]:
    """Return the set of items in ``text`` split on ';' or ',' (and a final 'and'), each normalised and with its
    spaces removed ('S.321' and 'S. 321' are the same item)."""
    parts = re.split(r";|,|\band\b", str(text))
    return frozenset(item for item in (normalise_text(part).replace(" ", "") for part in parts) if item)


def same_text(article_text: str, source_text: str) -> bool:
    """Return True if both texts list the same items, ignoring order, case, spacing and punctuation."""
    return text_items(article_text) == text_items(source_text)


def quote_found(article_quote: str, source_quote: str) -> bool:
    """Return True if the article's quotation appears word for word inside the source's quotation."""
    needle = normalise_text(article_quote)
    return bool(needle) and needle in normalise_text(source_quote)


# --- reading the linked rows ----------------------------------------------------------------------------------


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


def lookup(tables: dict[str, pd.DataFrame], resource: str, key: str, field: str) -> SourceValue:
    """Return the value in ``field`` of the one row of ``tables[resource]`` whose primary key is ``key``.

    ``key`` joins the primary-key values with '|'. The value's bound and date precision come from the row when the
    table records them (see BOUND_FIELDS, DATE_PRECISION_FIELDS), and its source from the row's ``source_id``.
    Raises :class:`FactCheckError` if the resource, field or row does not exist or the key matches several rows.
    """
    if resource not in tables:
        raise FactCheckError(f"resource '{resource}' was not passed in (have: {sorted(tables)})")
    if resource not in PRIMARY_KEYS:
        raise FactCheckError(f"resource '{resource}' has no primary key known to factcheck")
    frame = tables[resource]
    columns = PRIMARY_KEYS[resource]
    parts = key.split("|")
    if len(parts) != len(columns):
        raise FactCheckError(f"key '{key}' of {resource} needs {len(columns)} part(s) ({' | '.join(columns)})")
    if field not in frame.columns:
        raise FactCheckError(f"{resource} has no field '{field}'")
    mask = pd.Series(True, index=frame.index)
    for column, part in zip(columns, parts, strict=True):
        mask &= _key_text(frame[column]) == part
    found = frame[mask]
    if len(found) != 1:
        raise FactCheckError(f"key '{key}' matches {len(found)} rows of {resource}, not one")
    row = found.iloc[0]
    bound_field = BOUND_FIELDS.get((resource, field))
    bound = str(row[bound_field]) if bound_field and not pd.isna(row[bound_field]) else "exactly"
    precision_field = DATE_PRECISION_FIELDS.get(resource)
    precision = str(row[precision_field]) if precision_field else "day"
    source_id = row["source_id"] if "source_id" in row.index else None
    return SourceValue(row[field], bound, precision, (str(source_id),) if source_id is not None else ())


# --- derivations ----------------------------------------------------------------------------------------------


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
    numbers = [_number("input value", item.value) for item in inputs]
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


# --- one claim, all claims ------------------------------------------------------------------------------------


def check_claim(claim: pd.Series, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Return the check of one claim: source value (number, date or text) and bound, sources, verdict, difference.

    ``difference`` says what differs: 'number', 'qualifier only' (same number, but the source hedges it
    differently), 'date', 'wording'; empty unless the verdict is 'differs'. ``reason`` explains a verdict of
    'cannot be checked'.
    """
    kind = claim["check_kind"]
    result: dict[str, Any] = {
        "claim_id": claim["claim_id"],
        "source_value": None,
        "source_bound": "",
        "source_ids": (),
        "verdict": "",
        "difference": "",
        "reason": "",
    }
    if kind not in CHECK_KINDS:
        raise FactCheckError(f"{claim['claim_id']}: unknown check_kind {kind!r}")
    if kind == "none":
        result.update(verdict="cannot be checked", reason=_text(claim.get("uncheckable_reason")))
        return result
    try:
        inputs = [
            lookup(tables, *spec)
            for spec in parse_inputs(claim["check_resource"], claim["check_key"], claim["check_field"])
        ]
        source = derive(kind, inputs)
    except FactCheckError as error:
        raise FactCheckError(f"{claim['claim_id']}: {error}") from None
    result.update(source_value=source.value, source_bound=source.bound, source_ids=source.source_ids)
    if _blank(source.value):
        result.update(verdict="cannot be checked", reason="the linked data cell is empty")
        return result
    try:
        matches, difference = _compare(kind, claim, source)
    except FactCheckError as error:
        raise FactCheckError(f"{claim['claim_id']}: {error}") from None
    result.update(verdict="matches" if matches else "differs", difference="" if matches else difference)
    return result


def _compare(kind: str, claim: pd.Series, source: SourceValue) -> tuple[bool, str]:
    if kind == "date":
        article = date_interval(claim["article_date"], _text(claim.get("date_precision")) or "day")
        return article.contains(date_interval(source.value, source.precision)), "date"
    if kind == "text":
        return same_text(claim["value_text"], source.value), "wording"
    if kind == "quote":
        return quote_found(claim["value_text"], source.value), "wording"
    article = article_interval(
        claim["value"],
        claim["bound"],
        claim["tolerance_kind"],
        _optional(claim.get("tolerance_value")),
        _optional(claim.get("value_high")),
    )
    value = float(source.value)
    same_number = math.isclose(value, float(claim["value"]), rel_tol=_RELATIVE_EPSILON)
    return article.contains(source_interval(value, source.bound)), "qualifier only" if same_number else "number"


def check_claims(claims: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return one row per claim: the claim's columns plus source_value, source_bound, source_ids, verdict,
    difference and reason (see :func:`check_claim`). ``tables`` maps resource names to loaded DataFrames."""
    checked = pd.DataFrame([check_claim(row, tables) for _, row in claims.iterrows()])
    return claims.merge(checked, on="claim_id", how="left", validate="one_to_one")


def weakest_kind(source_ids: tuple[str, ...], sources: pd.DataFrame) -> str:
    """Return the weakest ``kind`` (news < secondary < primary) among ``source_ids``; '' for none."""
    if not source_ids:
        return ""
    kinds = sources.set_index("source_id")["kind"]
    missing = [s for s in source_ids if s not in kinds.index]
    if missing:
        raise FactCheckError(f"source_id(s) not in sources: {missing}")
    return min((str(kinds[s]) for s in source_ids), key=SOURCE_KIND_ORDER.index)


def with_source_kinds(results: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Return ``results`` with a ``source_kind`` column: the weakest kind of the sources each check rests on."""
    out = results.copy()
    out["source_kind"] = [weakest_kind(tuple(ids), sources) for ids in out["source_ids"]]
    return out


# --- summaries, tables, figures -------------------------------------------------------------------------------


def verdict_counts(results: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Return counts of each verdict (columns in VERDICTS order), overall or per value of column ``by``."""
    if by is None:
        counts = results["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)
        return counts.to_frame("claims").T.reset_index(drop=True)
    table = pd.crosstab(results[by], results["verdict"]).reindex(columns=list(VERDICTS), fill_value=0)
    table.columns.name = None
    return table.astype(int)


def format_value(value: Any, unit: str, bound: str = "exactly", value_high: Any = None) -> str:
    """Return a figure as text with its unit and bound ('over 16,000,000 exchanges', '$0.55 per million tokens')."""
    if _blank(value):
        return ""
    unit, bound = _text(unit), _text(bound)
    if unit == "date" or isinstance(value, pd.Timestamp):
        return f"{pd.Timestamp(value):%d %b %Y}"
    if isinstance(value, str):
        return value
    number = float(value)
    text = f"{number:,.0f}" if number == round(number) else f"{number:,.2f}".rstrip("0").rstrip(".")
    if not _blank(value_high):
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
        if row.check_kind in NUMERIC_KINDS and not _blank(source_value):
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
                "Verdict": row.verdict + (f" ({row.difference})" if row.difference else ""),
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
    for row in results[results["check_kind"].isin(["ratio", "sum", "days_between", "percent_reduction"])].itertuples():
        parts = []
        for resource, key, field in parse_inputs(row.check_resource, row.check_key, row.check_field):
            found = lookup(tables, resource, key, field)
            frame = tables[resource]
            mask = pd.Series(True, index=frame.index)
            for column, part in zip(PRIMARY_KEYS[resource], key.split("|"), strict=True):
                mask &= _key_text(frame[column]) == part
            record = frame[mask].iloc[0]
            label = " ".join(str(record[f]) for f in LABEL_FIELDS.get(resource, PRIMARY_KEYS[resource]))
            parts.append(f"{label}: {_input_text(found.value)} ({field})")
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


def _input_text(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return f"{value:%d %b %Y}"
    number = float(value)
    return f"{number:,.0f}" if number == round(number) and abs(number) >= 100 else f"{number:,.2f}"


def plot_verdicts(counts: pd.DataFrame, ax: plt.Axes) -> plt.Axes:
    """Draw horizontal stacked bars of verdict counts per row of ``counts`` (from :func:`verdict_counts`)."""
    left = pd.Series(0, index=counts.index)
    for verdict in VERDICTS:
        ax.barh(
            counts.index, counts[verdict], left=left, color=VERDICT_COLOURS[verdict], label=verdict, edgecolor="white"
        )
        for y, (start, width) in enumerate(zip(left, counts[verdict], strict=True)):
            if width > 0:
                ax.text(start + width / 2, y, str(int(width)), ha="center", va="center", color="white", fontsize=8)
        left = left + counts[verdict]
    ax.invert_yaxis()
    ax.set_xlabel("Claims in the article (count)")
    ax.legend(loc="lower right", frameon=False)
    ax.grid(axis="y", visible=False)
    return ax


def gap_table(results: pd.DataFrame) -> pd.DataFrame:
    """Return one row per numeric check whose source value differs from the article's figure.

    Columns: claim_id, short_label, verdict, gap_percent (how far the source's value lies from the article's, in
    percent of the article's), allowed_low_percent and allowed_high_percent (the article's tolerance on the same
    scale; inf for an open 'at least'). Ranges and exact equalities are left out.
    """
    rows = []
    for row in results.itertuples():
        if row.check_kind not in NUMERIC_KINDS or row.verdict == "cannot be checked" or row.bound == "range":
            continue
        article, source = float(row.value), float(row.source_value)
        if math.isclose(article, source, rel_tol=_RELATIVE_EPSILON):
            continue
        allowed = article_interval(article, row.bound, row.tolerance_kind, _optional(row.tolerance_value))
        rows.append(
            {
                "claim_id": row.claim_id,
                "short_label": row.short_label,
                "verdict": row.verdict,
                "gap_percent": 100 * (source - article) / article,
                "allowed_low_percent": 100 * (allowed.low - article) / article,
                "allowed_high_percent": 100 * (allowed.high - article) / article,
            }
        )
    return pd.DataFrame(rows).sort_values("gap_percent", ignore_index=True)


def plot_gaps(gaps: pd.DataFrame, ax: plt.Axes, limit_percent: float = 40.0) -> plt.Axes:
    """Draw each source value's distance from the article's figure (dot) against what the wording allows (bar).

    An open-ended 'at least' band is drawn to ``limit_percent`` with an arrow.
    """
    for y, row in enumerate(gaps.itertuples()):
        high = min(row.allowed_high_percent, limit_percent)
        ax.plot(
            [row.allowed_low_percent, high],
            [y, y],
            color=style.PALETTE["grey"],
            linewidth=6,
            alpha=0.35,
            solid_capstyle="butt",
        )
        if math.isinf(row.allowed_high_percent):
            ax.annotate(
                "",
                xy=(limit_percent, y),
                xytext=(limit_percent - 4, y),
                arrowprops={"arrowstyle": "->", "color": style.PALETTE["grey"]},
            )
        ax.plot(row.gap_percent, y, "o", color=VERDICT_COLOURS[row.verdict], markersize=7)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(gaps)), [f"{r.claim_id} {r.short_label}" for r in gaps.itertuples()])
    ax.set_xlim(-limit_percent, limit_percent)
    ax.invert_yaxis()
    ax.set_xlabel("Source's value relative to the article's figure (% of the article's figure)")
    ax.grid(axis="y", visible=False)
    return ax


def legacy_view(claims: pd.DataFrame, resource: str) -> pd.DataFrame:
    """Return the rows of ``claims`` that stand for rows of ``resource`` ('article_cost_figures' or
    'article_comparison', the tables chapters 3 and 4 once kept, now merged into ``article_claims``), indexed by
    that resource's id, with claim_id, value, bound, article_wording, unit, attributed_to, short_label and
    dimension (empty where ``claims`` has none), so a chapter can keep addressing its figures by those ids.

    A range stands for two old rows: the first id takes the low end and the second the high end, each
    'approximately'.
    """
    rows = []
    for row in claims.itertuples():
        if _blank(row.legacy_id):
            continue
        ids = [part.split(":", 1) for part in str(row.legacy_id).split(";")]
        for position, (name, old_id) in enumerate(ids):
            if name != resource:
                continue
            value, bound = row.value, row.bound
            if row.bound == "range":
                value, bound = (row.value if position == 0 else row.value_high), "approximately"
            rows.append(
                {
                    "id": old_id,
                    "claim_id": row.claim_id,
                    "value": value,
                    "bound": bound,
                    "article_wording": row.article_wording,
                    "unit": row.unit,
                    "attributed_to": row.attributed_to,
                    "short_label": row.short_label,
                    "dimension": _text(getattr(row, "dimension", None)),
                }
            )
    return pd.DataFrame(rows).set_index("id").sort_index()


def verdict_labels(results: pd.DataFrame) -> pd.Series:
    """Return each claim's verdict as other chapters show it, indexed by claim_id: the verdict, with what differs
    in brackets ('differs (qualifier only)'), exactly as in :func:`display_table`."""
    labels = [
        verdict + (f" ({difference})" if difference else "")
        for verdict, difference in zip(results["verdict"], results["difference"], strict=True)
    ]
    return pd.Series(labels, index=pd.Index(results["claim_id"], name="claim_id"), name="verdict")


# --- helpers --------------------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value)


def _optional(value: Any) -> float | None:
    return None if _blank(value) else float(value)


def _number(name: str, value: Any) -> float:
    if _blank(value):
        raise FactCheckError(f"{name} is empty")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FactCheckError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise FactCheckError(f"{name} must be finite, got {value!r}")
    return number


def _positive(name: str, value: Any) -> float:
    number = _number(name, value)
    if number <= 0:
        raise FactCheckError(f"{name} must be above zero, got {value!r}")
    return number
