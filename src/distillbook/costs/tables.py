"""Display helpers for the cost chapter: dollar amounts as text and the chapter's small tables, ready to show."""

from __future__ import annotations

import pandas as pd

from distillbook.costs._checks import check


def usd_text(value: float, significant: int = 3) -> str:
    """Format a dollar amount for prose and tables with ``significant`` figures: $5.58M, $294K, $2, $0.0093."""
    value = float(check("value", value))
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= scale:
            return f"${value / scale:.{significant}g}{suffix}"
    if value >= 1:
        return f"${value:,.2f}".removesuffix(".00")
    return f"${value:.{significant - 1}g}" if value > 0 else "$0"


def ratio_text(value: float) -> str:
    """Format a ratio as '14.1x', or an em dash where it could not be computed (NaN)."""
    return "\u2014" if pd.isna(value) else f"{value:.1f}x"


def comparison_table(compared: pd.DataFrame) -> pd.DataFrame:
    """Return :func:`~distillbook.costs.training.compare_costs` output as a table for readers.

    Columns: comparison, GPT-4, DeepSeek-V3 (each 'cost, method (basis)'), GPT-4 / V3 and like for like. Optional
    columns ``basis_a``/``basis_b`` say who made each estimate and how; a missing estimate shows as 'none', so the
    reader sees why no ratio is given.
    """

    def side(cost: float, method: str, basis: str) -> str:
        amount = "none" if pd.isna(cost) else usd_text(cost)
        return f"{amount}, {method}" + (f" ({basis})" if isinstance(basis, str) and basis else "")

    def column(suffix: str) -> list[str]:
        bases = compared.get(f"basis_{suffix}", pd.Series([""] * len(compared)))
        triples = zip(compared[f"cost_{suffix}_usd"], compared[f"method_{suffix}"], bases, strict=True)
        return [side(*triple) for triple in triples]

    return pd.DataFrame(
        {
            "comparison": compared["comparison"],
            "GPT-4": column("a"),
            "DeepSeek-V3": column("b"),
            "GPT-4 / V3": compared["ratio"].map(ratio_text),
            "like for like": compared["like_for_like"].map({True: "yes", False: "no"}),
        }
    )


def price_ratio_table(ratios: pd.DataFrame, dearer: str, cheaper: str) -> pd.DataFrame:
    """Return :func:`~distillbook.costs.pricing.price_comparison` output as a table with dollar prices."""
    return pd.DataFrame(
        {
            "price per million tokens": ratios["price"],
            dearer: ratios["dearer_usd_per_million_tokens"].map("${:.2f}".format),
            cheaper: ratios["cheaper_usd_per_million_tokens"].map("${:.3g}".format),
            f"{dearer} / {cheaper}": ratios["ratio"].map(ratio_text),
            f"{cheaper} cheaper by": ratios["reduction_percent"].map("{:.1f}%".format),
        }
    )


def scenario_table(scenarios, summary: pd.DataFrame, central_model: str) -> pd.DataFrame:
    """Return the campaign scenarios with their token assumptions and total cost (central model, model range)."""
    by_name = {s.name: s for s in scenarios}

    def tokens(name: str, field: str) -> str:
        return f"{getattr(by_name[name], field):,.0f}" if name in by_name else "per company"

    return pd.DataFrame(
        {
            "scenario": summary["scenario"],
            "input tokens": [tokens(n, "input_tokens") for n in summary["scenario"]],
            "output tokens": [tokens(n, "output_tokens") for n in summary["scenario"]],
            "cached input": [
                f"{by_name[n].cache_hit_share:.0%}" if n in by_name else "per company" for n in summary["scenario"]
            ],
            f"total at {central_model}": summary["cost_usd"].map(usd_text),
            "range over models": summary["low_usd"].map(usd_text) + " to " + summary["high_usd"].map(usd_text),
        }
    )
