"""Figures of chapter 06 (one signature: ``plot_x(data, ax) -> ax``): detection strength, tokens read, fingerprints."""

from __future__ import annotations

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from distillbook import style

#: What each test reads, and the colour of the condition it resembles: text alone (like a label) or distributions.
TEST_COLOURS = {
    "outputs only (closed model)": style.condition_colour("hard labels"),
    "open weights": style.condition_colour("soft targets"),
}
#: The level the chapter tests at (p = 0.01), as -log10 p.
LEVEL = 2.0


def plot_detection(results: pd.DataFrame, ax: Axes, floor: float) -> Axes:
    """-log10 of each test's key-permutation p-value by the watermarked share of the student's training text.

    ``results`` has columns share (0 to 1), seed, test (a key of :data:`TEST_COLOURS`) and p_value. Each run is a
    dot; the line joins the medians. Above the dashed line the test rejects at p < 0.01; the dotted line is
    ``floor``, the smallest p-value the keys can give.
    """
    frame = results.assign(share_percent=100 * results["share"], strength=-np.log10(results["p_value"]))
    order = [t for t in TEST_COLOURS if t in set(frame["test"])]
    sns.lineplot(data=frame, x="share_percent", y="strength", hue="test", hue_order=order, palette=TEST_COLOURS,
                 estimator="median", errorbar=None, marker="o", ax=ax)  # fmt: skip
    # Runs side by side (a fixed offset per seed, not random jitter, so the figure's bytes repeat exactly).
    seeds = sorted(frame["seed"].unique())
    offset = frame["seed"].map({seed: i - (len(seeds) - 1) / 2 for i, seed in enumerate(seeds)})
    for test in order:
        part = frame["test"] == test
        ax.scatter(frame.loc[part, "share_percent"] + offset[part], frame.loc[part, "strength"], s=16, alpha=0.7,
                   color=TEST_COLOURS[test], linewidths=0, zorder=3)  # fmt: skip
    ax.axhline(LEVEL, color=style.PALETTE["grey"], linestyle="--", linewidth=1)
    ax.axhline(-np.log10(floor), color=style.PALETTE["grey"], linestyle=":", linewidth=1)
    ax.set_xlabel("Share of the student's training text from the watermarked API (%)")
    ax.set_ylabel("Evidence of the watermark, −log10 p\n(dashed: p = 0.01; dotted: smallest possible p)")
    ax.legend(title="What the accuser reads", frameon=False)
    return ax


def plot_tokens_read(closed: pd.DataFrame, ax: Axes) -> Axes:
    """z-score of the closed-model test against the suspect's characters read (log axis), one line per share.

    ``closed`` has columns tokens_read, share, seed and z_score (against the other keys: a measure of strength,
    not a p-value); the band spans the runs.
    """
    frame = closed.assign(strength=closed["z_score"], share_label=(100 * closed["share"]).map("{:.0f}%".format))
    shares = sorted(frame["share"].unique())
    labels = [f"{100 * s:.0f}%" for s in shares]
    colours = sns.color_palette("cividis", len(labels))
    sns.lineplot(data=frame, x="tokens_read", y="strength", hue="share_label", hue_order=labels,
                 palette=dict(zip(labels, colours, strict=True)), errorbar=("pi", 100), marker="o", ax=ax)  # fmt: skip
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.set_xlabel("Characters of the suspect's text read by the accuser, log scale")
    ax.set_ylabel("Strength of the watermark:\nz-score against other keys")
    ax.legend(title="Watermarked\nshare", frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def plot_fingerprint(results: pd.DataFrame, ax: Axes) -> Axes:
    """Agreement with the teacher (%) on its quirk prompts, copied students against honest ones, one dot per model.

    ``results`` has columns model ("distilled" or "honest") and agreement (0 to 1).
    """
    labels = {"distilled": "copied from the teacher", "honest": "honest (real text)"}
    frame = results.assign(percent=100 * results["agreement"], label=results["model"].map(labels))
    colours = {labels["distilled"]: style.condition_colour("hard labels"),
               labels["honest"]: style.condition_colour("real data")}  # fmt: skip
    order = [label for label in colours if label in set(frame["label"])]
    sns.stripplot(data=frame, x="label", y="percent", hue="label", order=order, palette=colours, size=7,
                  jitter=False, legend=False, ax=ax)  # fmt: skip
    ax.set_xlabel("Student")
    ax.set_ylabel("Agreement with the teacher's top character\non its quirk prompts (%)")
    return ax
