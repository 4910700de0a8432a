"""Figures of the cost chapter, each ``plot_x(data, ax) -> ax``; colours come in the data (from ``style``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from distillbook import style
from distillbook.costs.tables import usd_text


def _is_floor(row) -> bool:
    value = getattr(row, "lower_bound", False)
    return isinstance(value, bool | np.bool_) and bool(value)


def plot_cost_points(data: pd.DataFrame, ax: Axes) -> Axes:
    """Draw one point per row at ``cost_usd`` on a log dollar axis, top to bottom, labelled by ``label``.

    Optional columns: ``low_usd``/``high_usd`` (a whisker for the range over assumptions), ``lower_bound``
    (True: an arrow to the right, the value is a floor), ``group`` (a thin rule and a heading between groups).
    ``colour`` gives each point's colour. Each point carries its value as text. Returns ``ax``.
    """
    positions = np.arange(len(data))[::-1].astype(float)
    has_range = {"low_usd", "high_usd"} <= set(data.columns)
    rights = []
    for y, row in zip(positions, data.itertuples(), strict=True):
        ranged = has_range and not pd.isna(row.low_usd)
        if ranged:
            ax.hlines(y, row.low_usd, row.high_usd, color=row.colour, linewidth=1.6)
            ax.vlines([row.low_usd, row.high_usd], y - 0.15, y + 0.15, color=row.colour, linewidth=1.6)
        ax.plot(row.cost_usd, y, "o", color=row.colour, markersize=6)
        if _is_floor(row):
            ax.annotate(
                "",
                xy=(row.cost_usd * 2.2, y),
                xytext=(row.cost_usd, y),
                arrowprops={"arrowstyle": "->", "color": row.colour},
            )
        right = row.high_usd if ranged else row.cost_usd * (2.2 if _is_floor(row) else 1)
        rights.append(right)
        ax.text(right * 1.15, y, usd_text(row.cost_usd), va="center", fontsize=8)
    if "group" in data.columns:
        starts = [i for i in range(len(data)) if i == 0 or data["group"].iloc[i] != data["group"].iloc[i - 1]]
        for i in starts:
            if i:
                ax.axhline(positions[i] + 0.5, color=style.PALETTE["grey"], linewidth=0.6)
            label_y = positions[i] + (0.48 if i else 0.6)
            ax.text(
                0.005,
                label_y,
                data["group"].iloc[i],
                transform=ax.get_yaxis_transform(),
                ha="left",
                va="top",
                fontsize=7.5,
                color=style.PALETTE["grey"],
            )
    # Leave room for the value labels and arrows, which autoscaling does not see.
    lows = data["low_usd"].fillna(data["cost_usd"]) if has_range else data["cost_usd"]
    ax.set_xlim(float(lows.min()) / 2, max(rights) * 2.5)
    ax.set_yticks(positions, data["label"])
    ax.set_ylim(-0.7, len(data) - 0.1)
    ax.set_xscale("log")
    ax.grid(axis="y", visible=False)
    return ax


def plot_benchmark_vs_size(data: pd.DataFrame, ax: Axes) -> Axes:
    """Plot scores against model size (billions of parameters, log axis).

    ``data`` has model, value, colour and ``kind``: 'student' rows (with parameters_billion and family, drawn as
    a line per family), 'comparison' rows (with parameters_billion: models trained without distillation, drawn as
    open markers) and 'reference' rows (with linestyle and side: horizontal lines, labelled left or right).
    Returns ``ax``.
    """
    students = data[data["kind"] == "student"]
    for family, part in students.groupby("family", sort=True):
        part = part.sort_values("parameters_billion")
        ax.plot(
            part["parameters_billion"],
            part["value"],
            marker="o" if family == "Qwen" else "s",
            linestyle="-" if family == "Qwen" else ":",
            color=part["colour"].iloc[0],
            label=f"R1-Distill-{family}",
        )
    for row in data[data["kind"] == "comparison"].itertuples():
        ax.plot(
            row.parameters_billion,
            row.value,
            marker=row.marker,
            markersize=7,
            linestyle="none",
            markerfacecolor="none",
            markeredgecolor=row.colour,
            markeredgewidth=1.5,
            label=row.model,
        )
    for row in data[data["kind"] == "reference"].itertuples():
        ax.axhline(row.value, color=row.colour, linestyle=row.linestyle, linewidth=1.2)
        left = row.side == "left"
        ax.annotate(
            row.model,
            (0.02 if left else 0.98, row.value),
            xycoords=("axes fraction", "data"),
            ha="left" if left else "right",
            va="bottom",
            fontsize=8,
            color=row.colour,
        )
    ax.set_xscale("log")
    ax.minorticks_off()
    # 7B and 8B sit too close to label both; the 8B (Llama) point keeps its marker.
    ax.set_xticks([1.5, 7, 14, 32, 70], ["1.5", "7", "14", "32", "70"])
    ax.set_xlabel("Model size (billions of parameters, log scale)")
    return ax
