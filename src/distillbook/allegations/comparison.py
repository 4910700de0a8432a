"""The article's OpenAI-versus-Anthropic table, rebuilt cell by cell from the ledger by generic rules.

Which rule answers which row of the article's table is data the caller passes (``rules``: dimension -> rule name
and parameters), not a switch on English labels here. Each rule reads the ledger the same way for every accuser
and writes what it finds, including "none in the ledger" when nothing matches: no rule returns a fixed finding.
Verdicts are passed in from :mod:`distillbook.factcheck`, the book's only verdict rule; nothing here judges a cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from distillbook.allegations.ledger import BOUND_WORDS, LedgerError, blank, campaign_shares, require, stated_figure

NONE_FOUND = "none in the ledger"


@dataclass(frozen=True)
class Context:
    """What one rule may read: the accuser's spec, its event, its claims and the book's tables."""

    accuser: str
    spec: dict
    event: pd.Series
    mine: pd.DataFrame
    claims: pd.DataFrame
    events: pd.DataFrame
    campaigns: pd.DataFrame
    cutoff: pd.Timestamp


def _figures(rows: pd.DataFrame) -> str:
    listed = [
        f"{stated_figure(r.value, r.bound, r.unit)} ({r.claim_id})" for r in rows.itertuples() if not blank(r.value)
    ]
    return "; ".join(listed) or "no figure stated"


def _named(parties: pd.Series) -> list[str]:
    names: list[str] = []
    for cell in parties.dropna().astype(str):
        for name in (part.strip() for part in cell.split(";")):
            if name and "unnamed" not in name and name not in names:
                names.append(name)
    return names


def event_date(ctx: Context) -> str:
    """The date of the accuser's event, with its id."""
    return f"{pd.Timestamp(ctx.event['date']):%d %b %Y} ({ctx.event['event_id']})"


def event_text(ctx: Context) -> str:
    """The description of the accuser's event, with its id."""
    return f"{ctx.event['event']} ({ctx.event['event_id']})"


def named_parties(ctx: Context) -> str:
    """The parties the accuser's claims name, and whether unnamed others are accused too."""
    unnamed = " (and unnamed others)" if ctx.mine["accused_party"].str.contains("unnamed").any() else ""
    return ", ".join(_named(ctx.mine["accused_party"])) + unnamed


def listed_claims(ctx: Context, key: str) -> str:
    """The claims whose ids the accuser's spec lists under ``key``, with their ids."""
    chosen = ctx.mine[ctx.mine["claim_id"].isin(ctx.spec[key])]
    return "; ".join(f"{r.claim} ({r.claim_id})" for r in chosen.itertuples()) or NONE_FOUND


def figures(ctx: Context, quantity: str, party: str | None = None) -> str:
    """The accuser's figures in ``quantity``: about several parties (``party`` None) or about ``party`` alone."""
    rows = ctx.mine[ctx.mine["quantity"] == quantity]
    rows = rows[rows["accused_party"].str.contains(";")] if party is None else rows[rows["accused_party"] == party]
    return _figures(rows)


def largest_campaign(ctx: Context) -> str:
    """The largest per-company campaign of the accuser's report, or the only party named if it gives none."""
    if ctx.spec.get("campaign_source") is None:
        return f"{', '.join(_named(ctx.mine['accused_party']))} (only company named; no volumes)"
    top = campaign_shares(ctx.campaigns, ctx.spec["campaign_source"]).iloc[0]
    return f"{top['accused_company']} ({BOUND_WORDS[top['exchanges_bound']]} {top['exchanges']:,.0f} exchanges)"


def distinct_values(ctx: Context, column: str) -> str:
    """The distinct values of ``column`` among the accuser's claims, and how many claims there are."""
    values = sorted(set(ctx.mine[column].astype(str)))
    return f"{', '.join(values)} (all {len(ctx.mine)} claims)"


def claims_where(ctx: Context, column: str, value: str | None = None, contains: str | None = None) -> str:
    """The ids of the accuser's claims (any date) whose ``column`` equals ``value`` or contains the word
    ``contains`` (case-insensitive), or "none in the ledger"."""
    if (value is None) == (contains is None):
        raise LedgerError("claims where needs exactly one of value and contains")
    cells = ctx.claims[column].astype("string").fillna("")
    hit = cells == value if contains is None else cells.str.contains(rf"\b{contains}\b", case=False, regex=True)
    rows = ctx.claims[(ctx.claims["claimant"] == ctx.accuser) & hit]
    return NONE_FOUND if rows.empty else ", ".join(rows["claim_id"])


def responses(ctx: Context, party: str) -> str:
    """``party``'s denials between the accuser's date and the cutoff, its no-comment events, and earlier denials."""
    denials = ctx.claims[(ctx.claims["claimant"] == party) & (ctx.claims["status"] == "denied")]
    since = pd.Timestamp(ctx.spec["date"])
    after = denials[(denials["date"] >= since) & (denials["date"] <= ctx.cutoff)]
    before = denials[denials["date"] < since]
    events = ctx.events
    silent = events[
        (events["actor"] == party)
        & (events["category"] == "response")
        & (events["date"] >= since)
        & (events["date"] <= ctx.cutoff)
    ]
    parts = ["none by the article's date" if after.empty else ", ".join(after["claim_id"])]
    if not silent.empty:
        parts[0] += f" ({', '.join(silent['event_id'])}: no comment)"
    if not before.empty:
        earlier = ", ".join(f"{r.claim_id} ({r.date:%d %b %Y})" for r in before.itertuples())
        parts.append(f"earlier denial of training on rivals' outputs: {earlier}")
    return "; ".join(parts)


#: The generic rules a caller may name, by name.
RULES: dict[str, Callable[..., str]] = {
    "event date": event_date,
    "event text": event_text,
    "named parties": named_parties,
    "listed claims": listed_claims,
    "figures": figures,
    "largest campaign": largest_campaign,
    "distinct values": distinct_values,
    "claims where": claims_where,
    "responses": responses,
}


def comparison_table(
    claims: pd.DataFrame,
    events: pd.DataFrame,
    campaigns: pd.DataFrame,
    article: pd.DataFrame,
    allegations: dict[str, dict[str, object]],
    rules: dict[str, dict[str, object]],
    article_date: str,
    verdicts: pd.Series,
) -> pd.DataFrame:
    """Rebuild the article's comparison table from the ledger, beside the article's cells and their verdicts.

    ``article`` has one row per cell, with columns claim_id, dimension, accuser and article_text. ``allegations``
    maps each accuser to ``{"event_id", "date" (YYYY-MM-DD, the date of its claims), ...}`` plus whatever keys its
    rules read (e.g. ``"method_claims"``, ``"campaign_source"``). ``rules`` maps each dimension to
    ``{"rule": name in RULES, **parameters}``. ``verdicts`` maps claim_id to the verdict shown. ``article_date``
    bounds what counts as a response "as of publication".

    Returns one row per cell: Claim (the article claim's id, AC...), Dimension, Accuser, Sources say (with
    ledger claim or event ids), Article says, Verdict: each verdict sits in the row of the claim it belongs to.
    Raises :class:`LedgerError` for a dimension with no rule, an unknown rule, or a cell with no verdict.
    """
    require(article, ["claim_id", "dimension", "accuser", "article_text"], "article")
    require(events, ["event_id", "date", "event"], "events")
    missing = sorted(set(article["claim_id"]) - set(verdicts.index))
    if missing:
        raise LedgerError(f"no verdict for cell(s) {missing}")
    cutoff = pd.Timestamp(article_date)
    rows = []
    for entry in article.itertuples():
        if entry.dimension not in rules:
            raise LedgerError(f"no rule to rebuild the dimension '{entry.dimension}' (claim {entry.claim_id})")
        params = dict(rules[entry.dimension])
        name = params.pop("rule")
        if name not in RULES:
            raise LedgerError(f"dimension '{entry.dimension}' names unknown rule '{name}'; known: {sorted(RULES)}")
        spec = allegations[entry.accuser]
        event = events.loc[events["event_id"] == spec["event_id"]].iloc[0]
        mine = claims[(claims["claimant"] == entry.accuser) & (claims["date"] == pd.Timestamp(spec["date"]))]
        ctx = Context(entry.accuser, spec, event, mine, claims, events, campaigns, cutoff)
        rows.append(
            {
                "Claim": entry.claim_id,
                "Dimension": entry.dimension,
                "Accuser": entry.accuser,
                "Sources say": RULES[name](ctx, **params),
                "Article says": entry.article_text,
                "Verdict": verdicts[entry.claim_id],
            }
        )
    return pd.DataFrame(rows)


# --- The article's table as data: which rule answers each of its rows, and what each accuser's allegation is ---

#: Row of the article's comparison table -> generic rule (and its parameters) that rebuilds it from the ledger.
ARTICLE_RULES: dict[str, dict[str, object]] = {
    "Date": {"rule": "event date"},
    "Target committee": {"rule": "event text"},
    "Companies accused": {"rule": "named parties"},
    "Method described": {"rule": "listed claims", "key": "method_claims"},
    "Volume cited": {"rule": "figures", "quantity": "exchanges"},
    "DeepSeek volume": {"rule": "figures", "quantity": "exchanges", "party": "DeepSeek"},
    "Largest alleged offender": {"rule": "largest campaign"},
    "Independent verification": {"rule": "distinct values", "column": "independent_verification"},
    "Legal action filed": {"rule": "claims where", "column": "evidence_published", "value": "legal filing"},
    "DeepSeek response": {"rule": "responses", "party": "DeepSeek"},
    "Safety claims": {"rule": "claims where", "column": "claim", "contains": "safety"},
}
#: The two allegations the article compares: the event that published each, the date of its claims in the
#: ledger, the claims that describe its method, and the source of its per-company campaigns (None: none given).
ARTICLE_ALLEGATIONS: dict[str, dict[str, object]] = {
    "OpenAI": {
        "event_id": "E15",
        "date": "2026-02-12",
        "method_claims": ["C13", "C14", "C15"],
        "campaign_source": None,
    },
    "Anthropic": {
        "event_id": "E17",
        "date": "2026-02-23",
        "method_claims": ["C02", "C08", "C10"],
        "campaign_source": "anthropic-distillation-2026",
    },
}
#: The article's comparison table, cell by cell, as claim ids of ``article_claims`` (in the article's order).
ARTICLE_CELLS = [
    "AC002", "AC004", "AC029", "AC030", "AC012", "AC011", "AC031", "AC018", "AC032", "AC015", "AC033",
    "AC021", "AC013", "AC025", "AC027", "AC028", "AC035", "AC036", "AC037", "AC038", "AC039", "AC040",
]  # fmt: skip


def article_cells(article_claims: pd.DataFrame) -> pd.DataFrame:
    """Return the article's comparison cells (:data:`ARTICLE_CELLS`, in order) with the columns
    :func:`comparison_table` reads: claim_id, dimension, accuser (``attributed_to``), article_text (wording)."""
    require(article_claims, ["claim_id", "dimension", "attributed_to", "article_wording"], "article_claims")
    indexed = article_claims.set_index("claim_id")
    missing = [c for c in ARTICLE_CELLS if c not in indexed.index]
    if missing:
        raise LedgerError(f"article_claims has no row(s) {missing}")
    cells = indexed.loc[ARTICLE_CELLS, ["dimension", "attributed_to", "article_wording"]].reset_index()
    return cells.rename(columns={"attributed_to": "accuser", "article_wording": "article_text"})
