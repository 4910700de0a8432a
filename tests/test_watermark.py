"""The green-list watermark: hand-computed statistics, a null that holds its nominal level, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from distillbook.provenance import watermark
from distillbook.provenance.watermark import GreenList, WatermarkError


def _markov_text(length: int, vocabulary: int = 65, seed: int = 0) -> np.ndarray:
    """Text-like tokens that never saw any key: a sparse random Markov chain (few likely successors per token)."""
    rng = np.random.default_rng(seed)
    weights = rng.gamma(0.1, size=(vocabulary, vocabulary))
    transition = weights / weights.sum(axis=1, keepdims=True)
    cumulative = transition.cumsum(axis=1)
    draws = rng.random(length)
    tokens = np.zeros(length, dtype=int)
    for t in range(1, length):
        tokens[t] = min(np.searchsorted(cumulative[tokens[t - 1]], draws[t]), vocabulary - 1)
    return tokens


def test_z_score_and_p_value_match_a_hand_computed_case():
    # 40 green of 100 scored at gamma 0.25: z = (40 - 25) / sqrt(100 * 0.25 * 0.75) = 15 / 4.3301 = 3.4641.
    assert watermark.z_score(40, 100, 0.25) == pytest.approx(3.4641016, rel=1e-6)
    green = GreenList.make(4, 0.5, key=7)
    tokens = np.array([0, 1, 2, 3, 0, 1])  # five pairs, (0, 1) twice: four distinct
    detection = watermark.detect(tokens, green)
    expected_green = sum(green.table[a, b] for a, b in [(0, 1), (1, 2), (2, 3), (3, 0)])
    assert (detection.scored, detection.green) == (4, expected_green)
    from scipy import stats  # here, not at the top: each pytest worker imports every test module

    assert detection.p_value == pytest.approx(stats.binom.sf(expected_green - 1, 4, 0.5))


def test_green_list_has_the_requested_share_after_every_token_and_depends_on_the_key():
    green = GreenList.make(65, 0.25, key=1)
    assert green.green_size == 16 and green.green_fraction == pytest.approx(16 / 65)
    assert (green.table.sum(axis=1) == 16).all()
    assert (GreenList.make(65, 0.25, key=1).table == green.table).all()  # same key, same split
    assert (GreenList.make(65, 0.25, key=2).table != green.table).any()


def test_false_positive_rate_is_close_to_nominal_on_text_that_never_saw_the_key():
    text = _markov_text(3000)
    p_values = np.array([watermark.detect(text, GreenList.make(65, 0.25, key)).p_value for key in range(400)])
    # At most the nominal 5% (the binomial tail is slightly conservative here), and not absurdly below it.
    assert 0.015 <= (p_values < 0.05).mean() <= 0.075


def test_scoring_repeated_pairs_inflates_false_positives():
    # Why pairs are deduplicated: repetitive text counts the same few pairs again and again.
    text = np.tile(_markov_text(60, seed=3), 50)
    level = 0.05
    raw = np.mean(
        [watermark.detect(text, GreenList.make(65, 0.25, k), deduplicate=False).p_value < level for k in range(200)]
    )
    deduplicated = np.mean([watermark.detect(text, GreenList.make(65, 0.25, k)).p_value < level for k in range(200)])
    assert raw > 3 * level and deduplicated <= 1.5 * level


def test_watermarked_sampling_is_detected_and_other_keys_are_not_fooled():
    rng = np.random.default_rng(1)
    green = GreenList.make(65, 0.25, key=11)
    base_logits = rng.normal(0, 2, size=(65, 65))  # a fixed bigram "model"
    tokens = [0]
    for _ in range(1500):
        logits = watermark.watermark_logits(base_logits[[tokens[-1]]], np.array([tokens[-1]]), green, delta=2.0)[0]
        p = np.exp(logits - logits.max())
        tokens.append(rng.choice(65, p=p / p.sum()))
    assert watermark.detect(np.array(tokens), green).p_value < 1e-6
    assert watermark.detect(np.array(tokens), GreenList.make(65, 0.25, key=12)).p_value > 1e-3


def test_green_mass_and_key_permutation():
    green = GreenList.make(4, 0.5, key=0)
    uniform = np.full((3, 4), 0.25)
    assert watermark.green_mass(uniform, np.array([0, 1, 2]), green) == pytest.approx(0.5)
    on_green = green.table[[0, 1]].astype(float) / 2
    assert watermark.green_mass(on_green, np.array([0, 1]), green) == pytest.approx(1.0)
    assert watermark.key_permutation_p_value(1.0, np.array([0.5, 0.4, 1.0])) == pytest.approx(2 / 4)
    assert watermark.key_permutation_p_value(2.0, np.zeros(99)) == pytest.approx(0.01)


@pytest.mark.parametrize("gamma", [0.0, 1.0, -0.1, 1.5])
def test_gamma_outside_the_open_interval_is_refused(gamma):
    with pytest.raises(WatermarkError, match="gamma"):
        GreenList.make(65, gamma, key=0)


def test_negative_delta_and_bad_shapes_are_refused():
    green = GreenList.make(10, 0.5, key=0)
    with pytest.raises(WatermarkError, match="delta"):
        watermark.watermark_logits(np.zeros((1, 10)), np.array([0]), green, delta=-1.0)
    with pytest.raises(WatermarkError, match="do not fit"):
        watermark.watermark_logits(np.zeros((1, 9)), np.array([0]), green, delta=1.0)
    with pytest.raises(WatermarkError, match="more than 1 tokens"):
        watermark.detect(np.array([3]), green)
    with pytest.raises(WatermarkError, match="no green or no red"):
        GreenList.make(3, 0.1, key=0)


def test_wider_histories_and_skipped_prompts():
    green = GreenList.make(5, 0.4, key=3, width=2)
    assert green.table.shape == (25, 5) and green.history(np.array([[1, 2]])).tolist() == [7]
    tokens = np.array([[0, 1, 2, 3, 4, 0]])
    tuples = watermark.scored_tuples(tokens, width=2, skip=3)  # scores tokens 3, 4, 0 with their two predecessors
    assert tuples.tolist() == [[1, 2, 3], [2, 3, 4], [3, 4, 0]]
    with pytest.raises(WatermarkError, match="shape"):
        green.history(np.array([1, 2]))
    with pytest.raises(WatermarkError, match="width"):
        GreenList.make(5, 0.4, key=3, width=4)


def test_key_bank_statistics_match_the_direct_computation():
    text = _markov_text(2000, seed=5)
    bank = watermark.KeyBank.make(65, 0.25, range(50))
    counts = watermark.pair_counts(text, 1, 65)
    direct = [watermark.green_share(text, GreenList.make(65, 0.25, k)) for k in range(50)]
    np.testing.assert_allclose(bank.statistics(counts), direct, rtol=1e-6)
    assert bank.tables.dtype == np.float64  # no cast per call; the same bits as a float32 bank cast to float64
    assert np.array_equal(bank.statistics(counts), (bank.tables.astype(np.float32) @ counts.ravel()) / counts.sum())
    result = watermark.permutation_test(counts, GreenList.make(65, 0.25, 999), bank)
    assert result["statistic"] == pytest.approx(watermark.green_share(text, GreenList.make(65, 0.25, 999)))
    assert 1 / 51 <= result["p_value"] <= 1


def test_permutation_p_values_are_uniform_for_text_that_never_saw_the_key():
    text = _markov_text(3000, seed=6)
    counts = watermark.pair_counts(text, 1, 65)
    bank = watermark.KeyBank.make(65, 0.25, range(10_000, 10_199))
    p = np.array([watermark.permutation_test(counts, GreenList.make(65, 0.25, k), bank)["p_value"] for k in range(300)])
    assert 0.02 <= (p <= 0.05).mean() <= 0.09 and 0.4 <= np.median(p) <= 0.6
