"""Fingerprints without a watermark: does a suspect share the teacher's idiosyncrasies more than chance allows?

A teacher's quirks show on prompts where it and an independently trained model disagree. A student distilled from
the teacher should pick the teacher's answer there far more often than a control model trained only on real text.
The selection of prompts and the control must be different models: choosing prompts where the teacher disagrees
with the control itself would make the control's agreement zero by construction.

The test is paired: on each prompt both the suspect and the control either agree with the teacher or not; under
the null (the suspect is no closer to the teacher than the control) the two labels are exchangeable within a
prompt, so swapping them at random gives the null distribution of the difference in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from distillbook.errors import BookError


class FingerprintError(BookError):
    """Inputs the fingerprint test cannot use (mismatched lengths, no prompts, no permutations)."""


def quirk_prompts(teacher_top1: np.ndarray, reference_top1: np.ndarray) -> np.ndarray:
    """Return a boolean mask of the prompts on which the teacher's top answer differs from a reference model's."""
    teacher_top1, reference_top1 = np.asarray(teacher_top1), np.asarray(reference_top1)
    if teacher_top1.shape != reference_top1.shape:
        raise FingerprintError(f"answers of shapes {teacher_top1.shape} and {reference_top1.shape} do not pair up")
    return teacher_top1 != reference_top1


@dataclass(frozen=True)
class FingerprintTest:
    """Agreement with the teacher (0 to 1) of suspect and control on ``prompts`` prompts, and two p-values.

    ``p_value`` is the permutation test's (never below 1 / (1 + permutations)); ``exact_p_value`` is the exact
    one-sided sign test on the prompts where only one of the two agrees (McNemar's test), the same null without
    the permutation floor, for effects too strong for the permutations to resolve.
    """

    prompts: int
    suspect_agreement: float
    control_agreement: float
    p_value: float
    exact_p_value: float

    @property
    def difference(self) -> float:
        """Suspect minus control agreement, in fractions of prompts."""
        return self.suspect_agreement - self.control_agreement


def paired_permutation_test(
    suspect_agrees: np.ndarray, control_agrees: np.ndarray, permutations: int = 9999, seed: int = 0
) -> FingerprintTest:
    """One-sided paired permutation test that the suspect agrees with the teacher more than the control does.

    Each permutation swaps the two models' labels on a random half of the prompts; the p-value is
    (1 + #permuted differences ≥ observed) / (1 + permutations), so it is never below 1 / (1 + permutations).
    """
    suspect = np.asarray(suspect_agrees, dtype=float)
    control = np.asarray(control_agrees, dtype=float)
    if suspect.shape != control.shape or suspect.ndim != 1:
        raise FingerprintError(f"agreements of shapes {suspect.shape} and {control.shape} do not pair up")
    if suspect.size == 0:
        raise FingerprintError("no prompt to test: the teacher and the reference model never disagree")
    if permutations < 1:
        raise FingerprintError(f"permutations must be at least 1, got {permutations}")
    differences = suspect - control
    observed = differences.mean()
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=(permutations, differences.size))
    null = (signs * differences).mean(axis=1)
    p_value = (1 + np.sum(null >= observed - 1e-12)) / (1 + permutations)
    only_suspect, only_control = int(np.sum(differences > 0)), int(np.sum(differences < 0))
    exact = stats.binom.sf(only_suspect - 1, only_suspect + only_control, 0.5) if only_suspect + only_control else 1.0
    return FingerprintTest(
        int(suspect.size), float(suspect.mean()), float(control.mean()), float(p_value), float(exact)
    )
