"""Knowledge distillation (Hinton, Vinyals and Dean 2015): soft targets, the loss, its gradient, logit matching.

The loss on a student's logits ``z`` given the teacher's logits ``v`` at temperature ``T`` is

    alpha * CE(hard labels, softmax(z)) + (1 - alpha) * T**2 * KL(softmax(v / T) || softmax(z / T)).

The ``T**2`` factor keeps the soft term's gradient the same size whatever ``T`` is, as the paper recommends; with
``alpha = 0`` it only rescales the whole loss, which Adam's update ignores (see ``t_squared``).
"""

from __future__ import annotations

import numpy as np

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
    t_squared: bool = True,
) -> tuple[float, np.ndarray]:
    """Return (mean loss per example, gradient of that loss with respect to ``student_logits``).

    ``soft_targets`` are the teacher's probabilities *already softened at* ``temperature`` (rows sum to 1); they
    may be None when ``alpha`` is 1. ``labels`` are integer classes; they may be None when ``alpha`` is 0.
    The soft term is ``T**2 * KL(soft_targets || softmax(student_logits / T))`` (without the ``T**2`` when
    ``t_squared`` is False); its gradient is ``T * (softmax(z / T) - soft_targets)`` (or that over ``T**2``).
    """
    _check_temperature(temperature)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    student_logits = np.asarray(student_logits, dtype=float)
    if student_logits.ndim != 2:
        raise ValueError(f"student_logits must be 2-d (examples, classes), got shape {student_logits.shape}")
    count = student_logits.shape[0]
    loss, targets = 0.0, None
    if alpha > 0:
        if labels is None or np.shape(labels) != (count,):
            raise ValueError(f"labels must have shape ({count},) when alpha > 0")
        targets = one_hot(labels, student_logits.shape[1])
        probabilities = softmax(student_logits)
        loss += alpha * -np.sum(targets * np.log(probabilities + 1e-300)) / count
    if alpha < 1:
        if soft_targets is None or np.shape(soft_targets) != student_logits.shape:
            raise ValueError(f"soft_targets must have shape {student_logits.shape} when alpha < 1")
        scale = temperature**2 if t_squared else 1.0
        student_soft = softmax(student_logits, temperature)
        # 0 * log 0 counts as 0: classes the teacher rules out entirely contribute nothing.
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(soft_targets > 0, soft_targets * np.log(soft_targets / student_soft), 0.0)
        loss += (1 - alpha) * scale * terms.sum() / count
    gradient = distillation_gradient(student_logits, soft_targets, targets, temperature, alpha, t_squared)
    return float(loss), gradient


def distillation_gradient(
    student_logits: np.ndarray,
    soft_targets: np.ndarray | None,
    label_targets: np.ndarray | None,
    temperature: float,
    alpha: float,
    t_squared: bool = True,
) -> np.ndarray:
    """The gradient of :func:`distillation_loss` alone, bit for bit, for a trainer's inner loop.

    Arguments are :func:`distillation_loss`'s, already checked, except that ``label_targets`` are the labels
    one-hot encoded (:func:`one_hot`); the loss itself (its logarithms) is not computed.
    """
    count = student_logits.shape[0]
    gradient = np.zeros_like(student_logits)
    if alpha > 0:
        gradient += alpha * (softmax(student_logits) - label_targets) / count
    if alpha < 1:
        scale = temperature**2 if t_squared else 1.0
        gradient += (1 - alpha) * scale / temperature * (softmax(student_logits, temperature) - soft_targets) / count
    return gradient


def logit_matching_gradient(student_logits: np.ndarray, teacher_logits: np.ndarray) -> np.ndarray:
    """Gradient of Ba and Caruana's logit matching, ``sum((z - v)**2) / (2 * classes)``, with logits centred.

    Hinton et al. show the ``T**2``-scaled distillation gradient tends to this as ``T`` grows (per example).
    """
    student = np.asarray(student_logits, dtype=float)
    teacher = np.asarray(teacher_logits, dtype=float)
    centred_student = student - student.mean(axis=-1, keepdims=True)
    centred_teacher = teacher - teacher.mean(axis=-1, keepdims=True)
    return (centred_student - centred_teacher) / student.shape[-1]
