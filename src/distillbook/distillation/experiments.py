"""Chapter 1's experiments: each returns a tidy DataFrame, one row per trained student, plus per-seed summaries.

A *condition* is what a student learns from: hard labels (``temperature=None``), the teacher's soft targets at a
temperature (``alpha=0``), or both (``alpha > 0``, Hinton et al.'s own setup).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from distillbook.distillation.digits import DigitsSplit, accuracy
from distillbook.distillation.kd import NUMBER_OF_CLASSES, distillation_loss, logit_matching_gradient, softmax
from distillbook.distillation.training import Student, train_student

HARD_LABELS = "hard labels"
DEFAULT_WEIGHT_DECAY = 1e-4  # the training.train_student default
Condition = tuple[float | None, float]  # (temperature or None for hard labels, alpha)


def condition_name(temperature: float | None, alpha: float = 0.0) -> str:
    """Name a condition: ``'hard labels'``, ``'soft targets, T=5'`` or ``'hard + soft, T=5, α=0.33'``."""
    if temperature is None:
        return HARD_LABELS
    if alpha == 0:
        return f"soft targets, T={temperature:g}"
    return f"hard + soft, T={temperature:g}, α={alpha:.2g}"


def condition_family(temperature: float | None, alpha: float = 0.0) -> str:
    """The ``style.condition_colour`` key of a condition: 'hard labels' or 'soft targets'."""
    return HARD_LABELS if temperature is None else "soft targets"


def train_condition(
    inputs: np.ndarray,
    labels: np.ndarray,
    teacher_logits: np.ndarray,
    temperature: float | None,
    seed: int,
    alpha: float = 0.0,
    t_squared: bool = True,
    label_weight_decay: float = DEFAULT_WEIGHT_DECAY,
) -> Student:
    """Train one student on hard labels (``temperature=None``) or on soft targets at ``temperature``, mixed with
    the labels by ``alpha``; return it. ``label_weight_decay`` applies to the hard-label condition only (its one
    tuned setting, :func:`select_label_weight_decay`); soft-target students keep the trainer's default."""
    if temperature is None:
        return train_student(inputs, labels=labels, alpha=1.0, seed=seed, weight_decay=label_weight_decay)
    soft_targets = softmax(teacher_logits, temperature)
    return train_student(
        inputs, soft_targets=soft_targets, labels=labels, temperature=temperature, alpha=alpha, seed=seed,
        t_squared=t_squared,
    )  # fmt: skip


def learning_curve(
    split: DigitsSplit,
    teacher_logits: np.ndarray,
    sizes: Sequence[int],
    conditions: Sequence[Condition],
    seeds: Sequence[int],
    label_weight_decay: float = DEFAULT_WEIGHT_DECAY,
) -> pd.DataFrame:
    """Train a student per (transfer-set size, condition, seed); return its validation and test accuracy.

    ``teacher_logits`` are the teacher's logits on ``split.train_inputs``. For each seed and size the transfer set
    is a random subset of the training split, the same for every condition, so conditions see equal data.
    Columns: transfer_set_size, condition, family, temperature (NaN for labels), alpha, seed,
    validation_accuracy and test_accuracy (0 to 1). ``label_weight_decay`` is passed to :func:`train_condition`.
    """
    rows = []
    for size in sizes:
        if not 0 < size <= len(split.train_labels):
            raise ValueError(f"transfer-set size {size} is outside 1..{len(split.train_labels)}")
        for seed in seeds:
            chosen = np.random.default_rng(seed).choice(len(split.train_labels), size, replace=False)
            for temperature, alpha in conditions:
                student = train_condition(
                    split.train_inputs[chosen], split.train_labels[chosen], teacher_logits[chosen], temperature,
                    seed, alpha, label_weight_decay=label_weight_decay,
                )  # fmt: skip
                rows.append(
                    {
                        "transfer_set_size": size,
                        "condition": condition_name(temperature, alpha),
                        "family": condition_family(temperature, alpha),
                        "temperature": np.nan if temperature is None else float(temperature),
                        "alpha": 1.0 if temperature is None else float(alpha),
                        "seed": seed,
                        "validation_accuracy": accuracy(
                            student.predict(split.validation_inputs), split.validation_labels
                        ),
                        "test_accuracy": accuracy(student.predict(split.test_inputs), split.test_labels),
                    }
                )
    return pd.DataFrame(rows)


def select_temperature(runs: pd.DataFrame) -> float:
    """The temperature of the soft-target (alpha = 0) condition with the highest mean *validation* accuracy.

    The mean is over every transfer-set size and seed in ``runs`` (:func:`learning_curve`); ties go to the lower
    temperature. The test split plays no part in the choice.
    """
    soft = runs[(runs["alpha"] == 0) & runs["temperature"].notna()]
    if soft.empty:
        raise ValueError("no soft-target runs (alpha = 0) to choose a temperature from")
    means = soft.groupby("temperature")["validation_accuracy"].mean().sort_index()
    return float(means.idxmax())


def chosen_temperature(
    split: DigitsSplit, teacher_logits: np.ndarray, sizes: Sequence[int], temperatures: Sequence[float], seeds
) -> tuple[float, pd.DataFrame]:
    """Run the validation sweep (soft targets only) and return (chosen temperature, its runs)."""
    runs = learning_curve(split, teacher_logits, sizes, [(t, 0.0) for t in temperatures], seeds)
    return select_temperature(runs), runs


def select_label_weight_decay(
    split: DigitsSplit, sizes: Sequence[int], weight_decays: Sequence[float], seeds: Sequence[int]
) -> tuple[float, pd.DataFrame]:
    """Choose the hard-label students' weight decay on *validation* accuracy; return (choice, its runs).

    The label condition's counterpart of the temperature choice: hard-label students are trained at every value
    of ``weight_decays`` on the transfer sets of ``sizes`` with every seed, and the value with the highest mean
    validation accuracy wins (ties go to the smaller value). Runs gain a weight_decay column.
    """
    if not weight_decays:
        raise ValueError("no weight decays to choose from")
    frames = []
    for decay in sorted(weight_decays):
        frame = learning_curve(split, np.zeros((len(split.train_labels), NUMBER_OF_CLASSES)), sizes,
                               [(None, 1.0)], seeds, label_weight_decay=decay)  # fmt: skip
        frames.append(frame.assign(weight_decay=decay))
    runs = pd.concat(frames, ignore_index=True)
    means = runs.groupby("weight_decay")["validation_accuracy"].mean().sort_index()
    return float(means.idxmax()), runs


def first_reach(x: np.ndarray, y: np.ndarray, target: float) -> float | None:
    """Smallest ``x`` at which the curve ``y(x)`` reaches ``target``, interpolating linearly in log(x).

    ``x`` must be increasing and positive. Returns ``x[0]`` if the curve starts at or above the target and None
    if it never reaches it.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size == 0 or x.shape != y.shape:
        raise ValueError("x and y must be non-empty and of the same length")
    if y[0] >= target:
        return float(x[0])
    for index in range(1, len(x)):
        if y[index] >= target:
            share = (target - y[index - 1]) / (y[index] - y[index - 1])
            return float(np.exp(np.log(x[index - 1]) + share * (np.log(x[index]) - np.log(x[index - 1]))))
    return None


def examples_to_reach(runs: pd.DataFrame, condition: str, target_accuracy: float) -> float | None:
    """Transfer-set size at which ``condition``'s mean test accuracy over seeds first reaches the target."""
    rows = runs[runs["condition"] == condition]
    if rows.empty:
        raise ValueError(f"no rows for condition '{condition}'")
    curve = rows.groupby("transfer_set_size")["test_accuracy"].mean().sort_index()
    return first_reach(curve.index.to_numpy(), curve.to_numpy(), target_accuracy)


def per_seed_examples_ratio(runs: pd.DataFrame, soft_condition: str, size: int) -> pd.DataFrame:
    """Per seed: how many labelled examples match the soft-target student's test accuracy at ``size`` examples.

    For each seed the target is that seed's soft-target accuracy at ``size``, and the hard-label curve is that
    seed's own. Columns: seed, soft_accuracy, hard_examples_needed (NaN if never reached), ratio (over ``size``).
    """
    rows = []
    for seed, group in runs.groupby("seed"):
        soft = group[(group["condition"] == soft_condition) & (group["transfer_set_size"] == size)]
        if len(soft) != 1:
            raise ValueError(f"need one '{soft_condition}' run at size {size} for seed {seed}")
        target = float(soft["test_accuracy"].iloc[0])
        hard = group[group["condition"] == HARD_LABELS].sort_values("transfer_set_size")
        needed = first_reach(hard["transfer_set_size"].to_numpy(), hard["test_accuracy"].to_numpy(), target)
        needed = np.nan if needed is None else needed
        rows.append({"seed": seed, "soft_accuracy": target, "hard_examples_needed": needed, "ratio": needed / size})
    return pd.DataFrame(rows)


def best_class_bias(student: Student, inputs: np.ndarray, labels: np.ndarray, digit: int, grid: np.ndarray) -> float:
    """Return the bias added to ``digit``'s logit, from ``grid``, that maximises accuracy on (inputs, labels).

    Hinton et al. tuned this on the test set; we tune it on a separate validation split so the test is honest.
    Ties go to the smallest bias.
    """
    scores = []
    for bias in grid:
        shift = np.zeros(NUMBER_OF_CLASSES)
        shift[digit] = bias
        scores.append(accuracy(student.predict(inputs, shift), labels))
    return float(grid[int(np.argmax(scores))])


def omitted_class_experiment(
    split: DigitsSplit,
    teacher_logits: np.ndarray,
    digit: int,
    temperatures: Sequence[float | None],
    seeds: Sequence[int],
    bias_grid: np.ndarray,
    label_weight_decay: float = DEFAULT_WEIGHT_DECAY,
) -> pd.DataFrame:
    """Train students on a transfer set with no example of ``digit``; test them before and after a bias fix.

    Returns a DataFrame with columns condition, family, seed, bias (the chosen correction), stage ('before bias
    fix' or 'after bias fix'), accuracy_on_digit and accuracy_overall (test split, 0 to 1).
    """
    keep = split.train_labels != digit
    inputs, labels, logits = split.train_inputs[keep], split.train_labels[keep], teacher_logits[keep]
    is_digit = split.test_labels == digit
    rows = []
    for temperature in temperatures:
        for seed in seeds:
            student = train_condition(inputs, labels, logits, temperature, seed, label_weight_decay=label_weight_decay)
            bias = best_class_bias(student, split.validation_inputs, split.validation_labels, digit, bias_grid)
            for stage, value in (("before bias fix", 0.0), ("after bias fix", bias)):
                shift = np.zeros(NUMBER_OF_CLASSES)
                shift[digit] = value
                predicted = student.predict(split.test_inputs, shift)
                rows.append(
                    {
                        "condition": condition_name(temperature),
                        "family": condition_family(temperature),
                        "seed": seed,
                        "bias": bias,
                        "stage": stage,
                        "accuracy_on_digit": accuracy(predicted[is_digit], split.test_labels[is_digit]),
                        "accuracy_overall": accuracy(predicted, split.test_labels),
                    }
                )
    return pd.DataFrame(rows)


def high_temperature_gap(
    student_logits: np.ndarray, teacher_logits: np.ndarray, temperatures: Sequence[float]
) -> pd.DataFrame:
    """How far the T**2-scaled distillation gradient is from the logit-matching gradient, per example and T.

    ``student_logits`` and ``teacher_logits`` are (n, classes) arrays (a real student's and the real teacher's).
    Returns a DataFrame with columns temperature, example and relative_gap = |g_T - g_match| / |g_match| per
    example, where g_T is the soft-target gradient with alpha = 0 and g_match :func:`logit_matching_gradient`.
    """
    student_logits = np.asarray(student_logits, dtype=float)
    teacher_logits = np.asarray(teacher_logits, dtype=float)
    if student_logits.shape != teacher_logits.shape or student_logits.ndim != 2:
        raise ValueError("student_logits and teacher_logits must be 2-d arrays of the same shape")
    matching = logit_matching_gradient(student_logits, teacher_logits) / len(student_logits)
    frames = []
    for temperature in temperatures:
        soft = softmax(teacher_logits, temperature)
        _, gradient = distillation_loss(student_logits, soft, None, temperature, alpha=0.0)
        gap = np.linalg.norm(gradient - matching, axis=1) / np.linalg.norm(matching, axis=1)
        frames.append(pd.DataFrame({"temperature": temperature, "example": np.arange(len(gap)), "relative_gap": gap}))
    return pd.concat(frames, ignore_index=True)


def logit_spread(logits: np.ndarray) -> np.ndarray:
    """Per example, the standard deviation of the logits across classes (logit units)."""
    return np.asarray(logits, dtype=float).std(axis=1)


def illustrative_example(logits: np.ndarray, labels: np.ndarray, min_confidence: float = 0.95) -> int:
    """Index of a confidently and correctly classified example whose runner-up class is most probable.

    The most extreme such example by construction: at T = 1 it looks like a plain label, at higher T the
    teacher's view of which other digit it resembles appears. Deterministic: ties go to the lowest index.
    """
    probabilities = softmax(logits)
    ordered = np.sort(probabilities, axis=1)
    eligible = (probabilities.argmax(axis=1) == labels) & (ordered[:, -1] >= min_confidence)
    if not eligible.any():
        raise ValueError(f"no correctly classified example with confidence >= {min_confidence}")
    return int(np.argmax(np.where(eligible, ordered[:, -2], -1.0)))


def runner_up_probabilities(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Per example, the probability of the second most probable class at ``temperature`` (0 to 1)."""
    return np.sort(softmax(logits, temperature), axis=1)[:, -2]
