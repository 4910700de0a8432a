"""Display tables of the allegations chapter: strings ready for ``glue.table``, built from the book's data.

Dates are written at the precision their source gives (``2026-02-23``, ``2026-07`` for a month, ``2014`` for a
year); a column that holds one value in every row is dropped and reported by :func:`drop_constant_columns`, so
the prose can state it once instead of repeating it on every row.
"""

from __future__ import annotations

import pandas as pd

from distillbook.allegations.ledger import LedgerError, blank, require, stated_figure
from distillbook.allegations.timeline import TimelineError, days_between
from distillbook.factcheck import in_words

#: strftime format for each date precision.
PRECISION_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def date_text(value: object, precision: str = "day") -> str:
    """Return a date at its precision ("2026-07" for a month-precision date), or "not given" if missing."""
    if blank(value) or pd.isna(value):
        return "not given"
    if precision not in PRECISION_FORMATS:
        raise LedgerError(f"date precision '{precision}' is not one of {sorted(PRECISION_FORMATS)}")
    return pd.Timestamp(value).strftime(PRECISION_FORMATS[precision])


def count_with_verb(count: int, singular: str = "has", plural: str = "have") -> str:
    """Return a count as a reader says it, with its verb agreeing: 'none has', 'one has', 'two have', '12 have'."""
    return f"{in_words(count)} {singular if int(count) <= 1 else plural}"


def drop_constant_columns(table: pd.DataFrame, keep: list[str] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return ``table`` without the columns that hold one value in every row, and {column: that value}.

    Columns named in ``keep`` stay even when constant. A table of one row is returned whole.
    """
    if len(table) < 2:
        return table, {}
    constant = {}
    for column in table.columns:
        values = table[column].astype(str)
        if column not in (keep or []) and (values == values.iloc[0]).all():
            constant[column] = values.iloc[0]
    return table.drop(columns=list(constant)), constant


def claims_ledger(claims: pd.DataFrame) -> pd.DataFrame:
    """Return the ledger as display strings, one row per claim in claim_id order.

    Columns: ID, Date (at its precision), Claimant, About, Claim, Figure (as worded, see
    :func:`distillbook.allegations.ledger.stated_figure`), Status, Independent verification, Evidence published,
    Source (the source_id, for ``{cite}``). Pass the result to :func:`drop_constant_columns` before showing it.
    """
    needed = ["claim_id", "date", "date_precision", "claimant", "accused_party", "claim", "value", "bound", "unit"]
    require(claims, [*needed, "status", "independent_verification", "evidence_published", "source_id"], "claims")
    ordered = claims.sort_values("claim_id", kind="mergesort")
    precision = ordered["date_precision"].astype("string").fillna("day")
    return pd.DataFrame(
        {
            "ID": ordered["claim_id"].astype(str),
            "Date": [date_text(d, p) for d, p in zip(ordered["date"], precision, strict=True)],
            "Claimant": ordered["claimant"].astype(str),
            "About": ordered["accused_party"].astype("string").fillna("").astype(str),
            "Claim": ordered["claim"].astype(str),
            "Figure": [
                stated_figure(v, b, u)
                for v, b, u in zip(ordered["value"], ordered["bound"], ordered["unit"], strict=True)
            ],
            "Status": ordered["status"].astype(str),
            "Independent verification": ordered["independent_verification"].astype(str),
            "Evidence published": ordered["evidence_published"].astype(str),
            "Source": ordered["source_id"].astype(str),
        }
    ).reset_index(drop=True)


def date_disagreements(events: pd.DataFrame, pairs: list[tuple[str, str]], label_column: str = "label") -> pd.DataFrame:
    """Return one row per pair of events rows that date the same event differently, as display strings.

    Columns: Event (the first row's label), First (id and date at its precision), First source, Second, Second
    source, Apart (second minus first: days when both dates are days, else the difference in whole years or
    months at the coarser precision). Pairs keep the given order.
    """
    require(events, ["event_id", "date", "date_precision", label_column, "source_id"], "events")
    indexed = events.set_index("event_id")
    rows = []
    for first, second in pairs:
        for event_id in (first, second):
            if event_id not in indexed.index:
                raise TimelineError(f"no event with event_id '{event_id}'")
        one, two = indexed.loc[first], indexed.loc[second]
        try:
            gap, unit, note = days_between(events, first, second), "day", ""
        except TimelineError:
            coarse = "year" if "year" in (one["date_precision"], two["date_precision"]) else "month"
            a, b = pd.Timestamp(one["date"]), pd.Timestamp(two["date"])
            gap = b.year - a.year if coarse == "year" else (b.year - a.year) * 12 + b.month - a.month
            unit, note = coarse, f" ({coarse} precision only)"
        apart = f"{gap:+d} {unit}{'' if abs(gap) == 1 else 's'}{note}"
        rows.append(
            {
                "Event": str(one[label_column]),
                "First": f"{first}: {date_text(one['date'], one['date_precision'])}",
                "First source": str(one["source_id"]),
                "Second": f"{second}: {date_text(two['date'], two['date_precision'])}",
                "Second source": str(two["source_id"]),
                "Apart": apart,
            }
        )
    return pd.DataFrame(rows)


def precedents_table(precedents: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Return the earlier cases in one table, in date order: provider actions before 2026 and academic extraction results.

    ``precedents`` is the ``precedents`` table (one row per case: date, date_precision, actor, target, what,
    outcome, source_id); ``studies`` is ``extraction_studies`` (one row per reported result). Columns: When,
    Who, Against, What happened, Outcome, Source. Sorted by date; studies are dated by year.
    """
    require(precedents, ["date", "date_precision", "actor", "target", "what", "outcome", "source_id"], "precedents")
    require(studies, ["study", "year", "target", "method", "outcome", "source_id"], "studies")
    cases = pd.DataFrame(
        {
            "sort": pd.to_datetime(precedents["date"]),
            "When": [date_text(d, p) for d, p in zip(precedents["date"], precedents["date_precision"], strict=True)],
            "Who": precedents["actor"].astype(str),
            "Against": precedents["target"].astype(str),
            "What happened": precedents["what"].astype(str),
            "Outcome": precedents["outcome"].astype(str),
            "Source": precedents["source_id"].astype(str),
        }
    )
    first = studies.drop_duplicates("study", keep="first")
    research = pd.DataFrame(
        {
            "sort": pd.to_datetime(first["year"].astype(int).astype(str) + "-01-01"),
            "When": first["year"].astype(int).astype(str),
            "Who": first["study"].astype(str),
            "Against": first["target"].astype(str),
            "What happened": "research: " + first["method"].astype(str),
            "Outcome": first["outcome"].astype(str),
            "Source": first["source_id"].astype(str),
        }
    )
    table = pd.concat([cases, research], ignore_index=True).sort_values(["sort", "Who"], kind="mergesort")
    return table.drop(columns="sort").reset_index(drop=True)
