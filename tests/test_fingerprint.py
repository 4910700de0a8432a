"""The fingerprint test: a suspect that copies the teacher is found, one that does not is not (at about the level)."""

from __future__ import annotations

import numpy as np
import pytest

from distillbook.provenance import fingerprint
from distillbook.provenance.fingerprint import FingerprintError


def test_quirk_prompts_are_where_teacher_and_reference_differ():
    mask = fingerprint.quirk_prompts(np.array([1, 2, 3, 4]), np.array([1, 0, 3, 0]))
    assert mask.tolist() == [False, True, False, True]


def test_a_copy_is_detected_and_an_equal_model_is_not():
    rng = np.random.default_rng(0)
    copy = rng.random(300) < 0.6
    control = rng.random(300) < 0.2
    result = fingerprint.paired_permutation_test(copy, control, permutations=1999)
    assert result.p_value == pytest.approx(1 / 2000) and result.difference > 0.3
    assert result.exact_p_value < 1e-15  # the sign test sees beyond the permutation floor

    # Under the null the p-value is roughly uniform: about 5% of equal pairs fall below 0.05.
    p_values = [
        fingerprint.paired_permutation_test(rng.random(200) < 0.3, rng.random(200) < 0.3, 499, seed).p_value
        for seed in range(200)
    ]
    assert 0.01 <= np.mean(np.array(p_values) < 0.05) <= 0.1


def test_bad_inputs_are_refused():
    with pytest.raises(FingerprintError, match="do not pair up"):
        fingerprint.paired_permutation_test(np.ones(3), np.ones(4))
    with pytest.raises(FingerprintError, match="never disagree"):
        fingerprint.paired_permutation_test(np.array([]), np.array([]))
    with pytest.raises(FingerprintError, match="at least 1"):
        fingerprint.paired_permutation_test(np.ones(3), np.ones(3), permutations=0)


def test_exact_sign_test_matches_a_hand_computed_case():
    # Four prompts where only the suspect agrees, one where only the control does: P(X >= 4 | n=5, 1/2) = 6/32.
    suspect = np.array([1, 1, 1, 1, 0, 1, 0])
    control = np.array([0, 0, 0, 0, 1, 1, 0])
    assert fingerprint.paired_permutation_test(suspect, control, 99).exact_p_value == pytest.approx(6 / 32)
