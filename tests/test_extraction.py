"""The query API, its response modes and defences, the copier's targets, and the chapter-2 experiment helpers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from distillbook import extraction, kd

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


def test_expected_calibration_error_by_hand():
    # Bin 0.9: 2 answers, 1 right -> |0.5 - 0.9| = 0.4; bin 0.6: 2 right -> |1 - 0.6| = 0.4; weighted mean 0.4.
    assert extraction.expected_calibration_error([0.9, 0.9, 0.6, 0.6], [True, False, True, True]) == pytest.approx(0.4)
    assert extraction.expected_calibration_error([1.0, 1.0, 0.5, 0.5], [True, True, True, False]) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="same length"):
        extraction.expected_calibration_error([0.5], [True, False])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        extraction.expected_calibration_error([1.5], [True])


def test_honest_user_view_treats_a_bare_answer_as_full_confidence():
    labels = TEACHER.predict(INPUTS).copy()
    labels[:40] = (labels[:40] + 1) % CLASSES  # 10% of the "truth" disagrees with the teacher
    view = extraction.honest_user_view(extraction.TeacherAPI(TEACHER, "label").query(INPUTS), labels)
    assert view["accuracy"] == pytest.approx(0.9)
    assert view["calibration_error"] == pytest.approx(0.1)
    costs = extraction.defence_costs(TEACHER, {"answer": {"mode": "label"}}, INPUTS, labels)
    assert costs.to_dict("records") == [{"mode": "answer", **view}]


def test_pools_have_the_right_shape_range_and_are_seeded():
    source = np.random.default_rng(0).uniform(size=(30, 64))
    mixed = extraction.mixed_pool(source, 50, seed=1)
    assert mixed.shape == (50, 64)
    assert source.min() <= mixed.min() and mixed.max() <= source.max()
    np.testing.assert_array_equal(mixed, extraction.mixed_pool(source, 50, seed=1))
    noise = extraction.random_pool(20, 64, seed=2)
    assert noise.shape == (20, 64) and noise.min() >= 0 and noise.max() <= 1
    with pytest.raises(ValueError):
        extraction.mixed_pool(source, 5, low=0.8, high=0.2)


def test_query_experiment_is_tidy_deterministic_and_checks_budgets():
    split = kd.load_digit_split()
    teacher = kd.make_teacher(split.train_inputs, split.train_labels, members=1, hidden_layers=(16,))
    pools = {"same": split.train_inputs[:200]}
    apis = {"full": {"mode": "probabilities"}, "answer": {"mode": "label"}}
    arguments = (teacher, pools, apis, [20, 60], [0, 1], split.test_inputs, split.test_labels)
    first = extraction.query_experiment(*arguments)
    assert list(first.columns) == ["mode", "pool", "queries", "seed", "agreement", "test_accuracy"]
    assert len(first) == 2 * 2 * 2 and set(first["queries"]) == {20, 60}
    assert first["agreement"].between(0, 1).all() and first["test_accuracy"].between(0, 1).all()
    pd.testing.assert_frame_equal(first, extraction.query_experiment(*arguments))
    with pytest.raises(ValueError, match="query counts"):
        extraction.query_experiment(teacher, pools, apis, [500], [0], split.test_inputs, split.test_labels)


def test_queries_to_reach_interpolates_on_the_log_scale():
    summary = pd.DataFrame({"queries": [10, 100, 10, 100], "mode": ["a", "a", "b", "b"], "mean": [0.8, 1.0, 0.5, 0.6]})
    assert extraction.queries_to_reach(summary, "a", 0.9) == pytest.approx(math.sqrt(10 * 100))
    assert extraction.queries_to_reach(summary, "b", 0.9) is None


def test_tradeoff_table_ratio_by_hand():
    costs = pd.DataFrame({"mode": ["open", "shut"], "accuracy": [0.9, 0.8], "calibration_error": [0.01, 0.05]})
    agreement = pd.DataFrame(
        {"queries": [10, 100, 10, 100], "mode": ["open", "open", "shut", "shut"], "mean": [0.9, 0.99, 0.5, 0.9]}
    )
    table = extraction.tradeoff_table(costs, agreement, {"open": "none", "shut": "less"}, 10, "open")
    assert table["queries_to_90"].tolist() == pytest.approx([10, 100])
    assert table["queries_ratio"].tolist() == pytest.approx([1, 10])
    assert table["agreement_pct"].tolist() == pytest.approx([90, 50])
    shown = extraction.format_tradeoff_table(table, 10)
    assert shown.iloc[1]["× undefended"] == "10.0"
    with pytest.raises(ValueError, match="no agreement"):
        extraction.tradeoff_table(costs, agreement, {"open": "none", "shut": "less"}, 7, "open")


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
    table = extraction.price_tag_table(studies, sources)
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
    points = extraction.scale_points(campaigns, datasets, {"ours": 40.0})
    assert points["count"].tolist() == [150000.0, 800000.0, 40.0]
    assert points["lower_bound"].tolist() == [True, False, False]
    assert points["label"].iloc[1].startswith("M: ")
    responses = {
        "top": extraction.TeacherAPI(TEACHER, "top_k", k=2).query(INPUTS[:1]),
        "answer": extraction.TeacherAPI(TEACHER, "label").query(INPUTS[:1]),
    }
    table = extraction.response_table(responses)
    digits = [str(d) for d in range(CLASSES)]
    assert (table.loc[0, digits] != "·").sum() == 2 and (table.loc[1, digits] == "·").all()
