"""Figures of chapter 06 (one signature: ``plot_x(data, ax) -> ax``): detection strength, tokens read, fingerprints."""

from __future__ import annotations

import matplotlib.ticker as mticker
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from scipy import stats

from distillbook import style

#: What each test reads, and the colour of the condition it resembles: text alone (like a label) or distributions.
TEST_COLOURS = {
    "outputs only (closed model)": style.condition_colour("hard labels"),
    "open weights": style.condition_colour("soft targets"),
}
#: The level drawn on detection plots: z = 2.33, a one-sided p-value of 0.01 under the normal approximation.
LEVEL_Z = float(stats.norm.isf(0.01))


def plot_detection(results: pd.DataFrame, ax: Axes) -> Axes:
    """z-score of each test (against other keys) by the watermarked share of the student's training text.

    ``results`` has columns share (0 to 1), seed, test (a key of :data:`TEST_COLOURS`) and z_score. Each seed is a
    dot; the line joins the medians. Above the dashed line the test rejects at p < 0.01.
    """
    frame = results.assign(share_percent=100 * results["share"], strength=results["z_score"])
    order = [t for t in TEST_COLOURS if t in set(frame["test"])]
    sns.lineplot(data=frame, x="share_percent", y="strength", hue="test", hue_order=order, palette=TEST_COLOURS,
                 estimator="median", errorbar=None, marker="o", ax=ax)  # fmt: skip
    sns.stripplot(data=frame, x="share_percent", y="strength", hue="test", hue_order=order, palette=TEST_COLOURS,
                  native_scale=True, dodge=False, jitter=1.0, size=4, alpha=0.7, legend=False, ax=ax)  # fmt: skip
    ax.axhline(LEVEL_Z, color=style.PALETTE["grey"], linestyle="--", linewidth=1)
    ax.set_xlabel("Share of the student's training text from the watermarked API (%)")
    ax.set_ylabel("Evidence of the watermark: z-score\nagainst other keys (dashed: p = 0.01)")
    ax.legend(title="What the accuser reads", frameon=False)
    return ax


def plot_tokens_read(closed: pd.DataFrame, ax: Axes) -> Axes:
    """z-score of the closed-model test against the suspect's characters read (log axis), one line per share.

    ``closed`` has columns tokens_read, share, seed and z_score; the band spans the seeds.
    """
    frame = closed.assign(strength=closed["z_score"], share_label=(100 * closed["share"]).map("{:.0f}%".format))
    shares = sorted(frame["share"].unique())
    labels = [f"{100 * s:.0f}%" for s in shares]
    colours = sns.color_palette("cividis", len(labels))
    sns.lineplot(data=frame, x="tokens_read", y="strength", hue="share_label", hue_order=labels,
                 palette=dict(zip(labels, colours, strict=True)), errorbar=("pi", 100), marker="o", ax=ax)  # fmt: skip
    ax.axhline(LEVEL_Z, color=style.PALETTE["grey"], linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.set_xlabel("Characters of the suspect's text read by the accuser, log scale")
    ax.set_ylabel("Evidence of the watermark: z-score")
    ax.legend(title="Watermarked\nshare", frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def plot_fingerprint(agreement: pd.DataFrame, ax: Axes) -> Axes:
    """Agreement with the teacher (%) on its quirk prompts, suspect against control, one dot per seed.

    ``agreement`` has columns model ("distilled student" or "independent student"), seed and agreement (0 to 1).
    """
    frame = agreement.assign(percent=100 * agreement["agreement"])
    colours = {"distilled student": style.condition_colour("hard labels"),
               "independent student": style.condition_colour("real data")}  # fmt: skip
    order = [m for m in colours if m in set(frame["model"])]
    sns.stripplot(data=frame, x="model", y="percent", hue="model", order=order, palette=colours, size=7,
                  jitter=0.08, legend=False, ax=ax)  # fmt: skip
    ax.set_xlabel("")
    ax.set_ylabel("Agreement with the teacher's top character\non its quirk prompts (%)")
    ax.set_ylim(0, 100)
    return ax
