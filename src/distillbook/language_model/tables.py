"""Tables of chapter 3: what each API returns, the headline token counts, and generated samples (display strings)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from distillbook.language_model import experiments
from distillbook.language_model.api import LanguageModelAPI


def api_caps_table(caps: pd.DataFrame) -> pd.DataFrame:
    """Display table of the ``api_output_detail`` resource: provider, API, log-probabilities, top-k cap, source."""
    return pd.DataFrame(
        {
            "Provider": caps["provider"],
            "API": caps["api"],
            "Parameter": caps["endpoint_or_parameter"],
            "Returns log-probabilities": caps["returns_logprobs"].map({True: "yes", False: "not documented"}),
            "Most alternatives per token": caps["max_top_k"].map(lambda k: "" if pd.isna(k) else f"{int(k)}"),
            "Source": caps["source_id"],
        }
    )


def reach_table(results: pd.DataFrame, conditions: list[str], metric: str, target: float) -> pd.DataFrame:
    """Per condition: tokens to bring ``metric`` to ``target`` (per-seed mean, min, max; NaN if a seed never does).

    Columns: condition, mean_tokens, min_tokens, max_tokens, seeds_reached, seeds.
    """
    rows = []
    for condition in conditions:
        reached = experiments.tokens_to_reach(results, condition, metric, target)
        ok = reached.dropna()
        rows.append(
            {
                "condition": condition,
                "mean_tokens": float(np.exp(np.log(ok).mean())) if len(ok) == len(reached) else np.nan,
                "min_tokens": float(ok.min()) if len(ok) else np.nan,
                "max_tokens": float(ok.max()) if len(ok) == len(reached) else np.nan,
                "seeds_reached": len(ok),
                "seeds": len(reached),
            }
        )
    return pd.DataFrame(rows)


def characters(value: float) -> str:
    """A character count as shown everywhere in the chapter: rounded to the nearest hundred; NaN is "not reached"."""
    return "not reached" if value != value else f"{round(value, -2):,.0f}"


def factor_table(results: pd.DataFrame, targets: list[float], slow: str, fast: str, metric: str = "kl_bits"):
    """Per target: characters ``fast`` and ``slow`` need to bring ``metric`` to it, and their per-seed ratio.

    Geometric means over seeds with min–max ranges; a condition that some seed never brings to the target shows
    "not reached" (and no ratio). Display strings, one row per target.
    """
    rows = []
    for target in targets:
        reached = {c: experiments.tokens_to_reach(results, c, metric, target) for c in (fast, slow)}
        row = {"Distance from the teacher (KL, bits/char)": f"{target:.2f}"}
        for condition, values in reached.items():
            row[f"{condition}: characters"] = (
                "not reached"
                if values.isna().any()
                else f"{characters(np.exp(np.log(values).mean()))} ({characters(values.min())}–{characters(values.max())})"
            )
        ratio = reached[slow] / reached[fast]
        row["Factor (range over seeds)"] = (
            "—" if ratio.isna().any() else f"{np.exp(np.log(ratio).mean()):.1f}× ({ratio.min():.1f}–{ratio.max():.1f}×)"
        )
        rows.append(row)
    return pd.DataFrame(rows)


def format_reach_table(table: pd.DataFrame, target: float) -> pd.DataFrame:
    """Display version of :func:`reach_table` (geometric mean over seeds and range)."""

    return pd.DataFrame(
        {
            "What the API returns": table["condition"],
            f"Characters to KL ≤ {target} bits/char (geometric mean)": table["mean_tokens"].map(characters),
            "Fewest (seed)": table["min_tokens"].map(characters),
            "Most (seed)": table["max_tokens"].map(characters),
            "Seeds that reach it": [f"{r} of {n}" for r, n in zip(table["seeds_reached"], table["seeds"], strict=True)],
        }
    )


def samples_table(models: dict, prompt: str, length: int, seed: int) -> pd.DataFrame:
    """One generated continuation of ``prompt`` per model in ``models`` (label -> model), all with sampling seed
    ``seed``; each model reads the last ``context`` characters of the prompt. Newlines are shown as "⏎"."""
    rows = []
    for label, net in models.items():
        api = LanguageModelAPI(net, "text", seed=seed)
        tokens = api.query([prompt[-net.context :]], length).tokens[0]
        rows.append({"Model": label, "Continuation": net.vocabulary.decode(tokens).replace("\n", " ⏎ ")})
    return pd.DataFrame(rows)


def _mean_and_range(values: pd.Series, digits: int) -> str:
    return f"{values.mean():.{digits}f} ({values.min():.{digits}f}–{values.max():.{digits}f})"


def summary_table(results: pd.DataFrame, conditions: list[str], tokens: int) -> pd.DataFrame:
    """Display table at one budget: per condition, each measure's mean over seeds and its range (lowest-highest)."""
    part = results[results["tokens"] == tokens]
    rows = []
    for condition in conditions:
        chosen = part[part["condition"] == condition]
        rows.append(
            {
                "What the student learned from": condition,
                "KL from teacher (bits/char)": _mean_and_range(chosen["kl_bits"], 3),
                "Bits per character on real text": _mean_and_range(chosen["bits_per_character"], 3),
                "Top-1 agreement (%)": _mean_and_range(100 * chosen["agreement"], 1),
            }
        )
    return pd.DataFrame(rows)
