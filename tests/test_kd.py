"""Distillation maths and the student trainer: gradients, minima, temperature scaling, determinism, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from distillbook.distillation import config, digits, experiments, kd, tables, training

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
    gaps = experiments.high_temperature_gap(STUDENT, TEACHER, [1, 10, 100, 1000])
    median = gaps.groupby("temperature")["relative_gap"].median().tolist()
    assert median[0] > median[1] > median[2] > median[3] and median[3] < 0.01
    assert len(gaps) == 4 * len(STUDENT)
    # Logits spread ten times wider need a ten times higher temperature for the same gap.
    wide = experiments.high_temperature_gap(10 * STUDENT, 10 * TEACHER, [10, 100])
    np.testing.assert_allclose(wide.groupby("temperature")["relative_gap"].median().to_numpy(), median[:2], rtol=1e-9)


def test_t_squared_only_rescales_the_soft_loss_so_adam_barely_notices_it_with_alpha_zero():
    targets = kd.softmax(TEACHER, 5.0)
    with_factor = kd.distillation_loss(STUDENT, targets, None, 5.0, 0.0)
    without = kd.distillation_loss(STUDENT, targets, None, 5.0, 0.0, t_squared=False)
    assert with_factor[0] == pytest.approx(25 * without[0])
    np.testing.assert_allclose(with_factor[1], 25 * without[1])
    split = digits.load_digit_split()
    inputs, soft = split.train_inputs[:60], kd.softmax(np.random.default_rng(1).normal(size=(60, 10)) * 4, 5.0)
    common = {"soft_targets": soft, "temperature": 5.0, "epochs": 50, "seed": 2, "weight_decay": 0.0}
    one = training.train_student(inputs, **common)
    other = training.train_student(inputs, **common, t_squared=False)
    # Adam divides by the gradient's running size: a constant factor changes only the epsilon term (weight decay,
    # which the factor does not scale, is what makes it matter in the chapter's trainer).
    np.testing.assert_allclose(one.logits(inputs), other.logits(inputs), rtol=1e-3, atol=1e-3)
    # With alpha > 0 the factor sets the balance between labels and soft targets, so it matters.
    labels = split.train_labels[:60]
    mixed = training.train_student(inputs, soft, labels, 5.0, alpha=0.5, epochs=50, seed=2)
    mixed_flat = training.train_student(inputs, soft, labels, 5.0, alpha=0.5, epochs=50, seed=2, t_squared=False)
    assert np.abs(mixed.logits(inputs) - mixed_flat.logits(inputs)).max() > 0.1


def test_training_is_seeded_and_learns():
    split = digits.load_digit_split()
    inputs, labels = split.train_inputs[:200], split.train_labels[:200]
    first = training.train_student(inputs, labels=labels, alpha=1.0, epochs=60, seed=3)
    second = training.train_student(inputs, labels=labels, alpha=1.0, epochs=60, seed=3)
    np.testing.assert_array_equal(first.logits(split.test_inputs), second.logits(split.test_inputs))
    assert digits.accuracy(first.predict(split.test_inputs), split.test_labels) > 0.6


def test_a_student_learns_from_soft_targets_without_labels():
    split = digits.load_digit_split()
    teacher = digits.make_teacher(split.train_inputs, split.train_labels, members=1, hidden_layers=(32,))
    targets = kd.softmax(teacher.logits(split.train_inputs[:300]), 4.0)
    student = training.train_student(split.train_inputs[:300], soft_targets=targets, temperature=4.0, epochs=100)
    assert digits.accuracy(student.predict(split.test_inputs), split.test_labels) > 0.8


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
    rates = tables.paper_error_rates_percent(hinton)
    assert rates["teacher"] == pytest.approx(0.67) and rates["fixed_on_digit"] == pytest.approx(100 * 14 / 1010)
    with pytest.raises(ValueError, match="exactly one row"):
        tables.paper_error_rates_percent(hinton.iloc[1:])


def test_first_reach_and_examples_to_reach_interpolate_in_log_size():
    assert experiments.first_reach([10, 100, 1000], [0.5, 0.7, 0.9], 0.8) == pytest.approx(np.sqrt(100 * 1000))
    assert experiments.first_reach([10, 100, 1000], [0.5, 0.7, 0.9], 0.4) == 10
    assert experiments.first_reach([10, 100, 1000], [0.5, 0.7, 0.9], 0.95) is None
    with pytest.raises(ValueError, match="same length"):
        experiments.first_reach([1, 2], [0.5], 0.5)
    runs = pd.DataFrame(
        {
            "transfer_set_size": [10, 100, 1000, 10, 100, 1000],
            "condition": ["a"] * 6,
            "seed": [0, 0, 0, 1, 1, 1],
            "test_accuracy": [0.4, 0.6, 0.8, 0.6, 0.8, 1.0],
        }
    )
    assert experiments.examples_to_reach(runs, "a", 0.8) == pytest.approx(np.sqrt(100 * 1000))
    with pytest.raises(ValueError, match="no rows"):
        experiments.examples_to_reach(runs, "b", 0.5)


def test_per_seed_examples_ratio_uses_each_seeds_own_curves():
    soft = experiments.condition_name(5.0)
    runs = pd.DataFrame(
        {
            "transfer_set_size": [10, 10, 100, 10, 10, 100],
            "condition": [soft, "hard labels", "hard labels"] * 2,
            "seed": [0, 0, 0, 1, 1, 1],
            "test_accuracy": [0.7, 0.5, 0.9, 0.95, 0.5, 0.9],
        }
    )
    ratios = experiments.per_seed_examples_ratio(runs, soft, 10)
    assert ratios["ratio"].iloc[0] == pytest.approx(np.sqrt(10 * 100) / 10)
    assert np.isnan(ratios["ratio"].iloc[1])  # seed 1's labels never reach 95%
    with pytest.raises(ValueError, match="need one"):
        experiments.per_seed_examples_ratio(runs, soft, 100)


def test_temperature_is_chosen_on_validation_accuracy_never_on_test():
    runs = pd.DataFrame(
        {
            "temperature": [2.0, 2.0, 5.0, 5.0, np.nan],
            "alpha": [0.0, 0.0, 0.0, 0.0, 1.0],
            "validation_accuracy": [0.8, 0.8, 0.9, 0.7, 1.0],
            "test_accuracy": [0.1, 0.1, 1.0, 1.0, 1.0],
        }
    )
    assert experiments.select_temperature(runs) == 2.0  # T=5 wins on test but not on validation
    runs.loc[2, "validation_accuracy"] = 0.95
    assert experiments.select_temperature(runs) == 5.0
    with pytest.raises(ValueError, match="no soft-target runs"):
        experiments.select_temperature(runs[runs["alpha"] == 1])


def test_learning_curve_records_validation_and_test_and_the_shared_config_is_one_place():
    split = digits.load_digit_split()
    logits = np.random.default_rng(0).normal(size=(len(split.train_labels), 10)) * 3
    runs = experiments.learning_curve(split, logits, [20], [(None, 1.0), (5.0, 0.0), (5.0, 0.5)], [0])
    assert runs["condition"].tolist() == ["hard labels", "soft targets, T=5", "hard + soft, T=5, α=0.5"]
    assert runs["family"].tolist() == ["hard labels", "soft targets", "soft targets"]
    assert runs["validation_accuracy"].between(0, 1).all() and runs["test_accuracy"].between(0, 1).all()
    with pytest.raises(ValueError, match="outside"):
        experiments.learning_curve(split, logits, [0], [(None, 1.0)], [0])
    assert config.SMALLEST_SIZE in config.SELECTION_SIZES and max(config.TEMPERATURES) >= 50


def test_label_weight_decay_is_chosen_on_validation_and_reaches_only_the_label_students():
    split = digits.load_digit_split()
    chosen, runs = experiments.select_label_weight_decay(split, [20, 40], [1e-4, 1.0], [0, 1])
    assert set(runs["weight_decay"]) == {1e-4, 1.0} and (runs["condition"] == experiments.HARD_LABELS).all()
    means = runs.groupby("weight_decay")["validation_accuracy"].mean()
    assert chosen == means.idxmax() == 1e-4  # a decay of 1 crushes the weights of a small student
    inputs, labels = split.train_inputs[:40], split.train_labels[:40]
    logits = np.random.default_rng(0).normal(size=(40, 10))
    plain = experiments.train_condition(inputs, labels, logits, None, 0)
    decayed = experiments.train_condition(inputs, labels, logits, None, 0, label_weight_decay=1.0)
    assert np.abs(decayed.hidden_weights).sum() < np.abs(plain.hidden_weights).sum()
    soft = experiments.train_condition(inputs, labels, logits, 5.0, 0)
    soft_too = experiments.train_condition(inputs, labels, logits, 5.0, 0, label_weight_decay=1.0)
    np.testing.assert_array_equal(soft.hidden_weights, soft_too.hidden_weights)
    with pytest.raises(ValueError, match="no weight decays"):
        experiments.select_label_weight_decay(split, [20], [], [0])
    assert experiments.DEFAULT_WEIGHT_DECAY in config.LABEL_WEIGHT_DECAYS


def test_shifted_copies_move_every_image_by_one_pixel():
    image = np.zeros((1, 64))
    image[0, 3 * 8 + 4] = 1.0  # row 3, column 4
    shifted, labels = digits.shifted_copies(image, np.array([7]))
    assert shifted.shape == (5, 64) and labels.tolist() == [7] * 5
    positions = sorted(divmod(int(np.argmax(row)), 8) for row in shifted[1:])
    assert positions == [(2, 4), (3, 3), (3, 5), (4, 4)]
    with pytest.raises(ValueError, match="pixels"):
        digits.shifted_copies(image, np.array([7]), pixels=0)


def test_illustrative_example_is_the_most_extreme_confident_one():
    logits = np.array([[5.0, 4.0, 0.0], [9.0, 0.0, 0.0], [9.0, 6.0, 0.0]])
    labels = np.array([0, 0, 0])
    # Row 0 is not confident enough at 0.95; row 2 has the larger runner-up among the confident rows.
    assert experiments.illustrative_example(logits, labels) == 2
    np.testing.assert_allclose(experiments.runner_up_probabilities(logits)[1], kd.softmax(logits[1])[1])
    with pytest.raises(ValueError, match="no correctly classified"):
        experiments.illustrative_example(logits, np.array([1, 1, 1]))


def test_figures_take_data_and_an_axes_and_return_it_deterministically():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from distillbook.distillation import figures

    runs = pd.DataFrame(
        {
            "condition": ["hard labels"] * 3 + ["soft targets, T=5"] * 3,
            "family": ["hard labels"] * 3 + ["soft targets"] * 3,
            "seed": [0, 1, 2] * 2,
            "accuracy_on_digit": [0.0, 0.0, 0.7, 0.9, 0.8, 0.95],
        }
    )
    drawn = []
    for _ in range(2):
        figure, ax = plt.subplots()
        assert figures.plot_omitted_digit(runs, ax) is ax
        drawn.append(np.vstack([collection.get_offsets() for collection in ax.collections]))
        plt.close(figure)
    np.testing.assert_array_equal(drawn[0], drawn[1])  # no random jitter
    assert len(drawn[0]) == 6 + 2  # six seeds' points and two means


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("t_squared", [True, False])
def test_distillation_gradient_equals_the_loss_gradient_bit_for_bit(alpha, t_squared):
    targets = kd.softmax(TEACHER, 4.0)
    _, expected = kd.distillation_loss(STUDENT, targets, LABELS, 4.0, alpha, t_squared)
    gradient = kd.distillation_gradient(STUDENT, targets, kd.one_hot(LABELS), 4.0, alpha, t_squared)
    assert np.array_equal(gradient, expected)


def test_train_student_reuses_an_identical_run_and_retrains_on_any_difference(monkeypatch):
    training.clear_cache()
    calls = []
    real_train = training._train
    monkeypatch.setattr(training, "_train", lambda *args: calls.append(args) or real_train(*args))
    inputs, labels = RNG.normal(size=(12, 6)), np.arange(12) % 10
    first = training.train_student(inputs, labels=labels, alpha=1.0, epochs=5)
    again = training.train_student(inputs.copy(), labels=labels.copy(), alpha=1.0, epochs=5)
    assert len(calls) == 1 and again is not first
    assert all(np.array_equal(a, b) for a, b in zip(vars(first).values(), vars(again).values(), strict=True))
    again.hidden_weights[:] = 0.0  # a caller's change to its copy does not reach the cache
    assert np.array_equal(training.train_student(inputs, labels=labels, alpha=1.0, epochs=5).hidden_weights,
                          first.hidden_weights)  # fmt: skip
    changed = inputs.copy()
    changed[0, 0] += 1e-12
    training.train_student(changed, labels=labels, alpha=1.0, epochs=5)
    training.train_student(inputs, labels=labels, alpha=1.0, epochs=5, seed=1)
    assert len(calls) == 3
    training.clear_cache()
    uncached = training.train_student(inputs, labels=labels, alpha=1.0, epochs=5)
    assert len(calls) == 4 and np.array_equal(uncached.output_weights, first.output_weights)
