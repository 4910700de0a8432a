"""The student: a one-hidden-layer ReLU network in numpy, trained by full-batch Adam on the distillation loss.

Everything is seeded, so a given call returns the same student bit for bit (with one BLAS thread).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from distillbook import memo
from distillbook.distillation.kd import NUMBER_OF_CLASSES, distillation_gradient, distillation_loss, one_hot


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


CACHE_SIZE = 512  # trained students kept in memory; each is a few kilobytes
_trained = memo.Recent(CACHE_SIZE)


def clear_cache() -> None:
    """Forget every student :func:`train_student` has kept."""
    _trained.clear()


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
    t_squared: bool = True,
) -> Student:
    """Train a student by full-batch Adam on :func:`kd.distillation_loss`; return it.

    ``soft_targets`` are the teacher's probabilities at ``temperature``; ``alpha`` weights the hard labels.
    With ``alpha=1`` this is ordinary training on labels; with ``alpha=0`` the student never sees a label.
    ``t_squared`` switches the soft term's ``T**2`` factor (on by default, as in the paper).

    Training is deterministic, so a call with the same arrays (compared byte for byte) and settings as one of
    the last :data:`CACHE_SIZE` calls returns a copy of that student instead of training it again.
    """
    inputs = np.asarray(inputs, dtype=float)
    settings = (temperature, alpha, hidden_units, epochs, learning_rate, weight_decay, seed, t_squared)
    key = (memo.array_key(inputs), memo.array_key(soft_targets), memo.array_key(labels), *settings)
    cached = _trained.get(key, lambda: _train(inputs, soft_targets, labels, *settings))
    return Student(*(np.copy(array) for array in (cached.hidden_weights, cached.hidden_bias,
                                                  cached.output_weights, cached.output_bias)))  # fmt: skip


def _train(inputs, soft_targets, labels, temperature, alpha, hidden_units, epochs, learning_rate, weight_decay,
           seed, t_squared) -> Student:  # fmt: skip
    """:func:`train_student`'s work, without the cache."""
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
    # The loss is checked once, on the first step's logits; the loop then needs only its gradient.
    label_targets = None
    for step in range(1, epochs + 1):
        pre_activation = inputs @ parameters[0] + parameters[1]
        hidden = np.maximum(pre_activation, 0.0)
        logits = hidden @ parameters[2] + parameters[3]
        if step == 1:
            distillation_loss(logits, soft_targets, labels, temperature, alpha, t_squared)
            label_targets = one_hot(labels, classes) if alpha > 0 else None
        logit_gradient = distillation_gradient(logits, soft_targets, label_targets, temperature, alpha, t_squared)
        hidden_gradient = (logit_gradient @ parameters[2].T) * (pre_activation > 0)
        gradients = [
            inputs.T @ hidden_gradient + weight_decay * parameters[0],
            hidden_gradient.sum(axis=0),
            hidden.T @ logit_gradient + weight_decay * parameters[2],
            logit_gradient.sum(axis=0),
        ]
        first_correction, second_correction = 1 - beta1**step, 1 - beta2**step
        for parameter, first, second, gradient in zip(
            parameters, first_moments, second_moments, gradients, strict=True
        ):
            # Adam, in place: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g**2; p -= lr m^ / (sqrt(v^) + eps).
            first *= beta1
            first += (1 - beta1) * gradient
            second *= beta2
            second += (1 - beta2) * gradient**2
            step_size = first / first_correction
            step_size *= learning_rate
            denominator = second / second_correction
            np.sqrt(denominator, out=denominator)
            denominator += epsilon
            step_size /= denominator
            parameter -= step_size
    return Student(*parameters)
