"""Tables of chapter 06: detection by watermarked share, fingerprints by seed, and the toy beside Sander et al."""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["share", "seed", "z_score", "p_value"]


def detection_long(closed: pd.DataFrame, opened: pd.DataFrame, tokens_read: int) -> pd.DataFrame:
    """Both tests in one long table (share, seed, test, z_score, p_value: the key-permutation p-value); the closed
    test at ``tokens_read`` characters of the suspect's text."""
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


def p_text(p: float, floor: float) -> str:
    """A permutation p-value for readers: "≤ floor" at the smallest value the keys can give."""
    return f"≤ {floor:.0e}" if p <= floor * (1 + 1e-9) else f"{p:.2g}"


def detection_by_share(long: pd.DataFrame, floor: float) -> pd.DataFrame:
    """Per share and test: runs detected at p < 0.01, the median p-value, and the z-score's range (strength only)."""
    rows = []
    for (share, test), part in long.groupby(["share", "test"], sort=True):
        z = part["z_score"]
        rows.append(
            {
                "Watermarked share": f"{100 * share:.0f}%",
                "What the accuser reads": test,
                "Detected (p < 0.01)": f"{int((part['p_value'] < 0.01).sum())} of {len(part)} runs",
                "Median p-value": p_text(part["p_value"].median(), floor),
                "z-score, range over runs": f"{z.min():.1f} to {z.max():.1f}",
            }
        )
    return pd.DataFrame(rows)


def fingerprint_table(results: pd.DataFrame) -> pd.DataFrame:
    """The fingerprint test per model, formatted: agreement with the teacher on its quirk prompts (all of them, and
    those where the teacher is wrong) and accuracy on every context, in percent."""
    return pd.DataFrame(
        {
            "Student": results["model"].map({"distilled": "copied from the teacher", "honest": "honest (real text)"}),
            "Seed": results["seed"],
            "Agrees on quirk prompts (%)": (100 * results["agreement"]).map("{:.1f}".format),
            "…where the teacher is wrong (%)": (100 * results["agreement_teacher_wrong"]).map("{:.1f}".format),
            "Accuracy, all contexts (%)": (100 * results["accuracy"]).map("{:.1f}".format),
        }
    )


def beside_published(published: pd.DataFrame, toy: pd.DataFrame, floor: float, characters: int) -> pd.DataFrame:
    """Sander et al.'s headline results beside the toy's, with each row's setting; not a like-for-like comparison.

    ``toy`` has test, share and p_value (median key-permutation p over runs); ``characters`` is the size of the
    toy students' training text, so each share's absolute amount of watermarked text can be shown.
    """
    rows = []
    for _, row in published.iterrows():
        rows.append(
            {
                "Who": row["study"],
                "Setting": f"{row['suspect_access']}; {row['training']}; {row['watermark']}",
                "Watermarked share": f"{row['watermarked_share_percent']:g}%",
                "p-value": f"{row['p_value_bound_kind']} {row['p_value_bound']:.0e}",
            }
        )
    for _, row in toy.iterrows():
        marked = round(row["share"] * characters)
        rows.append(
            {
                "Who": "this chapter's toy (median of runs)",
                "Setting": f"{row['test']}; {characters:,} training characters; green list, one-character history",
                "Watermarked share": f"{100 * row['share']:.0f}% ({marked:,} characters)",
                "p-value": p_text(row["p_value"], floor),
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
