"""Training-run costs: notional rental from GPU-hours, the phase tables rebuilt, and cost ratios by method.

A ratio of two training costs means something only when both were estimated the same way (Epoch AI never mixes
methods in one ratio); :func:`compare_costs` keeps the method of each side and says whether they match.
"""

from __future__ import annotations

import pandas as pd

from distillbook.costs._checks import CostInputError, check, scalar_or_array


def gpu_cost_usd(gpu_hours, usd_per_gpu_hour) -> float:
    """Return the rental cost in USD of ``gpu_hours`` GPU-hours at ``usd_per_gpu_hour`` (scalars or arrays)."""
    hours = check("gpu_hours", gpu_hours)
    price = check("usd_per_gpu_hour", usd_per_gpu_hour)
    return scalar_or_array(hours * price)


def rebuild_training_costs(training_compute: pd.DataFrame) -> pd.DataFrame:
    """Recompute each row's cost as GPU-hours times the rental price the source assumed.

    Returns one row per input row that has both ``gpu_hours`` and ``rental_usd_per_gpu_hour``: model, phase,
    gpu_hours, rental_usd_per_gpu_hour, rebuilt_cost_usd, stated_cost_usd and difference_usd (rebuilt minus
    stated; zero when the source's table is internally consistent).
    """
    usable = training_compute.dropna(subset=["gpu_hours", "rental_usd_per_gpu_hour"])
    if usable.empty:
        raise CostInputError("training_compute has no row with both gpu_hours and rental_usd_per_gpu_hour")
    hours = usable["gpu_hours"].astype(float).to_numpy()
    price = usable["rental_usd_per_gpu_hour"].astype(float).to_numpy()
    out = usable[["model", "phase"]].reset_index(drop=True).copy()
    out["gpu_hours"] = hours
    out["rental_usd_per_gpu_hour"] = price
    out["rebuilt_cost_usd"] = gpu_cost_usd(hours, price)
    out["stated_cost_usd"] = usable["stated_cost_usd"].astype(float).to_numpy()
    out["difference_usd"] = out["rebuilt_cost_usd"] - out["stated_cost_usd"]
    return out


def gpu_price_band(gpu_hours, usd_per_gpu_hour_low, usd_per_gpu_hour_high) -> tuple[float, float]:
    """Return (low, high) cost in USD of ``gpu_hours`` across a range of rental prices per GPU-hour."""
    low = check("usd_per_gpu_hour_low", usd_per_gpu_hour_low)
    high = check("usd_per_gpu_hour_high", usd_per_gpu_hour_high)
    if float(low) > float(high):
        raise CostInputError("usd_per_gpu_hour_low must not exceed usd_per_gpu_hour_high")
    return float(gpu_cost_usd(gpu_hours, low)), float(gpu_cost_usd(gpu_hours, high))


def stated_cost_usd(training_compute: pd.DataFrame, model: str, phase: str) -> float:
    """Return the stated cost in USD of one (model, phase) row; raise CostInputError unless exactly one matches."""
    match = training_compute[(training_compute["model"] == model) & (training_compute["phase"] == phase)]
    if len(match) != 1:
        raise CostInputError(f"training_compute: ({model!r}, {phase!r}) must match one row, found {len(match)}")
    return float(check(f"stated_cost_usd of {model} / {phase}", match["stated_cost_usd"].iloc[0]))


#: Columns :func:`compare_costs` needs, one row per comparison.
COMPARISON_COLUMNS = ("comparison", "method_a", "cost_a_usd", "method_b", "cost_b_usd")


def compare_costs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Return ``pairs`` with ``ratio`` (cost_a / cost_b) and ``like_for_like`` (both sides use the same method).

    ``pairs`` has the columns of :data:`COMPARISON_COLUMNS`; a side without an estimate (NaN cost) gets a NaN
    ratio rather than an error, so a table can show that a like-for-like counterpart does not exist.
    """
    missing = [column for column in COMPARISON_COLUMNS if column not in pairs.columns]
    if missing:
        raise CostInputError(f"pairs is missing column(s) {missing}")
    out = pairs.reset_index(drop=True).copy()
    for side in ("cost_a_usd", "cost_b_usd"):
        present = out[side].dropna().astype(float)
        if len(present):
            check(side, present.to_numpy())
        if (present == 0).any():
            raise CostInputError(f"{side} must not be zero (row {int(present.index[present == 0][0])})")
    out["ratio"] = out["cost_a_usd"].astype(float) / out["cost_b_usd"].astype(float)
    out["like_for_like"] = out["method_a"] == out["method_b"]
    return out
