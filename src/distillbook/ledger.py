"""The claims ledger: every statement about distillation kept as a claim with a status, never as a fact.

Functions take the book's tables (``claims``, ``events``, ``distillation_campaigns``, and the cells of the news
article's comparison table from ``article_claims``) as DataFrames and return DataFrames of display strings or
plain numbers. They never load data themselves. Verdicts on the article come from :mod:`distillbook.factcheck`.

Units: ``exchanges`` are Anthropic's (undefined) unit of prompt-and-reply; ``accounts`` are fraudulent accounts
as the accuser counts them; ``days`` are calendar days; shares are percentages (0 to 100).
"""

from __future__ import annotations

import math

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from distillbook import style
from distillbook.errors import BookError

#: Words used for each ``bound`` value when a figure is written out.
BOUND_WORDS = {"at least": "over", "approximately": "about", "exactly": "", "not stated": ""}
#: Columns of the evidence matrix, in the order of strength of what was published.
EVIDENCE_ORDER = ["logs", "forensic audit", "legal filing", "description only", "none"]


class LedgerError(BookError):
    """A table passed to a ledger function lacks a column, or a parameter is out of range."""


def _require(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LedgerError(f"{name} has no column(s) {missing}")


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or value == ""


def stated_figure(value: float | None, bound: str, unit: str | None) -> str:
    """Return a figure as the claimant worded it, e.g. ``"over 16,000,000 exchanges"``; "no figure" if none."""
    if _blank(value):
        return "no figure"
    if bound not in BOUND_WORDS:
        raise LedgerError(f"bound '{bound}' is not one of {sorted(BOUND_WORDS)}")
    words = [BOUND_WORDS[bound], f"{float(value):,.0f}", "" if _blank(unit) else str(unit)]
    return " ".join(word for word in words if word)


def _date_text(value: object) -> str:
    return "not given" if _blank(value) or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def claims_ledger(claims: pd.DataFrame) -> pd.DataFrame:
    """Return the ledger as display strings, one row per claim in claim_id order.

    Columns: ID, Date, Claimant, About, Claim, Figure (as worded, see :func:`stated_figure`), Status,
    Independent verification, Evidence published, Source (the source_id, for ``{cite}``).
    """
    needed = ["claim_id", "date", "claimant", "accused_party", "claim", "value", "bound", "unit", "status"]
    _require(claims, [*needed, "independent_verification", "evidence_published", "source_id"], "claims")
    ordered = claims.sort_values("claim_id", kind="mergesort")
    return pd.DataFrame(
        {
            "ID": ordered["claim_id"].astype(str),
            "Date": [_date_text(d) for d in ordered["date"]],
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


def count_by(claims: pd.DataFrame, column: str) -> dict[str, int]:
    """Return {value: number of claims} for ``column``, sorted by value."""
    _require(claims, [column], "claims")
    counts = claims[column].astype(str).value_counts()
    return {str(key): int(counts[key]) for key in sorted(counts.index)}


def evidence_matrix(claims: pd.DataFrame) -> pd.DataFrame:
    """Return who published what: one row per claimant, number of claims per kind of evidence published.

    Columns: Claimant, one per :data:`EVIDENCE_ORDER` value, "denials" (claims with status "denied") and
    "verified (any)" (claims with partial or full independent verification). Cells are integer counts;
    claimants are sorted by number of claims (most first), then name.
    """
    _require(claims, ["claimant", "evidence_published", "status", "independent_verification"], "claims")
    frame = claims.assign(claimant=claims["claimant"].astype(str))
    table = pd.crosstab(frame["claimant"], frame["evidence_published"].astype(str))
    table = table.reindex(columns=EVIDENCE_ORDER, fill_value=0)
    table["denials"] = frame.groupby("claimant")["status"].apply(lambda s: int((s == "denied").sum()))
    verified = frame["independent_verification"].isin(["partial", "full"])
    table["verified (any)"] = verified.groupby(frame["claimant"]).sum().astype(int)
    table["total"] = frame.groupby("claimant").size()
    table = table.reset_index().rename(columns={"claimant": "Claimant"})
    table = table.sort_values(["total", "Claimant"], ascending=[False, True], kind="mergesort")
    return table.drop(columns="total").reset_index(drop=True).astype({c: int for c in table.columns[1:-1]})


def campaign_shares(campaigns: pd.DataFrame, source_id: str) -> pd.DataFrame:
    """Return the campaigns of one report with their exchanges and shares of the sum (percent).

    Columns: accused_company, exchanges (the stated figure, a lower bound when ``exchanges_bound`` is
    "at least"), exchanges_bound, share_percent (of the sum of the report's campaigns). Largest first.
    """
    _require(campaigns, ["accused_company", "exchanges_lower_bound", "exchanges_bound", "source_id"], "campaigns")
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


def exchanges_per_account(exchanges: float, accounts: float) -> float:
    """Return the average number of exchanges per account (exchanges / accounts), a rough mean."""
    if not accounts > 0:
        raise LedgerError(f"accounts must be positive, got {accounts}")
    if exchanges < 0:
        raise LedgerError(f"exchanges must not be negative, got {exchanges}")
    return float(exchanges) / float(accounts)


def accounts_needed(exchanges: float, days: float, cap_exchanges_per_account_day: float | np.ndarray) -> np.ndarray:
    """Return the fewest accounts (whole accounts) that can make ``exchanges`` in ``days`` under a daily cap.

    Each account makes at most ``cap_exchanges_per_account_day`` exchanges a day (a rate limit, or the level
    above which the provider would notice it), so ``ceil(exchanges / (days * cap))`` accounts are needed.
    Works element-wise on an array of caps; returns an int64 array (a 0-d array for a scalar cap).
    """
    caps = np.asarray(cap_exchanges_per_account_day, dtype="float64")
    if exchanges < 0:
        raise LedgerError(f"exchanges must not be negative, got {exchanges}")
    if not days > 0:
        raise LedgerError(f"days must be positive, got {days}")
    if np.any(~(caps > 0)):
        raise LedgerError("every cap (exchanges per account per day) must be positive")
    # Round before ceil so 16,000,000 / (100 * 1,000) is exactly 160, not 161 from floating-point noise.
    return np.ceil(np.round(float(exchanges) / (float(days) * caps), 9)).astype("int64")


def implied_exchanges_per_account_day(exchanges: float, accounts: float, days: float) -> float:
    """Return the average exchanges per account per day if ``accounts`` worked evenly for ``days`` days."""
    if not days > 0:
        raise LedgerError(f"days must be positive, got {days}")
    return exchanges_per_account(exchanges, accounts) / float(days)


def accounts_needed_grid(exchanges: float, days: list[float], caps: np.ndarray) -> pd.DataFrame:
    """Return accounts needed for every (campaign length, cap) pair: columns days, cap, accounts (long form)."""
    rows = [
        pd.DataFrame(
            {
                "days": float(d),
                "cap": np.asarray(caps, dtype="float64"),
                "accounts": accounts_needed(exchanges, d, caps),
            }
        )
        for d in days
    ]
    return pd.concat(rows, ignore_index=True)


def plot_accounts_needed(grid: pd.DataFrame, ax: Axes, marked_accounts: float, marked_label: str) -> Axes:
    """Plot accounts needed against the per-account daily cap, one line per campaign length; return ``ax``.

    Both axes are logarithmic. A horizontal dashed line marks ``marked_accounts`` (labelled ``marked_label``).
    """
    _require(grid, ["days", "cap", "accounts"], "grid")
    lengths = sorted(grid["days"].unique())
    shades = np.linspace(0.7, 0.1, len(lengths))
    for days, shade in zip(lengths, shades, strict=True):
        part = grid[grid["days"] == days]
        ax.plot(part["cap"], part["accounts"], color=str(round(float(shade), 3)), label=f"{days:,.0f} days")
    ax.axhline(marked_accounts, color=style.colour("Anthropic"), linestyle="--", linewidth=1.2)
    ax.text(
        grid["cap"].max(),
        marked_accounts * 1.15,
        marked_label,
        ha="right",
        va="bottom",
        fontsize=8,
        color=style.colour("Anthropic"),
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("Per-account cap (exchanges per account per day, log scale)")
    ax.set_ylabel("Accounts needed (log scale)")
    ax.legend(title="Campaign length", loc="lower left")
    return ax


def plot_campaign_volumes(shares: pd.DataFrame, ax: Axes, reference: float, reference_label: str) -> Axes:
    """Draw alleged exchanges per company as horizontal bars on a log axis, with shares; return ``ax``.

    ``shares`` is the output of :func:`campaign_shares`. Each bar is labelled with its share of the sum
    (percent); a vertical dotted line marks ``reference`` (for example a dataset size), named in the legend.
    """
    _require(shares, ["accused_company", "exchanges", "share_percent"], "shares")
    order = shares.sort_values("exchanges", kind="mergesort")
    colours = [style.colour(c) for c in order["accused_company"]]
    ax.barh(order["accused_company"], order["exchanges"], color=colours)
    for y, (value, share) in enumerate(zip(order["exchanges"], order["share_percent"], strict=True)):
        ax.text(value * 1.1, y, f"over {value:,.0f} ({share:.1f}% of sum)", va="center", fontsize=8)
    ax.axvline(reference, color=style.colour("DeepSeek"), linestyle=":", linewidth=1.5, label=reference_label)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(order["exchanges"].min() / 3, order["exchanges"].max() * 20)
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("Exchanges with Claude (as alleged; log scale)")
    ax.grid(axis="y", visible=False)
    return ax


# --- The article's comparison table, rebuilt from the ledger -------------------------------------------------


def _figure_from_claims(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "no figure stated"
    return (
        "; ".join(
            f"{stated_figure(r.value, r.bound, r.unit)} ({r.claim_id})"
            for r in rows.itertuples()
            if not _blank(r.value)
        )
        or "no figure stated"
    )


def _named(parties: pd.Series) -> list[str]:
    names: list[str] = []
    for cell in parties.dropna().astype(str):
        for name in (part.strip() for part in cell.split(";")):
            if name and "unnamed" not in name and name not in names:
                names.append(name)
    return names


def comparison_table(
    claims: pd.DataFrame,
    events: pd.DataFrame,
    campaigns: pd.DataFrame,
    article: pd.DataFrame,
    allegations: dict[str, dict[str, object]],
    article_date: str,
    verdicts: pd.Series,
) -> pd.DataFrame:
    """Rebuild the article's OpenAI-versus-Anthropic table from the ledger, beside the article's cells and their
    verdicts.

    ``article`` has one row per cell of the article's table, with columns claim_id, dimension, accuser and
    article_text (the cells of ``article_claims``, whose ``attributed_to`` is the accuser). ``verdicts`` maps
    claim_id to the verdict shown (computed by :mod:`distillbook.factcheck`, the book's only verdict rule;
    nothing here judges a cell). ``allegations`` maps each accuser to ``{"event_id": ..., "date": "YYYY-MM-DD",
    "method_claims": [...], "campaign_source": source_id or None}``: the event that published the allegation,
    the date of its claims in ``claims``, the claim ids that describe the method, and the source of its
    per-company campaigns. ``article_date`` (YYYY-MM-DD) bounds what counts as a response "as of publication".

    Returns one row per cell: Dimension, Accuser, Sources say (built from the data, with claim or event ids),
    Article says and Verdict. Raises :class:`LedgerError` for a dimension it has no rule for or a cell with no
    verdict.
    """
    _require(article, ["claim_id", "dimension", "accuser", "article_text"], "article")
    _require(events, ["event_id", "date", "event"], "events")
    missing = sorted(set(article["claim_id"]) - set(verdicts.index))
    if missing:
        raise LedgerError(f"no verdict for cell(s) {missing}")
    cutoff = pd.Timestamp(article_date)
    rows = []
    for entry in article.itertuples():
        spec = allegations[entry.accuser]
        event = events.loc[events["event_id"] == spec["event_id"]].iloc[0]
        mine = claims[(claims["claimant"] == entry.accuser) & (claims["date"] == pd.Timestamp(spec["date"]))]
        says = _dimension(entry.dimension, entry.accuser, spec, event, mine, claims, events, campaigns, cutoff)
        rows.append(
            {
                "Dimension": entry.dimension,
                "Accuser": entry.accuser,
                "Sources say": says,
                "Article says": entry.article_text,
                "Verdict": verdicts[entry.claim_id],
            }
        )
    return pd.DataFrame(rows)


def _dimension(dimension, accuser, spec, event, mine, claims, events, campaigns, cutoff) -> str:
    """Return what the sources say for one cell of the article's comparison table."""
    if dimension == "Date":
        return f"{pd.Timestamp(event['date']):%d %b %Y} ({event['event_id']})"
    if dimension == "Target committee":
        return f"{event['event']} ({event['event_id']})"
    if dimension == "Companies accused":
        named = _named(mine["accused_party"])
        unnamed = " (and unnamed others)" if mine["accused_party"].str.contains("unnamed").any() else ""
        return ", ".join(named) + unnamed
    if dimension == "Method described":
        chosen = mine[mine["claim_id"].isin(spec["method_claims"])]
        return "; ".join(f"{r.claim} ({r.claim_id})" for r in chosen.itertuples())
    if dimension == "Volume cited":
        return _figure_from_claims(mine[(mine["quantity"] == "exchanges") & mine["accused_party"].str.contains(";")])
    if dimension == "DeepSeek volume":
        return _figure_from_claims(mine[(mine["accused_party"] == "DeepSeek") & mine["value"].notna()])
    if dimension == "Largest alleged offender":
        if spec["campaign_source"] is None:
            return f"{', '.join(_named(mine['accused_party']))} (only company named; no volumes)"
        top = campaign_shares(campaigns, spec["campaign_source"]).iloc[0]
        return f"{top['accused_company']} ({BOUND_WORDS[top['exchanges_bound']]} {top['exchanges']:,.0f} exchanges)"
    if dimension == "Independent verification":
        values = sorted(set(mine["independent_verification"].astype(str)))
        return f"{', '.join(values)} (all {len(mine)} claims)"
    if dimension == "Legal action filed":
        filings = claims[(claims["claimant"] == accuser) & (claims["evidence_published"] == "legal filing")]
        return "no legal filing in the ledger" if filings.empty else ", ".join(filings["claim_id"])
    if dimension == "DeepSeek response":
        denials = claims[(claims["claimant"] == "DeepSeek") & (claims["status"] == "denied")]
        since = pd.Timestamp(spec["date"])
        after = denials[(denials["date"] >= since) & (denials["date"] <= cutoff)]
        before = denials[denials["date"] < since]
        silent = events[
            (events["actor"] == "DeepSeek")
            & (events["category"] == "response")
            & (events["date"] >= since)
            & (events["date"] <= cutoff)
        ]
        parts = ["none by the article's date" if after.empty else ", ".join(after["claim_id"])]
        if not silent.empty:
            parts[0] += f" ({', '.join(silent['event_id'])}: no comment)"
        if not before.empty:
            earlier = ", ".join(f"{r.claim_id} ({r.date:%d %b %Y})" for r in before.itertuples())
            parts.append(f"earlier denial of training on rivals' outputs: {earlier}")
        return "; ".join(parts)
    if dimension == "Safety claims":
        return "no safety claim recorded in the ledger"
    raise LedgerError(f"no rule to rebuild the dimension '{dimension}'")
