"""Figures of chapter 2 (distillation through an API). Each takes data and an Axes and returns the Axes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import NullFormatter

from distillbook import kd_figures, style


def query_curves(ax: Axes, summary: pd.DataFrame, group: str, colours: dict[str, str], ylabel: str) -> Axes:
    """Mean of a 0-to-1 measure against queries per ``group`` value, with a lowest-to-highest-seed band.

    ``summary`` is :func:`kd.summarise_runs` over ``["queries", group]``; drawn with chapter 1's learning-curve
    plot, then relabelled for queries.
    """
    curve = summary.rename(columns={"queries": "transfer_set_size", group: "condition"})
    kd_figures.learning_curves(ax, curve, colours)
    counts = sorted(summary["queries"].unique())
    ax.set_xticks(counts, [f"{count:,}" for count in counts])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("queries answered by the API (log scale)")
    ax.set_ylabel(ylabel)
    return ax


def defence_tradeoff(ax: Axes, table: pd.DataFrame, x: str, xlabel: str, colours: dict[str, str]) -> Axes:
    """Scatter: honest-user measure ``x`` (percent) against the queries a copier needs, one labelled point per API.

    ``table`` has columns mode, family (colour key), ``x`` and queries_to_90 (queries; rows where it is NaN, never
    reached, are not drawn). Labels of points that nearly coincide are stacked downwards so they stay readable.
    """
    shown = table.dropna(subset=["queries_to_90"]).sort_values("queries_to_90", ascending=False)
    x_span = max(float(shown[x].max() - shown[x].min()), 1e-9)
    y_span = max(float(shown["queries_to_90"].max() - shown["queries_to_90"].min()), 1e-9)
    placed: list[tuple[float, float]] = []
    for _, row in shown.iterrows():
        near = sum(
            abs(row[x] - px) < 0.08 * x_span and abs(row["queries_to_90"] - py) < 0.06 * y_span for px, py in placed
        )
        placed.append((row[x], row["queries_to_90"]))
        ax.scatter(row[x], row["queries_to_90"], color=colours[row["family"]], s=40, zorder=3)
        ax.annotate(
            row["mode"],
            (row[x], row["queries_to_90"]),
            xytext=(6, 3 - 11 * near),
            textcoords="offset points",
            fontsize=8,
            va="center",
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("queries for 90% agreement")
    ax.set_ylim(0, 1.1 * float(shown["queries_to_90"].max()))
    return ax


def scale_strip(ax: Axes, points: pd.DataFrame) -> Axes:
    """One row per count on a log axis; lower bounds carry an arrow to the right; this chapter's rows in grey.

    ``points`` is :func:`extraction.scale_points` (columns label, count, kind, actor, lower_bound).
    """
    ordered = points.sort_values("count").reset_index(drop=True)
    for position, row in ordered.iterrows():
        colour = style.colour(row["actor"]) if row["actor"] else style.colour("researchers")
        marker = {"alleged campaign": "o", "published distillation set": "s", "this chapter": "D"}[row["kind"]]
        ax.scatter(row["count"], position, color=colour, marker=marker, s=45, zorder=3)
        if row["lower_bound"]:
            ax.annotate(
                "",
                xy=(row["count"] * 2.2, position),
                xytext=(row["count"], position),
                arrowprops={"arrowstyle": "->", "color": colour},
            )
    ax.set_yticks(np.arange(len(ordered)), ordered["label"])
    ax.set_xscale("log")
    ax.set_xlabel("queries, exchanges or samples (count, log scale)")
    ax.set_ylim(-0.6, len(ordered) - 0.4)
    ax.set_xlim(right=4 * float(ordered["count"].max()))
    return ax
