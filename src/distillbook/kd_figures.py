"""Figures of chapter 1 (what distillation is). Each takes data and an Axes and returns the Axes."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from distillbook import kd


def soft_target_bars(ax: Axes, teacher_logits: np.ndarray, temperature: float, true_class: int) -> Axes:
    """Bar chart of one example's teacher probabilities at ``temperature``; the true class in a darker colour."""
    probabilities = kd.softmax(teacher_logits, temperature)
    colours = ["#0072B2" if digit == true_class else "#56B4E9" for digit in range(len(probabilities))]
    ax.bar(range(len(probabilities)), probabilities, color=colours)
    ax.set_xticks(range(len(probabilities)))
    ax.set_ylim(0, 1)
    ax.set_xlabel(f"digit class (T = {temperature:g})")
    return ax


def learning_curves(ax: Axes, summary, colours: dict[str, str]) -> Axes:
    """Mean test accuracy against transfer-set size per condition, with a band from the lowest to highest seed."""
    for condition, rows in summary.groupby("condition", sort=False):
        rows = rows.sort_values("transfer_set_size")
        colour = colours[condition]
        ax.plot(rows["transfer_set_size"], 100 * rows["mean"], marker="o", color=colour, label=condition)
        ax.fill_between(rows["transfer_set_size"], 100 * rows["low"], 100 * rows["high"], color=colour, alpha=0.15)
    ax.set_xscale("log")
    ax.set_xlabel("transfer-set size (examples, log scale)")
    ax.set_ylabel("student test accuracy (%)")
    ax.legend(loc="lower right")
    return ax


def omitted_digit_bars(ax: Axes, summary, colours: dict[str, str]) -> Axes:
    """Grouped bars: accuracy on the omitted digit before and after the bias fix, per condition, with sd bars."""
    stages = ["before bias fix", "after bias fix"]
    conditions = list(dict.fromkeys(summary["condition"]))
    width = 0.8 / len(conditions)
    for offset, condition in enumerate(conditions):
        rows = summary[summary["condition"] == condition].set_index("stage").loc[stages]
        positions = np.arange(len(stages)) + (offset - (len(conditions) - 1) / 2) * width
        ax.bar(
            positions,
            100 * rows["mean"],
            width,
            yerr=100 * rows["spread_sd"].fillna(0),
            capsize=3,
            color=colours[condition],
            label=condition,
        )
    ax.set_xticks(range(len(stages)), stages)
    ax.set_ylim(0, 100)
    ax.set_ylabel("test accuracy on the omitted digit (%)")
    ax.legend(loc="upper left")
    return ax


def gradient_gap(ax: Axes, gaps) -> Axes:
    """Relative gap between the distillation and logit-matching gradients against temperature (log-log)."""
    ax.plot(gaps["temperature"], 100 * gaps["relative_gap"], marker="o", color="#0072B2")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("temperature T (log scale)")
    ax.set_ylabel("gap to logit-matching gradient (%, log scale)")
    return ax
