"""Figures of chapter 3: learning curves of the copies against tokens queried (one signature: ``plot_x(data, ax)``)."""

from __future__ import annotations

import matplotlib.ticker as mticker
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from distillbook import style

#: Each experimental condition's family (for its fixed colour) and line style; top-k variants share a colour.
CONDITION_FAMILY = {
    "soft targets": "soft targets",
    "top-20": "top-k",
    "top-5": "top-k",
    "hard labels": "hard labels",
    "real data": "real data",
}
DASHES = {"soft targets": "", "top-20": "", "top-5": (4, 2), "hard labels": "", "real data": (1, 1.5)}
METRIC_LABELS = {
    "kl_bits": "KL divergence from the teacher\n(bits per character, lower is closer)",
    "bits_per_character": "Bits per character on unseen text\n(lower is better)",
    "agreement": "Top-1 agreement with the teacher (%)",
}


def palette(conditions) -> dict[str, str]:
    """Fixed colour of each condition, from :func:`distillbook.style.condition_colour`."""
    return {c: style.condition_colour(CONDITION_FAMILY[c]) for c in conditions}


def plot_learning_curves(
    results: pd.DataFrame, ax: Axes, metric: str = "kl_bits", reference: float | None = None, legend: bool = True
) -> Axes:
    """Mean ``metric`` against tokens queried (log axis), one line per condition, with the range over seeds as a band
    and each seed as a dot. ``reference`` (e.g. the teacher's own value) is drawn as a black dotted line."""
    frame = results.copy()
    if metric == "agreement":
        frame[metric] = 100 * frame[metric]
    conditions = list(dict.fromkeys(frame["condition"]))
    colours = palette(conditions)
    sns.lineplot(
        data=frame, x="tokens", y=metric, hue="condition", style="condition", hue_order=conditions,
        style_order=conditions, palette=colours, dashes={c: DASHES[c] for c in conditions}, markers=False,
        errorbar=("pi", 100), err_kws={"alpha": 0.15}, ax=ax, legend=legend,
    )  # fmt: skip
    for condition in conditions:
        part = frame[frame["condition"] == condition]
        ax.scatter(part["tokens"], part[metric], s=9, color=colours[condition], alpha=0.7, linewidths=0, zorder=3)
    if reference is not None:
        ax.axhline(reference, color=style.condition_colour("teacher"), linestyle=":", linewidth=1.2)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.set_xlabel("Tokens (characters) returned by the API, log scale")
    ax.set_ylabel(METRIC_LABELS[metric])
    if legend:
        ax.legend(title=None, frameon=False)
    return ax
