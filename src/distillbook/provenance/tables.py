"""Tables of chapter 06: detection by watermarked share, fingerprints by seed, and the toy beside Sander et al."""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["share", "seed", "z_score", "p_value", "permutation_p_value"]


def detection_long(closed: pd.DataFrame, opened: pd.DataFrame, tokens_read: int) -> pd.DataFrame:
    """Both tests in one long table (share, seed, test, z_score, p_value, permutation_p_value); the closed test
    at ``tokens_read`` characters of the suspect's text."""
    at_budget = closed[closed["tokens_read"] == tokens_read]
    if at_budget.empty:
        raise KeyError(f"the closed-model test was not run at {tokens_read} characters")
    return pd.concat(
        [
            at_budget[COLUMNS].assign(test="outputs only (closed model)"),
            opened[COLUMNS].assign(test="open weights"),
        ],
        ignore_index=True,
    )


def detection_by_share(long: pd.DataFrame) -> pd.DataFrame:
    """Per share and test: seeds detected at p < 0.01, median z-score and its range over seeds, for readers."""
    rows = []
    for (share, test), part in long.groupby(["share", "test"], sort=True):
        z = part["z_score"]
        rows.append(
            {
                "Watermarked share": f"{100 * share:.0f}%",
                "What the accuser reads": test,
                "Detected (p < 0.01)": f"{int((part['p_value'] < 0.01).sum())} of {len(part)} seeds",
                "Median z-score": f"{z.median():.1f}",
                "Range over seeds": f"{z.min():.1f} to {z.max():.1f}",
            }
        )
    return pd.DataFrame(rows)


def fingerprint_table(results: pd.DataFrame) -> pd.DataFrame:
    """The fingerprint test per seed, formatted: prompts, agreements (%) and the permutation p-value."""
    return pd.DataFrame(
        {
            "Seed": results["seed"],
            "Quirk prompts": results["prompts"].map("{:,}".format),
            "Distilled student agrees (%)": (100 * results["suspect_agreement"]).map("{:.1f}".format),
            "Independent student agrees (%)": (100 * results["control_agreement"]).map("{:.1f}".format),
            "p-value (permutation)": results["p_value"].map("{:.2g}".format),
        }
    )


def beside_published(published: pd.DataFrame, toy: pd.DataFrame) -> pd.DataFrame:
    """Sander et al.'s headline results beside the toy's at the nearest share, one row per (setting, source)."""
    rows = []
    for _, row in published.iterrows():
        rows.append(
            {
                "Who": row["study"],
                "What the accuser reads": row["suspect_access"],
                "Watermarked share": f"{row['watermarked_share_percent']:g}%",
                "p-value": f"{row['p_value_bound_kind']} {row['p_value_bound']:.0e}",
            }
        )
    for _, row in toy.iterrows():
        rows.append(
            {
                "Who": "this chapter's toy (median over seeds)",
                "What the accuser reads": row["test"],
                "Watermarked share": f"{100 * row['share']:.0f}%",
                "p-value": f"{row['p_value']:.2g}",
            }
        )
    return pd.DataFrame(rows)


def minus_log10(p: float) -> float:
    """-log10 of a p-value, for gluing strengths (floor at 1e-300)."""
    return float(-np.log10(max(p, 1e-300)))


def cost_table(cost: pd.DataFrame) -> pd.DataFrame:
    """The honest-user cost by watermark bias, formatted: δ, bits per character without and with, increase (%)."""
    return pd.DataFrame(
        {
            "Bias δ (logits)": cost["delta"].map("{:g}".format),
            "Without watermark (bits per character)": cost["clean_bpc"].map("{:.2f}".format),
            "With watermark (bits per character)": cost["watermarked_bpc"].map("{:.2f}".format),
            "Cost to honest users (%)": (100 * (cost["watermarked_bpc"] / cost["clean_bpc"] - 1)).map("{:.1f}".format),
        }
    )
