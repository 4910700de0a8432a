"""Fingerprints without a watermark: does a suspect share the teacher's idiosyncrasies more than honest models do?

A teacher's quirks show on prompts where it and an independently trained reference model disagree. A student
distilled from the teacher should pick the teacher's answer there more often than models trained only on real
text. Two design points keep the test honest. The model that chooses the prompts is not among the models compared
(a model compared on prompts chosen by its own disagreement would agree zero times by construction). And the
evidence is judged at the level of models, not prompts: over thousands of prompts any two particular models differ
"significantly", so the question is whether the distilled students stand out from a crowd of honest ones.
"""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd

from distillbook.errors import BookError


class FingerprintError(BookError):
    """Inputs the fingerprint test cannot use (mismatched lengths, no models of a kind)."""


def quirk_prompts(teacher_top1: np.ndarray, reference_top1: np.ndarray) -> np.ndarray:
    """Return a boolean mask of the prompts on which the teacher's top answer differs from a reference model's."""
    teacher_top1, reference_top1 = np.asarray(teacher_top1), np.asarray(reference_top1)
    if teacher_top1.shape != reference_top1.shape:
        raise FingerprintError(f"answers of shapes {teacher_top1.shape} and {reference_top1.shape} do not pair up")
    return teacher_top1 != reference_top1


def crowd_test(results: pd.DataFrame, column: str = "agreement") -> dict:
    """Where the distilled students fall among the honest ones, on ``column`` (0 to 1).

    ``results`` has a ``model`` column ("distilled" or "honest") and ``column``. Under the null that every suspect
    is just another honest model, all models are exchangeable, so the chance that the d distilled students are the
    d highest of n models is 1 / C(n, d): ``p_value`` when they are (else NaN, with ``all_above`` False). Also
    returns the honest crowd's mean, minimum and maximum and the distilled students' minimum and maximum.
    """
    honest = results.loc[results["model"] == "honest", column]
    distilled = results.loc[results["model"] == "distilled", column]
    if honest.empty or distilled.empty:
        raise FingerprintError("the crowd test needs at least one honest and one distilled model")
    all_above = bool(distilled.min() > honest.max())
    return {
        "honest_mean": float(honest.mean()),
        "honest_min": float(honest.min()),
        "honest_max": float(honest.max()),
        "distilled_min": float(distilled.min()),
        "distilled_max": float(distilled.max()),
        "all_above": all_above,
        "p_value": 1 / comb(len(honest) + len(distilled), len(distilled)) if all_above else float("nan"),
    }
