"""The query API, its response modes and defences, the copier's targets, query pools and the honest-user costs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from distillbook.distillation import defences, digits, extraction, kd, pools, tables

CLASSES = kd.NUMBER_OF_CLASSES


class LinearTeacher:
    """A stand-in teacher with known logits: inputs @ weights (weights seeded, scaled to make it confident)."""

    def __init__(self, features: int = 6, classes: int = CLASSES, scale: float = 3.0):
        self.weights = np.random.default_rng(11).normal(size=(features, classes)) * scale

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        return np.asarray(inputs) @ self.weights

    def predict(self, inputs: np.ndarray) -> np.ndarray:
        return self.logits(inputs).argmax(axis=1)


TEACHER = LinearTeacher()
INPUTS = np.random.default_rng(5).normal(size=(400, 6))
TRUE_PROBABILITIES = kd.softmax(TEACHER.logits(INPUTS))


def test_full_probabilities_are_every_class_most_probable_first_and_sum_to_one():
    response = extraction.TeacherAPI(TEACHER, "probabilities").query(INPUTS)
    assert response.classes.shape == response.logprobs.shape == (len(INPUTS), CLASSES)
    assert response.labels.shape == (len(INPUTS),)
    np.testing.assert_array_equal(np.sort(response.classes, axis=1), np.tile(np.arange(CLASSES), (len(INPUTS), 1)))
    np.testing.assert_allclose(response.probabilities.sum(axis=1), 1.0)
    assert (np.diff(response.logprobs, axis=1) <= 0).all()
    rows = np.arange(len(INPUTS))[:, None]
    np.testing.assert_allclose(response.probabilities, TRUE_PROBABILITIES[rows, response.classes])
    np.testing.assert_array_equal(response.labels, TEACHER.predict(INPUTS))


@pytest.mark.parametrize("k", [1, 3, CLASSES])
def test_top_k_keeps_exactly_the_k_most_probable_classes(k):
    response = extraction.TeacherAPI(TEACHER, "top_k", k=k).query(INPUTS)
    assert response.classes.shape == response.logprobs.shape == (len(INPUTS), k)
    expected = np.sort(np.argsort(-TRUE_PROBABILITIES, axis=1)[:, :k], axis=1)
    np.testing.assert_array_equal(np.sort(response.classes, axis=1), expected)
    rows = np.arange(len(INPUTS))[:, None]
    np.testing.assert_allclose(response.probabilities, TRUE_PROBABILITIES[rows, response.classes])
    assert (response.probabilities.sum(axis=1) <= 1 + 1e-12).all()


def test_label_only_leaks_nothing_but_the_answer():
    response = extraction.TeacherAPI(TEACHER, "label").query(INPUTS)
    assert response.classes is None and response.logprobs is None and response.probabilities is None
    np.testing.assert_array_equal(response.labels, TEACHER.predict(INPUTS))
    assert response.labels.shape == (len(INPUTS),) and np.issubdtype(response.labels.dtype, np.integer)


@pytest.mark.parametrize("decimals", [0, 1, 2, 3])
def test_rounding_returns_probabilities_on_the_rounding_grid_within_half_a_step(decimals):
    response = extraction.TeacherAPI(TEACHER, "probabilities", decimals=decimals).query(INPUTS)
    scaled = response.probabilities * 10**decimals
    np.testing.assert_allclose(scaled, np.round(scaled), atol=1e-9)
    rows = np.arange(len(INPUTS))[:, None]
    assert np.abs(response.probabilities - TRUE_PROBABILITIES[rows, response.classes]).max() <= 0.5 * 10**-decimals
    assert np.isneginf(response.logprobs[response.probabilities == 0]).all()


def test_noise_is_off_at_zero_has_the_stated_size_and_is_seeded():
    clean = extraction.TeacherAPI(TEACHER, "probabilities").query(INPUTS)
    silent = extraction.TeacherAPI(TEACHER, "probabilities", noise_scale=0.0, seed=3).query(INPUTS)
    np.testing.assert_array_equal(silent.logprobs, clean.logprobs)
    big = np.repeat(INPUTS, 10, axis=0)
    true_logprobs = extraction.log_softmax(TEACHER.logits(big))
    noisy = extraction.TeacherAPI(TEACHER, "probabilities", noise_scale=0.5, seed=3).query(big)
    returned = np.full_like(true_logprobs, np.nan)
    np.put_along_axis(returned, noisy.classes, noisy.logprobs, axis=1)
    difference = returned - true_logprobs
    centred = difference - difference.mean(axis=1, keepdims=True)  # renormalising shifts each row by a constant
    # The centred difference of Gaussian noise with sd s has sd s * sqrt(1 - 1/classes).
    assert centred.std() == pytest.approx(0.5 * math.sqrt(1 - 1 / CLASSES), rel=0.03)
    np.testing.assert_allclose(noisy.probabilities.sum(axis=1), 1.0)
    again = extraction.TeacherAPI(TEACHER, "probabilities", noise_scale=0.5, seed=3).query(big)
    np.testing.assert_array_equal(again.logprobs, noisy.logprobs)
    other = extraction.TeacherAPI(TEACHER, "probabilities", noise_scale=0.5, seed=4).query(big)
    assert not np.array_equal(other.logprobs, noisy.logprobs)


def test_the_answer_is_the_top_returned_class_and_queries_are_counted():
    api = extraction.TeacherAPI(TEACHER, "top_k", k=2, noise_scale=1.0, seed=0)
    first = api.query(INPUTS[:7])
    second = api.query(INPUTS[7:10])
    np.testing.assert_array_equal(first.labels, first.classes[:, 0])
    assert api.queries_answered == 10 and second.labels.shape == (3,)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"mode": "logits"}, "unknown response mode"),
        ({"mode": "top_k"}, "needs an integer k"),
        ({"mode": "top_k", "k": 0}, "between 1 and"),
        ({"mode": "top_k", "k": CLASSES + 1}, "between 1 and"),
        ({"mode": "top_k", "k": 2.5}, "needs an integer k"),
        ({"mode": "probabilities", "k": 3}, "applies only to mode 'top_k'"),
        ({"mode": "label", "decimals": 2}, "nothing to round"),
        ({"mode": "label", "noise_scale": 1.0}, "nothing to round"),
        ({"mode": "probabilities", "decimals": -1}, "decimals"),
        ({"mode": "probabilities", "noise_scale": -0.1}, "noise_scale"),
    ],
)
def test_bad_options_raise_clear_errors(arguments, message):
    with pytest.raises(ValueError, match=message):
        extraction.TeacherAPI(TEACHER, **arguments)


def test_bad_queries_raise_clear_errors():
    api = extraction.TeacherAPI(TEACHER, "probabilities")
    with pytest.raises(ValueError, match="2-d"):
        api.query(INPUTS[0])
    with pytest.raises(ValueError, match="logits of shape"):
        extraction.TeacherAPI(LinearTeacher(classes=4), "label").query(INPUTS[:3])
    assert api.queries_answered == 0


def test_copier_targets_by_hand():
    # Four classes; the API returned classes 0 and 1 with probabilities 0.6 and 0.3. The missing 0.1 is spread
    # evenly: (0.6, 0.3, 0.05, 0.05). At T = 2 each is raised to the power 1/2 and renormalised.
    response = extraction.APIResponse(
        labels=np.array([0]), classes=np.array([[0, 1]]), logprobs=np.log(np.array([[0.6, 0.3]]))
    )
    at_one = extraction.copier_targets(response, 1.0, number_of_classes=4)
    np.testing.assert_allclose(at_one, [[0.6, 0.3, 0.05, 0.05]])
    roots = np.sqrt([0.6, 0.3, 0.05, 0.05])
    np.testing.assert_allclose(extraction.copier_targets(response, 2.0, number_of_classes=4), [roots / roots.sum()])


def test_copier_targets_of_full_probabilities_are_the_softened_teacher():
    response = extraction.TeacherAPI(TEACHER, "probabilities").query(INPUTS)
    np.testing.assert_allclose(extraction.copier_targets(response, 4.0), kd.softmax(TEACHER.logits(INPUTS), 4.0))


def test_copier_targets_for_labels_rounded_zeros_and_empty_rows():
    labels_only = extraction.TeacherAPI(TEACHER, "label").query(INPUTS[:5])
    np.testing.assert_array_equal(extraction.copier_targets(labels_only, 5.0), kd.one_hot(labels_only.labels))
    rounded = extraction.TeacherAPI(TEACHER, "probabilities", decimals=1).query(INPUTS)
    targets = extraction.copier_targets(rounded, 5.0)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0)
    rows = np.arange(len(INPUTS))[:, None]
    assert (targets[rows, rounded.classes][rounded.probabilities == 0] == 0).all()
    empty = extraction.APIResponse(
        labels=np.array([2]), classes=np.array([[0, 1, 2]]), logprobs=np.full((1, 3), -np.inf)
    )
    np.testing.assert_array_equal(extraction.copier_targets(empty, 5.0, number_of_classes=3), [[0.0, 0.0, 1.0]])
    with pytest.raises(ValueError, match="temperature"):
        extraction.copier_targets(labels_only, 0.0)


def _log(values) -> np.ndarray:
    """Natural log with log(0) = -inf and no warning: how the API reports a probability rounded to zero."""
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(values, dtype=float))


def test_copier_that_fills_rounded_zeros_spreads_the_leftover_mass_over_them():
    # Four classes, all returned, rounded: (0.7, 0.2, 0.0, 0.0) leaves 0.1, shared by the two zeros -> 0.05 each.
    response = extraction.APIResponse(
        labels=np.array([0]), classes=np.array([[0, 1, 2, 3]]), logprobs=_log([[0.7, 0.2, 0.0, 0.0]])
    )
    np.testing.assert_allclose(extraction.copier_targets(response, 1.0, 4), [[0.7, 0.2, 0.0, 0.0]] / np.float64(0.9))
    np.testing.assert_allclose(extraction.copier_targets(response, 1.0, 4, fill_zeros=True), [[0.7, 0.2, 0.05, 0.05]])
    # Rounded probabilities summing to 1 or more leave nothing to spread: the zeros stay zero.
    full = extraction.APIResponse(
        labels=np.array([0]), classes=np.array([[0, 1, 2, 3]]), logprobs=_log([[0.8, 0.2, 0.0, 0.0]])
    )
    np.testing.assert_allclose(extraction.copier_targets(full, 1.0, 4, fill_zeros=True), [[0.8, 0.2, 0.0, 0.0]])
    # With top-k, classes not returned and returned zeros share the leftover alike.
    top = extraction.APIResponse(labels=np.array([0]), classes=np.array([[0, 1]]), logprobs=_log([[0.9, 0.0]]))
    np.testing.assert_allclose(extraction.copier_targets(top, 1.0, 3, fill_zeros=True), [[0.9, 0.05, 0.05]])
    np.testing.assert_allclose(extraction.copier_targets(top, 1.0, 3), [[0.9, 0.0, 0.1]])


def test_fill_zeros_is_a_copier_option_the_api_and_the_honest_user_costs_ignore():
    apis = {
        "r": {"mode": "probabilities", "decimals": 1},
        "r-fill": {"mode": "probabilities", "decimals": 1, "fill_zeros": True},
    }
    costs = defences.defence_costs(TEACHER, apis, INPUTS[:50], TEACHER.predict(INPUTS[:50]), [0])
    measures = costs.set_index("mode")[list(defences.HONEST_MEASURES)]
    pd.testing.assert_series_equal(measures.loc["r"], measures.loc["r-fill"], check_names=False)
    runs = extraction.query_experiment(TEACHER, {"pool": INPUTS}, apis, [40], [0], INPUTS, TEACHER.predict(INPUTS), 5.0)
    assert set(runs["mode"]) == {"r", "r-fill"} and runs["agreement"].between(0, 1).all()


def test_expected_calibration_error_by_hand():
    # Bin 0.9: 2 answers, 1 right -> |0.5 - 0.9| = 0.4; bin 0.6: 2 right -> |1 - 0.6| = 0.4; weighted mean 0.4.
    assert defences.expected_calibration_error([0.9, 0.9, 0.6, 0.6], [True, False, True, True]) == pytest.approx(0.4)
    assert defences.expected_calibration_error([1.0, 1.0, 0.5, 0.5], [True, True, True, False]) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="same length"):
        defences.expected_calibration_error([0.5], [True, False])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        defences.expected_calibration_error([1.5], [True])


def test_honest_user_view_treats_a_bare_answer_as_full_confidence():
    labels = TEACHER.predict(INPUTS).copy()
    labels[:40] = (labels[:40] + 1) % CLASSES  # 10% of the "truth" disagrees with the teacher
    response = extraction.TeacherAPI(TEACHER, "label").query(INPUTS)
    view = defences.honest_user_view(response, labels, TRUE_PROBABILITIES)
    assert view["accuracy"] == pytest.approx(0.9)
    assert view["calibration_error"] == pytest.approx(0.1)
    assert view["brier_score"] == pytest.approx(0.1 * 2)  # a wrong one-hot answer scores 2, a right one 0
    assert view["distance_to_clean"] == pytest.approx(np.mean(1 - TRUE_PROBABILITIES.max(axis=1)))
    costs = defences.defence_costs(TEACHER, {"answer": {"mode": "label"}}, INPUTS, labels, seeds=[0, 1])
    assert costs.to_dict("records") == [{"mode": "answer", "seed": s, **view} for s in (0, 1)]
    clean = defences.honest_user_view(
        extraction.TeacherAPI(TEACHER, "probabilities").query(INPUTS), labels, TRUE_PROBABILITIES
    )
    assert clean["distance_to_clean"] == pytest.approx(0.0, abs=1e-12)
    assert clean["brier_score"] == pytest.approx(defences.brier_score(TRUE_PROBABILITIES, labels))


def test_brier_score_and_total_variation_by_hand():
    assert defences.brier_score(np.array([[0.5, 0.5], [1.0, 0.0]]), np.array([0, 1])) == pytest.approx((0.5 + 2) / 2)
    assert defences.total_variation(np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]])) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="shapes differ"):
        defences.total_variation(np.ones((1, 2)), np.ones((2, 2)))


def test_answer_keeping_noise_never_changes_an_answer_but_still_perturbs_the_scores():
    clean = extraction.TeacherAPI(TEACHER, "probabilities").query(INPUTS)
    flipping = extraction.TeacherAPI(TEACHER, "probabilities", noise_scale=2.0, seed=3).query(INPUTS)
    keeping = extraction.TeacherAPI(TEACHER, "probabilities", noise_scale=2.0, keep_answer=True, seed=3).query(INPUTS)
    assert (flipping.labels != clean.labels).mean() > 0.05  # plain noise flips answers
    np.testing.assert_array_equal(keeping.labels, clean.labels)  # answer-keeping noise never does
    np.testing.assert_allclose(keeping.probabilities.sum(axis=1), 1.0)
    # Same noise draw: the kept scores are the flipped ones with (at most) two entries swapped per row.
    np.testing.assert_allclose(np.sort(keeping.logprobs, axis=1), np.sort(flipping.logprobs, axis=1))
    assert defences.total_variation(keeping.probabilities, clean.probabilities) > 0.05
    top_k = extraction.TeacherAPI(TEACHER, "top_k", k=2, noise_scale=2.0, keep_answer=True, seed=3).query(INPUTS)
    np.testing.assert_array_equal(top_k.labels, clean.labels)
    with pytest.raises(ValueError, match="keep_answer applies only"):
        extraction.TeacherAPI(TEACHER, "probabilities", keep_answer=True)


def test_defence_costs_vary_with_the_noise_draw_and_the_tradeoff_table_keeps_the_range():
    labels = TEACHER.predict(INPUTS)
    apis = {"open": {"mode": "probabilities"}, "noisy": {"mode": "probabilities", "noise_scale": 2.0}}
    costs = defences.defence_costs(TEACHER, apis, INPUTS, labels, seeds=[0, 1, 2])
    noisy = costs[costs["mode"] == "noisy"]
    open_brier = costs[costs["mode"] == "open"]["brier_score"].to_numpy()
    assert noisy["brier_score"].nunique() == 3 and (open_brier == open_brier[0]).all()
    runs = pd.DataFrame(
        {
            "mode": ["open"] * 4 + ["noisy"] * 4,
            "queries": [10, 100] * 4,
            "seed": [0, 0, 1, 1] * 2,
            "agreement": [0.9, 0.99, 0.8, 0.99, 0.5, 0.9, 0.5, 0.95],
        }
    )
    table = defences.tradeoff_table(costs, runs, {"open": "soft targets", "noisy": "defence"}, 10, "open")
    row = table.set_index("mode").loc["noisy"]
    assert row["brier_score_pct_low"] <= row["brier_score_pct"] <= row["brier_score_pct_high"]
    open_queries = table.set_index("mode").loc["open", "queries_to_90"]
    assert open_queries == pytest.approx(10 ** (1 + 0.05 / 0.14))  # mean curve 0.85 -> 0.99, log-interpolated
    assert row["queries_ratio"] == pytest.approx(row["queries_to_90"] / open_queries)
    assert row["ratio_low"] == pytest.approx(10 ** (1 + 0.4 / 0.45) / 10 ** (1 + 0.1 / 0.19))  # seed 1
    assert row["ratio_high"] == pytest.approx(100 / 10)  # seed 0: 100 queries against 10
    assert row["ratio_low"] < row["ratio_high"]
    assert table["agreement_pct"].tolist() == pytest.approx([85, 50])
    shown = tables.format_tradeoff_table(table, 10)
    assert shown.iloc[0]["× undefended (seed range)"] == "1.0"
    assert shown.iloc[1]["× undefended (seed range)"].startswith(f"{row['queries_ratio']:.1f} (")
    with pytest.raises(ValueError, match="no agreement"):
        defences.tradeoff_table(costs, runs, {"open": "soft targets", "noisy": "defence"}, 7, "open")


def test_pools_have_the_right_shape_range_and_are_seeded():
    source = np.random.default_rng(0).uniform(size=(30, 64))
    mixed = pools.mixed_pool(source, 50, seed=1)
    assert mixed.shape == (50, 64)
    assert source.min() <= mixed.min() and mixed.max() <= source.max()
    np.testing.assert_array_equal(mixed, pools.mixed_pool(source, 50, seed=1))
    noise = pools.random_pool(20, 64, seed=2)
    assert noise.shape == (20, 64) and noise.min() >= 0 and noise.max() <= 1
    with pytest.raises(ValueError):
        pools.mixed_pool(source, 5, low=0.8, high=0.2)


@pytest.mark.integration
def test_natural_patches_are_grey_8x8_in_the_digits_levels_and_no_digit():
    patches = pools.natural_patch_pool(200, seed=4)
    assert patches.shape == (200, 64) and patches.min() >= 0 and patches.max() <= 1
    np.testing.assert_allclose(patches * 16, np.round(patches * 16))  # whole levels 0..16, as the digits have
    np.testing.assert_array_equal(patches, pools.natural_patch_pool(200, seed=4))
    assert not np.array_equal(patches, pools.natural_patch_pool(200, seed=5))
    assert patches.std(axis=0).mean() > 0.05  # varied patches, not one flat image
    digits_data = digits.load_digit_split()
    every_digit = np.vstack([digits_data.train_inputs, digits_data.validation_inputs, digits_data.test_inputs])
    nearest = np.min(np.linalg.norm(patches[:, None, :] - every_digit[None, :, :], axis=2), axis=1)
    assert (nearest > 0).all()
    with pytest.raises(ValueError, match="multiple"):
        pools.natural_patch_pool(5, patch_side=12)


def test_held_out_digits_are_disjoint_from_the_teachers_training_images():
    split = digits.load_digit_split()
    train = {row.tobytes() for row in split.train_inputs}
    held_out = [row.tobytes() for row in split.validation_inputs]
    # A few digits images are exact duplicates in the data set; almost none of the held-out pool is.
    assert np.mean([row in train for row in held_out]) < 0.02


@pytest.mark.integration
def test_query_experiment_is_tidy_deterministic_and_checks_budgets():
    split = digits.load_digit_split()
    teacher = digits.make_teacher(split.train_inputs, split.train_labels, members=1, hidden_layers=(16,))
    pools = {"same": split.train_inputs[:200]}
    apis = {"full": {"mode": "probabilities"}, "answer": {"mode": "label"}}
    arguments = (teacher, pools, apis, [20, 60], [0, 1], split.test_inputs, split.test_labels)
    first = extraction.query_experiment(*arguments, temperature=5.0)
    assert list(first.columns) == ["mode", "pool", "queries", "seed", "agreement", "test_accuracy"]
    assert len(first) == 2 * 2 * 2 and set(first["queries"]) == {20, 60}
    assert first["agreement"].between(0, 1).all() and first["test_accuracy"].between(0, 1).all()
    pd.testing.assert_frame_equal(first, extraction.query_experiment(*arguments, temperature=5.0))
    with pytest.raises(ValueError, match="query counts"):
        extraction.query_experiment(teacher, pools, apis, [500], [0], split.test_inputs, split.test_labels, 5.0)
    small = {"tiny": split.train_inputs[:30]}
    skipped = extraction.query_experiment(
        teacher, small, apis, [20, 60], [0], split.test_inputs, split.test_labels, 5.0
    )
    assert set(skipped["queries"]) == {20}  # a budget larger than the pool is skipped for that pool
    # The top-1 copier's own temperature: T = 1 gives different targets (and a different student) from T = 5.
    top1 = {"top1": {"mode": "top_k", "k": 1}}
    at_five = extraction.query_experiment(teacher, small, top1, [20], [0], split.test_inputs, split.test_labels, 5.0)
    top1_at_one = {"top1": {"mode": "top_k", "k": 1, "copier_temperature": 1.0}}
    at_one = extraction.query_experiment(
        teacher, small, top1_at_one, [20], [0], split.test_inputs, split.test_labels, 5.0
    )
    assert at_one["agreement"].iloc[0] != at_five["agreement"].iloc[0]


def test_queries_to_reach_interpolates_on_the_log_scale_for_the_mean_and_per_seed():
    runs = pd.DataFrame(
        {
            "queries": [10, 100] * 4,
            "mode": ["a"] * 4 + ["b"] * 4,
            "seed": [0, 0, 1, 1] * 2,
            "agreement": [0.8, 1.0, 0.8, 1.0, 0.5, 0.6, 0.5, 0.95],
        }
    )
    assert extraction.queries_to_reach(runs, "a", 0.9) == pytest.approx(math.sqrt(10 * 100))
    assert extraction.queries_to_reach(runs, "b", 0.9) is None  # the mean curve tops out at 0.775
    by_seed = extraction.queries_to_reach(runs, "b", 0.9, by_seed=True)
    assert np.isnan(by_seed[0]) and 10 < by_seed[1] < 100
    with pytest.raises(ValueError, match="no runs"):
        extraction.queries_to_reach(runs, "c", 0.9)


def test_price_tag_table_marks_bounds_estimates_and_source_kinds():
    studies = pd.DataFrame(
        {
            "study": ["A", "B", "C"],
            "target": ["t", "t", "t"],
            "queries": pd.array([650, None, None], dtype="Int64"),
            "cost_usd": [np.nan, 2000.0, np.nan],
            "outcome": ["copied", "estimated", "qualitative"],
            "metric": ["attack_time", "estimated_cost_upper_bound", "qualitative_outcome"],
            "value": [70.0, 2000.0, np.nan],
            "source_id": ["s1", "s2", "s2"],
        }
    )
    sources = pd.DataFrame({"source_id": ["s1", "s2"], "kind": ["secondary", "primary"]})
    table = tables.price_tag_table(studies, sources)
    assert table["Study"].tolist() == ["A", "B"]
    assert table["Queries"].tolist() == ["650", ""]
    assert table["Cost"].tolist() == ["", "≤ $2,000 (estimate)"]
    assert table["Result"].iloc[0] == "copied in 70 s"
    assert table["Source kind"].tolist() == ["secondary", "primary"]


def test_scale_points_and_response_table():
    campaigns = pd.DataFrame(
        {
            "accused_company": ["X"],
            "target_model_family": ["Claude"],
            "exchanges_lower_bound": pd.array([150000], dtype="Int64"),
            "exchanges_bound": ["at least"],
        }
    )
    datasets = pd.DataFrame({"model_family": ["M (and more)"], "samples": pd.array([800000], dtype="Int64")})
    points = tables.scale_points(campaigns, datasets, {"ours": 40.0})
    assert points["count"].tolist() == [150000.0, 800000.0, 40.0]
    assert points["lower_bound"].tolist() == [True, False, False]
    assert points["label"].iloc[1].startswith("M: ")
    responses = {
        "top": extraction.TeacherAPI(TEACHER, "top_k", k=2).query(INPUTS[:1]),
        "answer": extraction.TeacherAPI(TEACHER, "label").query(INPUTS[:1]),
    }
    table = tables.response_table(responses)
    digits = [str(d) for d in range(CLASSES)]
    assert (table.loc[0, digits] != "·").sum() == 2 and (table.loc[1, digits] == "·").all()
