"""What an API version costs honest users, and what it costs a copier, side by side.

Honest users are measured on the whole returned distribution, not only on the top answer: accuracy of the
answers, calibration error of the stated confidence, Brier score against the truth, and the total-variation
distance between what the API returned and the clean probabilities. Each API with noise is measured over several
noise draws (seeds), because one draw can be lucky.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from distillbook.distillation.extraction import (
    TRADEOFF_AGREEMENT_TARGET,
    APIResponse,
    TeacherAPI,
    copier_targets,
    queries_to_reach,
)
from distillbook.distillation.kd import one_hot, softmax

COPIER_ONLY_OPTIONS = ("copier_temperature", "fill_zeros")  # how the copier reads answers, not what the API sends
HONEST_MEASURES = ("accuracy", "calibration_error", "brier_score", "distance_to_clean")


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Return the expected calibration error (0 to 1) of ``confidence`` (0 to 1) against ``correct`` (booleans).

    Confidences are put in ``bins`` equal-width bins on [0, 1] (1.0 goes in the last); the ECE is the
    count-weighted mean over bins of |share correct - mean confidence|.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if confidence.shape != correct.shape or confidence.ndim != 1 or confidence.size == 0:
        raise ValueError("confidence and correct must be non-empty 1-d arrays of the same length")
    if (confidence < 0).any() or (confidence > 1).any() or bins < 1:
        raise ValueError("confidence must lie in [0, 1] and bins be at least 1")
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for index in range(bins):
        chosen = which == index
        if chosen.any():
            total += chosen.sum() * abs(correct[chosen].mean() - confidence[chosen].mean())
    return float(total / confidence.size)


def brier_score(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean over examples of the squared distance between ``probabilities`` and the one-hot truth (0 to 2)."""
    probabilities = np.asarray(probabilities, dtype=float)
    truth = one_hot(np.asarray(labels), probabilities.shape[1])
    return float(np.mean(np.sum((probabilities - truth) ** 2, axis=1)))


def total_variation(first: np.ndarray, second: np.ndarray) -> float:
    """Mean over rows of half the L1 distance between two probability arrays (0 to 1): the mass that moved.

    Used instead of KL divergence because a rounded probability of zero would make the KL infinite.
    """
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if first.shape != second.shape:
        raise ValueError(f"shapes differ: {first.shape} and {second.shape}")
    return float(np.mean(0.5 * np.abs(first - second).sum(axis=1)))


def honest_user_view(response: APIResponse, labels: np.ndarray, clean: np.ndarray) -> dict[str, float]:
    """What an honest user gets from ``response`` on inputs whose true classes are ``labels``.

    ``clean`` are the teacher's undefended probabilities. The distribution a user reads off a response is
    :func:`extraction.copier_targets` at T = 1 (withheld mass spread evenly; a bare answer is one-hot). Returns
    accuracy, calibration_error (of the stated top-1 confidence; a bare answer states full confidence),
    brier_score and distance_to_clean (total variation), all 0 to 1 except the Brier score (0 to 2).
    """
    labels = np.asarray(labels)
    correct = response.labels == labels
    returned = copier_targets(response, 1.0, clean.shape[1])
    confidence = returned[np.arange(len(labels)), response.labels]
    return {
        "accuracy": float(correct.mean()),
        "calibration_error": expected_calibration_error(np.clip(confidence, 0.0, 1.0), correct),
        "brier_score": brier_score(returned, labels),
        "distance_to_clean": total_variation(returned, clean),
    }


def defence_costs(
    teacher: Any, apis: dict[str, dict[str, Any]], inputs: np.ndarray, labels: np.ndarray, seeds: list[int]
) -> pd.DataFrame:
    """Honest users' measures per API and noise draw, on ``inputs`` with ``labels``; one row per (mode, seed).

    Each API is fresh (seeded with the seed), so these queries never count towards a copier's budget. A
    :data:`COPIER_ONLY_OPTIONS` entry in an API's options is ignored here. Columns: mode, seed, and
    :data:`HONEST_MEASURES`.
    """
    clean = softmax(teacher.logits(inputs))
    rows = []
    for mode_name, options in apis.items():
        options = {key: value for key, value in options.items() if key not in COPIER_ONLY_OPTIONS}
        for seed in seeds:
            response = TeacherAPI(teacher, **options, seed=seed).query(inputs)
            rows.append({"mode": mode_name, "seed": seed, **honest_user_view(response, labels, clean)})
    return pd.DataFrame(rows)


def tradeoff_table(
    costs: pd.DataFrame, runs: pd.DataFrame, families: dict[str, str], budget: int, reference: str
) -> pd.DataFrame:
    """Per API: what honest users get against what a copier needs; honest measures in percent.

    ``costs`` is :func:`defence_costs`; ``runs`` is :func:`extraction.query_experiment` for one pool, with the
    same mode names; ``families`` maps each mode to its ``style.condition_colour`` key; ``budget`` is one of the
    measured query counts; ``reference`` is the undefended mode the ratios are taken against. Columns: mode,
    family, ``<measure>_pct`` (mean over noise draws) and ``<measure>_pct_low`` / ``_high`` (their range) for each
    honest measure, agreement_pct (copier's mean agreement at ``budget``), queries_to_90 (mean curve; NaN if
    never reached), queries_ratio (over the reference's) and ratio_low / ratio_high (per-seed ratios' range).
    """
    at_budget = runs[runs["queries"] == budget].groupby("mode")["agreement"].mean()
    if at_budget.empty:
        raise ValueError(f"no agreement measured at {budget} queries")
    reference_needed = queries_to_reach(runs, reference, TRADEOFF_AGREEMENT_TARGET)
    reference_by_seed = queries_to_reach(runs, reference, TRADEOFF_AGREEMENT_TARGET, by_seed=True)
    rows = []
    for mode, group in costs.groupby("mode", sort=False):
        needed = queries_to_reach(runs, mode, TRADEOFF_AGREEMENT_TARGET)
        ratios = queries_to_reach(runs, mode, TRADEOFF_AGREEMENT_TARGET, by_seed=True) / reference_by_seed
        row = {"mode": mode, "family": families[mode]}
        for measure in HONEST_MEASURES:
            row[f"{measure}_pct"] = 100 * group[measure].mean()
            row[f"{measure}_pct_low"] = 100 * group[measure].min()
            row[f"{measure}_pct_high"] = 100 * group[measure].max()
        row["agreement_pct"] = 100 * at_budget[mode]
        row["queries_to_90"] = np.nan if needed is None else needed
        row["queries_ratio"] = row["queries_to_90"] / reference_needed
        row["ratio_low"], row["ratio_high"] = ratios.min(), ratios.max()
        rows.append(row)
    return pd.DataFrame(rows)
