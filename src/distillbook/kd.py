"""Knowledge distillation (Hinton, Vinyals and Dean 2015) in numpy: soft targets, the loss, a student, a teacher.

The student is a one-hidden-layer network trained by full-batch Adam on

    loss = alpha * CE(hard labels, softmax(z)) + (1 - alpha) * T**2 * KL(softmax(v / T) || softmax(z / T))

where ``z`` are the student's logits, ``v`` the teacher's and ``T`` the temperature. The ``T**2`` factor keeps the
soft term's gradient the same size whatever ``T`` is, as the paper recommends. Everything is seeded, so a given
call returns the same student bit for bit (with one BLAS thread).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

NUMBER_OF_CLASSES = 10


def _check_temperature(temperature: float) -> None:
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a positive number, got {temperature}")


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Return the probabilities softmax(logits / temperature) along the last axis (rows sum to 1)."""
    _check_temperature(temperature)
    scaled = np.asarray(logits, dtype=float) / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)  # stable: exp never overflows
    exponentials = np.exp(scaled)
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def one_hot(labels: np.ndarray, number_of_classes: int = NUMBER_OF_CLASSES) -> np.ndarray:
    """Return an (n, classes) array with a 1 in each row's label column."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size and (labels.min() < 0 or labels.max() >= number_of_classes)):
        raise ValueError(f"labels must be a 1-d array of integers in [0, {number_of_classes})")
    encoded = np.zeros((labels.size, number_of_classes))
    encoded[np.arange(labels.size), labels] = 1.0
    return encoded


def distillation_loss(
    student_logits: np.ndarray,
    soft_targets: np.ndarray | None,
    labels: np.ndarray | None,
    temperature: float,
    alpha: float,
) -> tuple[float, np.ndarray]:
    """Return (mean loss per example, gradient of that loss with respect to ``student_logits``).

    ``soft_targets`` are the teacher's probabilities *already softened at* ``temperature`` (rows sum to 1); they
    may be None when ``alpha`` is 1. ``labels`` are integer classes; they may be None when ``alpha`` is 0.
    The soft term is ``T**2 * KL(soft_targets || softmax(student_logits / T))``; its gradient is
    ``T * (softmax(z / T) - soft_targets)``.
    """
    _check_temperature(temperature)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    student_logits = np.asarray(student_logits, dtype=float)
    if student_logits.ndim != 2:
        raise ValueError(f"student_logits must be 2-d (examples, classes), got shape {student_logits.shape}")
    count = student_logits.shape[0]
    loss, gradient = 0.0, np.zeros_like(student_logits)
    if alpha > 0:
        if labels is None or np.shape(labels) != (count,):
            raise ValueError(f"labels must have shape ({count},) when alpha > 0")
        targets = one_hot(labels, student_logits.shape[1])
        probabilities = softmax(student_logits)
        loss += alpha * -np.sum(targets * np.log(probabilities + 1e-300)) / count
        gradient += alpha * (probabilities - targets) / count
    if alpha < 1:
        if soft_targets is None or np.shape(soft_targets) != student_logits.shape:
            raise ValueError(f"soft_targets must have shape {student_logits.shape} when alpha < 1")
        student_soft = softmax(student_logits, temperature)
        # 0 * log 0 counts as 0: classes the teacher rules out entirely contribute nothing.
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(soft_targets > 0, soft_targets * np.log(soft_targets / student_soft), 0.0)
        loss += (1 - alpha) * temperature**2 * terms.sum() / count
        gradient += (1 - alpha) * temperature * (student_soft - soft_targets) / count
    return float(loss), gradient


def logit_matching_gradient(student_logits: np.ndarray, teacher_logits: np.ndarray) -> np.ndarray:
    """Gradient of Ba and Caruana's logit matching, ``sum((z - v)**2) / (2 * classes)``, with logits centred.

    Hinton et al. show the ``T**2``-scaled distillation gradient tends to this as ``T`` grows (per example).
    """
    student = np.asarray(student_logits, dtype=float)
    teacher = np.asarray(teacher_logits, dtype=float)
    centred_student = student - student.mean(axis=-1, keepdims=True)
    centred_teacher = teacher - teacher.mean(axis=-1, keepdims=True)
    return (centred_student - centred_teacher) / student.shape[-1]


@dataclass
class Student:
    """A one-hidden-layer ReLU network; ``logits(inputs)`` returns an (n, classes) array."""

    hidden_weights: np.ndarray
    hidden_bias: np.ndarray
    output_weights: np.ndarray
    output_bias: np.ndarray

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        hidden = np.maximum(inputs @ self.hidden_weights + self.hidden_bias, 0.0)
        return hidden @ self.output_weights + self.output_bias

    def predict(self, inputs: np.ndarray, class_bias: np.ndarray | None = None) -> np.ndarray:
        """Return predicted classes, optionally after adding ``class_bias`` to the logits (Hinton's bias fix)."""
        logits = self.logits(inputs)
        if class_bias is not None:
            logits = logits + class_bias
        return logits.argmax(axis=1)

    @property
    def parameter_count(self) -> int:
        return sum(a.size for a in (self.hidden_weights, self.hidden_bias, self.output_weights, self.output_bias))


def train_student(
    inputs: np.ndarray,
    soft_targets: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    temperature: float = 1.0,
    alpha: float = 0.0,
    hidden_units: int = 16,
    epochs: int = 300,
    learning_rate: float = 0.01,
    weight_decay: float = 1e-4,
    seed: int = 0,
) -> Student:
    """Train a student by full-batch Adam on :func:`distillation_loss`; return it.

    ``soft_targets`` are the teacher's probabilities at ``temperature``; ``alpha`` weights the hard labels.
    With ``alpha=1`` this is ordinary training on labels; with ``alpha=0`` the student never sees a label.
    """
    inputs = np.asarray(inputs, dtype=float)
    if inputs.ndim != 2 or len(inputs) == 0:
        raise ValueError(f"inputs must be a non-empty 2-d array, got shape {inputs.shape}")
    if hidden_units < 1 or epochs < 1 or learning_rate <= 0:
        raise ValueError("hidden_units and epochs must be at least 1 and learning_rate positive")
    classes = soft_targets.shape[1] if soft_targets is not None else NUMBER_OF_CLASSES
    generator = np.random.default_rng(seed)
    features = inputs.shape[1]
    parameters = [
        generator.normal(0.0, np.sqrt(2.0 / features), (features, hidden_units)),
        np.zeros(hidden_units),
        generator.normal(0.0, np.sqrt(1.0 / hidden_units), (hidden_units, classes)),
        np.zeros(classes),
    ]
    first_moments = [np.zeros_like(p) for p in parameters]
    second_moments = [np.zeros_like(p) for p in parameters]
    beta1, beta2, epsilon = 0.9, 0.999, 1e-8
    for step in range(1, epochs + 1):
        pre_activation = inputs @ parameters[0] + parameters[1]
        hidden = np.maximum(pre_activation, 0.0)
        logits = hidden @ parameters[2] + parameters[3]
        _, logit_gradient = distillation_loss(logits, soft_targets, labels, temperature, alpha)
        hidden_gradient = (logit_gradient @ parameters[2].T) * (pre_activation > 0)
        gradients = [
            inputs.T @ hidden_gradient + weight_decay * parameters[0],
            hidden_gradient.sum(axis=0),
            hidden.T @ logit_gradient + weight_decay * parameters[2],
            logit_gradient.sum(axis=0),
        ]
        for index, gradient in enumerate(gradients):
            first_moments[index] = beta1 * first_moments[index] + (1 - beta1) * gradient
            second_moments[index] = beta2 * second_moments[index] + (1 - beta2) * gradient**2
            corrected_first = first_moments[index] / (1 - beta1**step)
            corrected_second = second_moments[index] / (1 - beta2**step)
            parameters[index] -= learning_rate * corrected_first / (np.sqrt(corrected_second) + epsilon)
    return Student(*parameters)


@dataclass
class DigitsSplit:
    """scikit-learn's bundled 8x8 digits, scaled to [0, 1] and split into train, validation and test."""

    train_inputs: np.ndarray
    train_labels: np.ndarray
    validation_inputs: np.ndarray
    validation_labels: np.ndarray
    test_inputs: np.ndarray
    test_labels: np.ndarray


def load_digit_split(seed: int = 0, test_share: float = 0.3, validation_share: float = 0.1) -> DigitsSplit:
    """Return the 1,797 digits split (stratified, seeded) into train / validation / test; pixels scaled to [0, 1]."""
    digits = load_digits()
    inputs = digits.data / 16.0
    rest_inputs, test_inputs, rest_labels, test_labels = train_test_split(
        inputs, digits.target, test_size=test_share, stratify=digits.target, random_state=seed
    )
    train_inputs, validation_inputs, train_labels, validation_labels = train_test_split(
        rest_inputs,
        rest_labels,
        test_size=validation_share / (1 - test_share),
        stratify=rest_labels,
        random_state=seed,
    )
    return DigitsSplit(train_inputs, train_labels, validation_inputs, validation_labels, test_inputs, test_labels)


@dataclass
class Teacher:
    """An ensemble of scikit-learn MLPs; its logits are the mean of the members' pre-softmax outputs."""

    members: list[MLPClassifier]

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        return np.mean([_mlp_logits(member, inputs) for member in self.members], axis=0)

    def predict(self, inputs: np.ndarray) -> np.ndarray:
        return self.logits(inputs).argmax(axis=1)

    @property
    def parameter_count(self) -> int:
        return sum(w.size + b.size for m in self.members for w, b in zip(m.coefs_, m.intercepts_, strict=True))


def _mlp_logits(model: MLPClassifier, inputs: np.ndarray) -> np.ndarray:
    """Pre-softmax outputs of a fitted ReLU MLPClassifier (scikit-learn exposes only the probabilities)."""
    activation = inputs
    for layer, (weights, bias) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        activation = activation @ weights + bias
        if layer < len(model.coefs_) - 1:
            activation = np.maximum(activation, 0.0)
    return activation


def make_teacher(
    inputs: np.ndarray,
    labels: np.ndarray,
    members: int = 5,
    hidden_layers: tuple[int, ...] = (256, 256),
    seed: int = 0,
) -> Teacher:
    """Train an ensemble of ``members`` ReLU MLPs (seeds ``seed``, ``seed+1``, ...) and return it as a Teacher."""
    if members < 1:
        raise ValueError(f"members must be at least 1, got {members}")
    fitted = []
    for index in range(members):
        model = MLPClassifier(
            hidden_layer_sizes=hidden_layers,
            alpha=1e-3,
            max_iter=300,
            random_state=seed + index,
        )
        fitted.append(model.fit(inputs, labels))
    return Teacher(fitted)


def accuracy(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Return the share of ``predicted`` equal to ``truth`` (0 to 1)."""
    predicted, truth = np.asarray(predicted), np.asarray(truth)
    if predicted.shape != truth.shape or predicted.size == 0:
        raise ValueError("predicted and truth must be non-empty and of the same shape")
    return float(np.mean(predicted == truth))


# --- The chapter's experiments: each returns a tidy DataFrame, one row per run ------------------------------

HARD_LABELS = "hard labels"


def condition_name(temperature: float | None) -> str:
    """Name a training condition: ``'hard labels'`` for None, else ``'soft targets, T=5'``."""
    return HARD_LABELS if temperature is None else f"soft targets, T={temperature:g}"


def _train_condition(
    inputs: np.ndarray, labels: np.ndarray, teacher_logits: np.ndarray, temperature: float | None, seed: int
) -> Student:
    if temperature is None:
        return train_student(inputs, labels=labels, alpha=1.0, seed=seed)
    soft_targets = softmax(teacher_logits, temperature)
    return train_student(inputs, soft_targets=soft_targets, temperature=temperature, alpha=0.0, seed=seed)


def learning_curve(
    split: DigitsSplit,
    teacher_logits: np.ndarray,
    sizes: list[int],
    temperatures: list[float | None],
    seeds: list[int],
):
    """Train a student per (transfer-set size, condition, seed); return a DataFrame of test accuracies.

    ``teacher_logits`` are the teacher's logits on ``split.train_inputs``. A temperature of None means hard
    labels (the true labels, no teacher). For each seed the transfer set is a random subset of the training
    split of the given size, the same subset for every condition, so conditions are compared on equal data.
    Columns: transfer_set_size, condition, seed, test_accuracy (0 to 1).
    """
    import pandas as pd

    rows = []
    for size in sizes:
        if not 0 < size <= len(split.train_labels):
            raise ValueError(f"transfer-set size {size} is outside 1..{len(split.train_labels)}")
        for seed in seeds:
            chosen = np.random.default_rng(seed).choice(len(split.train_labels), size, replace=False)
            for temperature in temperatures:
                student = _train_condition(
                    split.train_inputs[chosen],
                    split.train_labels[chosen],
                    teacher_logits[chosen],
                    temperature,
                    seed,
                )
                rows.append(
                    {
                        "transfer_set_size": size,
                        "condition": condition_name(temperature),
                        "seed": seed,
                        "test_accuracy": accuracy(student.predict(split.test_inputs), split.test_labels),
                    }
                )
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
    temperatures: list[float | None],
    seeds: list[int],
    bias_grid: np.ndarray,
):
    """Train students on a transfer set with no example of ``digit``; test them before and after a bias fix.

    Returns a DataFrame with columns condition, seed, bias (the chosen correction), stage ('before bias fix' or
    'after bias fix'), accuracy_on_digit and accuracy_overall (test split, 0 to 1).
    """
    import pandas as pd

    keep = split.train_labels != digit
    inputs, labels, logits = split.train_inputs[keep], split.train_labels[keep], teacher_logits[keep]
    is_digit = split.test_labels == digit
    rows = []
    for temperature in temperatures:
        for seed in seeds:
            student = _train_condition(inputs, labels, logits, temperature, seed)
            bias = best_class_bias(student, split.validation_inputs, split.validation_labels, digit, bias_grid)
            for stage, value in (("before bias fix", 0.0), ("after bias fix", bias)):
                shift = np.zeros(NUMBER_OF_CLASSES)
                shift[digit] = value
                predicted = student.predict(split.test_inputs, shift)
                rows.append(
                    {
                        "condition": condition_name(temperature),
                        "seed": seed,
                        "bias": bias,
                        "stage": stage,
                        "accuracy_on_digit": accuracy(predicted[is_digit], split.test_labels[is_digit]),
                        "accuracy_overall": accuracy(predicted, split.test_labels),
                    }
                )
    return pd.DataFrame(rows)


def high_temperature_gap(temperatures: list[float], classes: int = NUMBER_OF_CLASSES, seed: int = 0):
    """How far the T**2-scaled distillation gradient is from the logit-matching gradient, per temperature.

    Draws one student and one teacher logit vector (standard normal, seeded) and returns a DataFrame with
    columns temperature and relative_gap = |g_T - g_match| / |g_match|, where g_T is the soft-target gradient
    with alpha = 0 and g_match is :func:`logit_matching_gradient`.
    """
    import pandas as pd

    generator = np.random.default_rng(seed)
    student_logits = generator.normal(size=(1, classes))
    teacher_logits = generator.normal(size=(1, classes))
    matching = logit_matching_gradient(student_logits, teacher_logits)
    rows = []
    for temperature in temperatures:
        _, gradient = distillation_loss(
            student_logits, softmax(teacher_logits, temperature), None, temperature, alpha=0.0
        )
        gap = np.linalg.norm(gradient - matching) / np.linalg.norm(matching)
        rows.append({"temperature": temperature, "relative_gap": float(gap)})
    return pd.DataFrame(rows)


def paper_error_rates_percent(hinton) -> dict[str, float]:
    """Return Hinton et al.'s MNIST results as test error rates in percent, from the ``hinton2015`` table.

    Keys: teacher, small_hard, small_distilled, omitted_overall, omitted_on_digit, fixed_overall, fixed_on_digit.
    Error counts are divided by the test-set sizes the same table records (all digits, and the threes).
    """

    def value(experiment: str, metric: str) -> float:
        chosen = hinton[(hinton["experiment"] == experiment) & (hinton["metric"] == metric)]["value"]
        if len(chosen) != 1:
            raise ValueError(f"hinton2015 needs exactly one row for {experiment}/{metric}, found {len(chosen)}")
        return float(chosen.iloc[0])

    test_size = value("mnist_dataset", "test_set_size")
    threes = value("mnist_omitted_3", "threes_in_test_set")
    return {
        "teacher": 100 * value("mnist_teacher", "test_errors") / test_size,
        "small_hard": 100 * value("mnist_student_hard_targets", "test_errors") / test_size,
        "small_distilled": 100 * value("mnist_student_distilled", "test_errors") / test_size,
        "omitted_overall": 100 * value("mnist_omitted_3", "test_errors") / test_size,
        "omitted_on_digit": 100 * value("mnist_omitted_3", "test_errors_on_threes") / threes,
        "fixed_overall": 100 * value("mnist_omitted_3_bias_corrected", "test_errors") / test_size,
        "fixed_on_digit": 100 * value("mnist_omitted_3_bias_corrected", "test_errors_on_threes") / threes,
    }


def summarise_runs(runs, by: list[str], value: str):
    """Return mean, standard deviation, min and max of ``value`` over seeds, per group of ``by`` columns."""
    grouped = runs.groupby(by, sort=False)[value]
    return grouped.agg(mean="mean", spread_sd="std", low="min", high="max", seeds="count").reset_index()


def examples_to_reach(curve, condition: str, target_accuracy: float) -> float | None:
    """Transfer-set size at which ``condition``'s mean accuracy first reaches ``target_accuracy``.

    ``curve`` is the output of :func:`summarise_runs` over :func:`learning_curve` (columns transfer_set_size,
    condition, mean). Sizes between measured points are interpolated linearly in log(size). Returns None if the
    condition never reaches the target within the measured sizes.
    """
    rows = curve[curve["condition"] == condition].sort_values("transfer_set_size")
    sizes, means = rows["transfer_set_size"].to_numpy(float), rows["mean"].to_numpy(float)
    if len(sizes) == 0:
        raise ValueError(f"no rows for condition '{condition}'")
    if means[0] >= target_accuracy:
        return float(sizes[0])
    for index in range(1, len(sizes)):
        if means[index] >= target_accuracy:
            share = (target_accuracy - means[index - 1]) / (means[index] - means[index - 1])
            log_size = np.log(sizes[index - 1]) + share * (np.log(sizes[index]) - np.log(sizes[index - 1]))
            return float(np.exp(log_size))
    return None


def illustrative_example(logits: np.ndarray, labels: np.ndarray, min_confidence: float = 0.95) -> int:
    """Index of a confidently and correctly classified example whose runner-up class is most probable.

    Such an example shows "dark knowledge" best: at T = 1 it looks like a plain label, at higher T the teacher's
    view of which other digit it resembles appears. Deterministic: ties go to the lowest index.
    """
    probabilities = softmax(logits)
    ordered = np.sort(probabilities, axis=1)
    eligible = (probabilities.argmax(axis=1) == labels) & (ordered[:, -1] >= min_confidence)
    if not eligible.any():
        raise ValueError(f"no correctly classified example with confidence >= {min_confidence}")
    return int(np.argmax(np.where(eligible, ordered[:, -2], -1.0)))


def mean_and_spread_table(summary, index: str, columns: str, scale: float = 100.0, digits: int = 1):
    """Pivot a :func:`summarise_runs` table into strings 'mean ± sd' (values times ``scale``), for display."""
    text = summary.assign(
        cell=[
            f"{scale * mean:.{digits}f} ± {scale * spread:.{digits}f}"
            for mean, spread in zip(summary["mean"], summary["spread_sd"].fillna(0.0), strict=True)
        ]
    )
    table = text.pivot(index=index, columns=columns, values="cell")
    return table.reindex(columns=list(dict.fromkeys(summary[columns])))


def comparison_with_paper(paper_percent: dict[str, float], ours_percent: dict[str, tuple[float, float]]):
    """Side-by-side table of test error rates (%): Hinton et al.'s MNIST results and this chapter's digits results.

    ``paper_percent`` comes from :func:`paper_error_rates_percent`; ``ours_percent`` maps the same keys to
    (mean, standard deviation over seeds), or (value, nan) for a single model such as the teacher.
    """
    import pandas as pd

    labels = {
        "teacher": "Teacher (large model)",
        "small_hard": "Small student, hard labels, full transfer set",
        "small_distilled": "Small student, soft targets, full transfer set",
        "omitted_on_digit": "Omitted digit: error on that digit, no bias fix",
        "fixed_on_digit": "Omitted digit: error on that digit, after bias fix",
        "omitted_overall": "Omitted digit: error on all digits, no bias fix",
        "fixed_overall": "Omitted digit: error on all digits, after bias fix",
    }
    rows = []
    for key, label in labels.items():
        mean, spread = ours_percent[key]
        ours = f"{mean:.1f}" if spread != spread else f"{mean:.1f} ± {spread:.1f}"
        rows.append(
            {"Result": label, "Hinton et al. 2015, MNIST": f"{paper_percent[key]:.2f}", "This chapter, digits": ours}
        )
    return pd.DataFrame(rows)
