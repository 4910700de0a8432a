"""The fingerprint test: quirk prompts, and the crowd test's exact p-value and refusals."""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
import pytest

from distillbook.provenance import fingerprint
from distillbook.provenance.fingerprint import FingerprintError


def test_quirk_prompts_are_where_teacher_and_reference_differ():
    mask = fingerprint.quirk_prompts(np.array([1, 2, 3, 4]), np.array([1, 0, 3, 0]))
    assert mask.tolist() == [False, True, False, True]
    with pytest.raises(FingerprintError, match="do not pair up"):
        fingerprint.quirk_prompts(np.ones(3), np.ones(4))


def _crowd(distilled, honest):
    return pd.DataFrame({"model": ["distilled"] * len(distilled) + ["honest"] * len(honest),
                         "agreement": [*distilled, *honest]})  # fmt: skip


def test_crowd_test_gives_one_over_n_choose_d_when_the_copies_lead():
    # 3 distilled above 6 honest: 1 / C(9, 3) = 1 / 84.
    result = fingerprint.crowd_test(_crowd([0.5, 0.6, 0.55], [0.2, 0.3, 0.25, 0.22, 0.31, 0.28]))
    assert result["all_above"] and result["p_value"] == pytest.approx(1 / 84)
    assert result["honest_max"] == pytest.approx(0.31) and result["distilled_min"] == pytest.approx(0.5)


def test_crowd_test_finds_nothing_when_a_copy_is_inside_the_crowd():
    result = fingerprint.crowd_test(_crowd([0.5, 0.25], [0.2, 0.3]))
    assert not result["all_above"] and np.isnan(result["p_value"])
    # Under the null (all exchangeable) the copies lead by chance 1 / C(n, d) = 1 / 84 of the time. The tolerance,
    # 0.008, is more than three standard errors of the share over this many crowds (checked, not assumed).
    rng = np.random.default_rng(0)
    crowd = _crowd(np.zeros(3), np.zeros(6))
    crowds, expected, tolerance = 2000, 1 / comb(9, 3), 0.008
    assert tolerance > 3 * np.sqrt(expected * (1 - expected) / crowds)
    hits = []
    for _ in range(crowds):
        crowd["agreement"] = rng.random(9)
        hits.append(fingerprint.crowd_test(crowd)["all_above"])
    assert np.mean(hits) == pytest.approx(expected, abs=tolerance)


def test_crowd_test_needs_both_kinds():
    with pytest.raises(FingerprintError, match="at least one"):
        fingerprint.crowd_test(_crowd([], [0.2]))
