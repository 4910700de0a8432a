"""Figures of chapters 1 and 2. One signature for all: ``plot_x(data, ax, **options) -> ax``.

Colours come only from ``distillbook.style``: a condition's colour says what a student learned from (soft
targets, top-k scores, hard labels, a defence), the same in every chapter. Spread over seeds is drawn by seaborn
(lines with the lowest-to-highest-seed interval, per-seed points) through the book's one theme.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import NullFormatter

from distillbook import style

SEED_RANGE = ("pi", 100)  # seaborn interval from the lowest to the highest seed
GAP_INTERVAL = 90  # percent of examples inside the gradient-gap band
DASHES = ["", (4, 2), (1, 1.5), (6, 2, 1, 2)]


def _palette_and_dashes(data: pd.DataFrame, hue: str) -> tuple[dict, dict]:
    """Colour each ``hue`` value by its ``family`` column; dash the 2nd, 3rd... value of the same family."""
    pairs = data[[hue, "family"]].drop_duplicates().itertuples(index=False)
    palette, dashes, seen = {}, {}, {}
    for value, family in pairs:
        palette[value] = style.condition_colour(family)
        dashes[value] = DASHES[seen.get(family, 0) % len(DASHES)]
        seen[family] = seen.get(family, 0) + 1
    return palette, dashes


def plot_soft_targets(data: pd.DataFrame, ax: Axes) -> Axes:
    """Bars of one example's teacher probabilities; ``data`` has columns digit, probability, is_true."""
    colours = [style.condition_colour("teacher" if true else "soft targets") for true in data["is_true"]]
    ax.bar(data["digit"], data["probability"], color=colours)
    ax.set_xticks(data["digit"])
    ax.set_ylim(0, 1)
    ax.set_xlabel("digit class")
    return ax


def plot_learning_curves(data: pd.DataFrame, ax: Axes, y: str = "test_accuracy") -> Axes:
    """Mean accuracy (%) against transfer-set size per condition, with the lowest-to-highest-seed band.

    ``data`` is :func:`experiments.learning_curve` (per-seed rows with a family column).
    """
    shown = data.assign(percent=100 * data[y])
    palette, dashes = _palette_and_dashes(shown, "condition")
    sns.lineplot(
        shown, x="transfer_set_size", y="percent", hue="condition", style="condition", palette=palette,
        dashes=dashes, markers=True, errorbar=SEED_RANGE, ax=ax,
    )  # fmt: skip
    ax.set_xscale("log")
    sizes = sorted(shown["transfer_set_size"].unique())
    ax.set_xticks(sizes, [f"{size:,}" for size in sizes])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("transfer-set size (examples, log scale)")
    ax.set_ylabel("student test accuracy (%)")
    ax.legend(loc="lower right", title=None)
    return ax


def plot_temperature_heatmap(data: pd.DataFrame, ax: Axes, value: str = "test_accuracy") -> Axes:
    """Heat map of mean accuracy (%) over seeds: temperature (rows) by transfer-set size (columns), annotated."""
    table = 100 * data.pivot_table(index="temperature", columns="transfer_set_size", values=value, aggfunc="mean")
    sns.heatmap(
        table,
        annot=True,
        fmt=".1f",
        cmap=sns.light_palette(style.condition_colour("soft targets"), as_cmap=True),
        cbar_kws={"label": "mean accuracy (%)"},
        ax=ax,
    )
    ax.set_yticklabels([f"{t:g}" for t in table.index], rotation=0)
    ax.set_xlabel("transfer-set size (examples)")
    ax.set_ylabel("temperature T")
    return ax


def plot_omitted_digit(data: pd.DataFrame, ax: Axes) -> Axes:
    """Per-seed accuracy (%) on the omitted digit by condition (points) and the mean (bar mark), one stage.

    ``data`` is :func:`experiments.omitted_class_experiment` filtered to one stage. Points of one condition are
    spread sideways by seed order (no random jitter, so the figure is the same on every run).
    """
    conditions = list(dict.fromkeys(data["condition"]))
    position = {condition: index for index, condition in enumerate(conditions)}
    seeds = sorted(data["seed"].unique())
    offset = dict(zip(seeds, np.linspace(-0.15, 0.15, len(seeds)), strict=True))
    shown = data.assign(
        percent=100 * data["accuracy_on_digit"],
        x=[position[c] + offset[s] for c, s in zip(data["condition"], data["seed"], strict=True)],
    )
    palette = {f: style.condition_colour(f) for f in shown["family"].unique()}
    sns.scatterplot(shown, x="x", y="percent", hue="family", palette=palette, s=40, legend=False, ax=ax)
    means = shown.groupby("condition", sort=False)["percent"].mean()
    ax.scatter([position[c] for c in means.index], means, marker="_", s=500, color=style.condition_colour("other"))
    ax.set_xticks(range(len(conditions)), conditions, rotation=20)
    ax.set_ylim(-3, 103)
    ax.set_xlabel("")
    ax.set_ylabel("test accuracy on the omitted digit (%)")
    return ax


def plot_gradient_gap(data: pd.DataFrame, ax: Axes) -> Axes:
    """Median relative gap (%) between distillation and logit-matching gradients against T, with the middle 90%
    of examples; ``data`` is :func:`experiments.high_temperature_gap`."""
    shown = data.assign(percent=100 * data["relative_gap"])
    sns.lineplot(shown, x="temperature", y="percent", estimator="median", errorbar=("pi", GAP_INTERVAL), marker="o",
                 color=style.condition_colour("teacher"), ax=ax)  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("temperature T (log scale)")
    ax.set_ylabel("gap to logit-matching gradient (%, log scale)")
    return ax


def plot_query_curves(data: pd.DataFrame, ax: Axes, y: str = "agreement", ylabel: str = "agreement (%)") -> Axes:
    """Mean of a 0-to-1 measure (%) against queries per mode, with the lowest-to-highest-seed band.

    ``data`` is :func:`extraction.query_experiment` with a family column (the mode's condition colour key).
    """
    shown = data.assign(percent=100 * data[y])
    palette, dashes = _palette_and_dashes(shown, "mode")
    sns.lineplot(shown, x="queries", y="percent", hue="mode", style="mode", palette=palette, dashes=dashes,
                 markers=True, errorbar=SEED_RANGE, ax=ax)  # fmt: skip
    ax.set_xscale("log")
    counts = sorted(shown["queries"].unique())
    ax.set_xticks(counts, [f"{count:,}" for count in counts])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("queries answered by the API (log scale)")
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower right", title=None)
    return ax


def plot_defence_tradeoff(data: pd.DataFrame, ax: Axes, x: str = "brier_score_pct", xlabel: str = "") -> Axes:
    """Scatter: honest-user measure ``x`` against the queries a copier needs, one labelled point per API.

    ``data`` is :func:`defences.tradeoff_table`; a horizontal bar spans the measure's range over noise draws.
    Rows never reaching 90% agreement are not drawn; labels of nearby points are stacked to stay readable.
    """
    shown = data.dropna(subset=["queries_to_90"]).sort_values("queries_to_90", ascending=False)
    x_span = max(float(shown[x].max() - shown[x].min()), 1e-9)
    y_span = max(float(shown["queries_to_90"].max() - shown["queries_to_90"].min()), 1e-9)
    placed: list[tuple[float, float]] = []
    for _, row in shown.iterrows():
        near = sum(
            abs(row[x] - px) < 0.08 * x_span and abs(row["queries_to_90"] - py) < 0.06 * y_span for px, py in placed
        )
        placed.append((row[x], row["queries_to_90"]))
        colour = style.condition_colour(row["family"])
        ax.hlines(row["queries_to_90"], row[f"{x}_low"], row[f"{x}_high"], color=colour, linewidth=2)
        ax.scatter(row[x], row["queries_to_90"], color=colour, s=40, zorder=3)
        ax.annotate(row["mode"], (row[x], row["queries_to_90"]), xytext=(6, 3 - 11 * near),
                    textcoords="offset points", fontsize=8, va="center")  # fmt: skip
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel("queries for 90% agreement")
    ax.set_ylim(0, 1.1 * float(shown["queries_to_90"].max()))
    return ax


def plot_scale_strip(data: pd.DataFrame, ax: Axes) -> Axes:
    """One row per count on a log axis; lower bounds carry an arrow to the right; this chapter's rows in grey.

    ``data`` is :func:`tables.scale_points` (columns label, count, kind, actor, lower_bound).
    """
    ordered = data.sort_values("count").reset_index(drop=True)
    for position, row in ordered.iterrows():
        colour = style.colour(row["actor"]) if row["actor"] else style.colour("researchers")
        marker = {"alleged campaign": "o", "published distillation set": "s", "this chapter": "D"}[row["kind"]]
        ax.scatter(row["count"], position, color=colour, marker=marker, s=45, zorder=3)
        if row["lower_bound"]:
            ax.annotate("", xy=(row["count"] * 2.2, position), xytext=(row["count"], position),
                        arrowprops={"arrowstyle": "->", "color": colour})  # fmt: skip
    ax.set_yticks(np.arange(len(ordered)), ordered["label"])
    ax.set_xscale("log")
    ax.set_xlabel("queries, exchanges or samples (count, log scale)")
    ax.set_ylim(-0.6, len(ordered) - 0.4)
    ax.set_xlim(right=4 * float(ordered["count"].max()))
    return ax
