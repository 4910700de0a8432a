"""The claims ledger: every statement about distillation kept as a claim with a status, never as a fact.

Functions take the book's tables (``claims``, ``distillation_campaigns``) as DataFrames and return DataFrames
or plain numbers; they never load data themselves. The article's comparison table is rebuilt in
:mod:`distillbook.allegations.comparison`; display tables are in :mod:`distillbook.allegations.tables`.

Units: ``exchanges`` are Anthropic's (undefined) unit of prompt-and-reply; ``requests`` and ``prompts`` are the
units other accusers use and are never added to exchanges; ``accounts`` are fraudulent accounts (or users) as the
accuser counts them; ``days`` are calendar days; shares are percentages (0 to 100).
"""

from __future__ import annotations

import math

import pandas as pd

from distillbook.errors import BookError

#: Words used for each ``bound`` value when a figure is written out.
BOUND_WORDS = {"at least": "over", "approximately": "about", "exactly": "", "not stated": ""}
#: Bounds from strongest to weakest: a sum is only as firm as its weakest part.
BOUND_STRENGTH = ["exactly", "at least", "approximately"]


class LedgerError(BookError):
    """A table passed to a ledger function lacks a column, or a parameter is out of range."""


def require(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    """Raise :class:`LedgerError` naming the table and the columns it lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LedgerError(f"{name} has no column(s) {missing}")


def blank(value: object) -> bool:
    """Return True for None, NA, NaN and the empty string."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or value == ""


def stated_figure(value: float | None, bound: str, unit: str | None) -> str:
    """Return a figure as the claimant worded it, e.g. ``"over 16,000,000 exchanges"``; "no figure" if none."""
    if blank(value):
        return "no figure"
    if bound not in BOUND_WORDS:
        raise LedgerError(f"bound '{bound}' is not one of {sorted(BOUND_WORDS)}")
    words = [BOUND_WORDS[bound], f"{float(value):,.0f}", "" if blank(unit) else str(unit)]
    return " ".join(word for word in words if word)


def count_by(claims: pd.DataFrame, column: str) -> dict[str, int]:
    """Return {value: number of claims} for ``column``, sorted by value."""
    require(claims, [column], "claims")
    counts = claims[column].astype(str).value_counts()
    return {str(key): int(counts[key]) for key in sorted(counts.index)}


def campaign_shares(campaigns: pd.DataFrame, source_id: str) -> pd.DataFrame:
    """Return the campaigns of one report with their exchanges and shares of the sum (percent).

    Columns: accused_company, exchanges (the stated figure, a lower bound when ``exchanges_bound`` is
    "at least"), exchanges_bound, share_percent (of the sum of the report's campaigns). Largest first.
    """
    require(campaigns, ["accused_company", "exchanges_lower_bound", "exchanges_bound", "source_id"], "campaigns")
    mine = campaigns[campaigns["source_id"] == source_id]
    if mine.empty:
        raise LedgerError(f"no campaigns with source_id '{source_id}'")
    exchanges = mine["exchanges_lower_bound"].astype("int64")
    table = pd.DataFrame(
        {
            "accused_company": mine["accused_company"].astype(str).to_numpy(),
            "exchanges": exchanges.to_numpy(),
            "exchanges_bound": mine["exchanges_bound"].astype(str).to_numpy(),
            "share_percent": (100.0 * exchanges / exchanges.sum()).to_numpy(),
        }
    )
    return table.sort_values(["exchanges", "accused_company"], ascending=[False, True], kind="mergesort").reset_index(
        drop=True
    )


def total_check(parts_exchanges: pd.Series, stated_total_exchanges: float) -> dict[str, float | bool]:
    """Check a stated lower-bound total ("over N") against the sum of its lower-bound parts.

    Returns sum_exchanges, stated_exchanges, difference_exchanges (sum minus stated), difference_percent (of the
    stated total) and consistent (True when the sum of the parts is at least the stated total, so "over N" is
    true of the parts as given).
    """
    total = float(pd.Series(parts_exchanges, dtype="float64").sum())
    difference = total - float(stated_total_exchanges)
    return {
        "sum_exchanges": total,
        "stated_exchanges": float(stated_total_exchanges),
        "difference_exchanges": difference,
        "difference_percent": 100.0 * difference / float(stated_total_exchanges),
        "consistent": bool(total >= stated_total_exchanges),
    }


def weakest_bound(bounds: list[str]) -> str:
    """Return the weakest of ``bounds`` (exactly < at least < approximately): what a sum of them can claim."""
    unknown = sorted(set(bounds) - set(BOUND_STRENGTH))
    if unknown or not bounds:
        raise LedgerError(f"cannot combine bounds {unknown or bounds}; known: {BOUND_STRENGTH}")
    return max(bounds, key=BOUND_STRENGTH.index)


def totals_by_unit(campaigns: pd.DataFrame, unit: str, target: str) -> pd.DataFrame:
    """Return the alleged volumes in one ``unit`` against one target model family, report by report.

    One row per source_id (oldest report first, by ``date``): source_id, date, campaigns (count), volume (the
    sum of the stated figures), bound (the weakest bound among them, see :func:`weakest_bound`), and the running
    ``cumulative`` volume with its ``cumulative_bound``. Volumes in other units are never added in: an exchange,
    a request and a prompt are different things. Raises :class:`LedgerError` if nothing matches.
    """
    require(campaigns, ["unit", "target_model_family", "exchanges_lower_bound", "exchanges_bound", "date"], "campaigns")
    mine = campaigns[(campaigns["unit"] == unit) & (campaigns["target_model_family"] == target)]
    if mine.empty:
        raise LedgerError(f"no campaigns in unit '{unit}' against '{target}'")
    rows = []
    for source_id, part in mine.groupby("source_id", sort=False):
        rows.append(
            {
                "source_id": source_id,
                "date": part["date"].min(),
                "campaigns": len(part),
                "volume": int(part["exchanges_lower_bound"].sum()),
                "bound": weakest_bound(part["exchanges_bound"].astype(str).tolist()),
            }
        )
    table = pd.DataFrame(rows).sort_values(["date", "source_id"], kind="mergesort").reset_index(drop=True)
    table["cumulative"] = table["volume"].cumsum()
    table["cumulative_bound"] = [weakest_bound(table["bound"].iloc[: i + 1].tolist()) for i in range(len(table))]
    return table


def exchanges_per_account(exchanges: float, accounts: float) -> float:
    """Return the average number of exchanges per account (exchanges / accounts), a rough mean."""
    if not accounts > 0:
        raise LedgerError(f"accounts must be positive, got {accounts}")
    if exchanges < 0:
        raise LedgerError(f"exchanges must not be negative, got {exchanges}")
    return float(exchanges) / float(accounts)


def per_account(campaigns: pd.DataFrame) -> pd.DataFrame:
    """Return what each allegation with both a volume and an account count implies per account.

    One row per campaign with ``accounts``: campaign_id, accused_company, unit, volume, accounts,
    per_account (volume / accounts), window_days (calendar days from ``window_start`` to ``window_end``, both
    counted, else the stated ``window_days``; missing when the accuser gives no window) and per_account_day
    (per_account / window_days).
    Sorted by date. These are averages over the accuser's own figures, not measured per-account rates.
    """
    needed = ["campaign_id", "accused_company", "unit", "exchanges_lower_bound", "accounts", "date"]
    require(campaigns, [*needed, "window_start", "window_end", "window_days"], "campaigns")
    mine = campaigns[campaigns["accounts"].notna()].sort_values(["date", "campaign_id"], kind="mergesort")
    if mine.empty:
        raise LedgerError("no campaign states an account count")
    span = (pd.to_datetime(mine["window_end"]) - pd.to_datetime(mine["window_start"])).dt.days + 1
    days = span.where(span.notna(), mine["window_days"]).astype("Float64")
    volume = mine["exchanges_lower_bound"].astype("float64")
    ratio = [exchanges_per_account(v, a) for v, a in zip(volume, mine["accounts"].astype("float64"), strict=True)]
    table = pd.DataFrame(
        {
            "campaign_id": mine["campaign_id"].to_numpy(),
            "accused_company": mine["accused_company"].to_numpy(),
            "unit": mine["unit"].to_numpy(),
            "volume": volume.to_numpy(),
            "accounts": mine["accounts"].astype("float64").to_numpy(),
            "per_account": ratio,
            "window_days": days.to_numpy(),
        }
    )
    if (table["window_days"].dropna() <= 0).any():
        raise LedgerError("a campaign window must be at least one day long")
    table["per_account_day"] = table["per_account"] / table["window_days"]
    return table


def report_per_account(claims: pd.DataFrame, volume_claim: str, accounts_claim: str) -> dict[str, object]:
    """Return a report-level row like those of :func:`per_account`, from two claims of one report.

    ``volume_claim`` and ``accounts_claim`` are claim ids (e.g. a report's total exchanges and total accounts).
    The row has no window (window_days and per_account_day missing) and campaign_id "<volume>/<accounts>".
    """
    require(claims, ["claim_id", "accused_party", "unit", "value"], "claims")
    indexed = claims.set_index("claim_id")
    for claim_id in (volume_claim, accounts_claim):
        if claim_id not in indexed.index or blank(indexed.loc[claim_id, "value"]):
            raise LedgerError(f"claim '{claim_id}' is not in claims or has no value")
    volume, accounts = float(indexed.loc[volume_claim, "value"]), float(indexed.loc[accounts_claim, "value"])
    return {
        "campaign_id": f"{volume_claim}/{accounts_claim}",
        "accused_company": str(indexed.loc[volume_claim, "accused_party"]),
        "unit": str(indexed.loc[volume_claim, "unit"]),
        "volume": volume,
        "accounts": accounts,
        "per_account": exchanges_per_account(volume, accounts),
        "window_days": float("nan"),
        "per_account_day": float("nan"),
    }
