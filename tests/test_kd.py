"""Distillation maths and the student trainer: gradients, minima, temperature scaling, determinism, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from distillbook import kd

RNG = np.random.default_rng(7)
STUDENT = RNG.normal(size=(4, 10))
TEACHER = RNG.normal(size=(4, 10)) * 2
LABELS = np.array([0, 3, 9, 3])


def test_softmax_rows_sum_to_one_and_temperature_flattens():
    cold, hot = kd.softmax(TEACHER, 1.0), kd.softmax(TEACHER, 20.0)
    np.testing.assert_allclose(cold.sum(axis=1), 1.0)
    assert (hot.max(axis=1) < cold.max(axis=1)).all()
    assert np.isfinite(kd.softmax(np.array([[1000.0, 0.0]]))).all()


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("temperature", [1.0, 4.0])
def test_analytic_gradient_matches_finite_differences(alpha, temperature):
    targets = kd.softmax(TEACHER, temperature)
    _, gradient = kd.distillation_loss(STUDENT, targets, LABELS, temperature, alpha)
    step, numeric = 1e-6, np.zeros_like(STUDENT)
    for index in np.ndindex(STUDENT.shape):
        shifted_up, shifted_down = STUDENT.copy(), STUDENT.copy()
        shifted_up[index] += step
        shifted_down[index] -= step
        up, _ = kd.distillation_loss(shifted_up, targets, LABELS, temperature, alpha)
        down, _ = kd.distillation_loss(shifted_down, targets, LABELS, temperature, alpha)
        numeric[index] = (up - down) / (2 * step)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-8)


def test_soft_loss_is_minimal_when_the_student_equals_the_teacher():
    targets = kd.softmax(TEACHER, 3.0)
    at_teacher, gradient = kd.distillation_loss(TEACHER, targets, None, 3.0, alpha=0.0)
    assert at_teacher == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(gradient, 0.0, atol=1e-12)
    elsewhere, _ = kd.distillation_loss(STUDENT, targets, None, 3.0, alpha=0.0)
    assert elsewhere > at_teacher


def test_t_squared_scaling_keeps_gradients_comparable_across_temperatures():
    norms = []
    for temperature in (2.0, 10.0, 50.0):
        _, gradient = kd.distillation_loss(STUDENT, kd.softmax(TEACHER, temperature), None, temperature, 0.0)
        norms.append(np.linalg.norm(gradient))
    # Without the T**2 factor the norm would fall about 25-fold from T=10 to T=50; with it, it hardly moves.
    assert max(norms) / min(norms) < 1.5


def test_high_temperature_gradient_approaches_logit_matching():
    gaps = kd.high_temperature_gap([1, 10, 100])["relative_gap"].tolist()
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 0.01


def test_training_is_seeded_and_learns():
    split = kd.load_digit_split()
    inputs, labels = split.train_inputs[:200], split.train_labels[:200]
    first = kd.train_student(inputs, labels=labels, alpha=1.0, epochs=60, seed=3)
    second = kd.train_student(inputs, labels=labels, alpha=1.0, epochs=60, seed=3)
    np.testing.assert_array_equal(first.logits(split.test_inputs), second.logits(split.test_inputs))
    assert kd.accuracy(first.predict(split.test_inputs), split.test_labels) > 0.6


def test_a_student_learns_from_soft_targets_without_labels():
    split = kd.load_digit_split()
    teacher = kd.make_teacher(split.train_inputs, split.train_labels, members=1, hidden_layers=(32,))
    targets = kd.softmax(teacher.logits(split.train_inputs[:300]), 4.0)
    student = kd.train_student(split.train_inputs[:300], soft_targets=targets, temperature=4.0, epochs=100)
    assert kd.accuracy(student.predict(split.test_inputs), split.test_labels) > 0.8


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"temperature": 0.0}, "temperature must be a positive number"),
        ({"temperature": -1.0}, "temperature must be a positive number"),
        ({"alpha": 1.5}, r"alpha must lie in \[0, 1\]"),
        ({"alpha": -0.1}, r"alpha must lie in \[0, 1\]"),
        ({"soft_targets": np.ones((3, 10)) / 10}, r"soft_targets must have shape \(4, 10\)"),
        ({"labels": np.array([1, 2])}, r"labels must have shape \(4,\)"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, message):
    arguments = {
        "student_logits": STUDENT,
        "soft_targets": kd.softmax(TEACHER),
        "labels": LABELS,
        "temperature": 2.0,
        "alpha": 0.5,
    } | kwargs
    with pytest.raises(ValueError, match=message):
        kd.distillation_loss(**arguments)


def test_paper_error_rates_are_errors_over_test_set_sizes():
    rows = [
        ("mnist_dataset", "test_set_size", 10000),
        ("mnist_omitted_3", "threes_in_test_set", 1010),
        ("mnist_teacher", "test_errors", 67),
        ("mnist_student_hard_targets", "test_errors", 146),
        ("mnist_student_distilled", "test_errors", 74),
        ("mnist_omitted_3", "test_errors", 206),
        ("mnist_omitted_3", "test_errors_on_threes", 133),
        ("mnist_omitted_3_bias_corrected", "test_errors", 109),
        ("mnist_omitted_3_bias_corrected", "test_errors_on_threes", 14),
    ]
    hinton = pd.DataFrame(rows, columns=["experiment", "metric", "value"])
    rates = kd.paper_error_rates_percent(hinton)
    assert rates["teacher"] == pytest.approx(0.67) and rates["fixed_on_digit"] == pytest.approx(100 * 14 / 1010)
    with pytest.raises(ValueError, match="exactly one row"):
        kd.paper_error_rates_percent(hinton.iloc[1:])


def test_examples_to_reach_interpolates_in_log_size():
    curve = pd.DataFrame({"transfer_set_size": [10, 100, 1000], "condition": ["a"] * 3, "mean": [0.5, 0.7, 0.9]})
    assert kd.examples_to_reach(curve, "a", 0.8) == pytest.approx(np.sqrt(100 * 1000))
    assert kd.examples_to_reach(curve, "a", 0.4) == 10
    assert kd.examples_to_reach(curve, "a", 0.95) is None
    with pytest.raises(ValueError, match="no rows"):
        kd.examples_to_reach(curve, "b", 0.5)
