"""scikit-learn's bundled digits: the train / validation / test split, the teacher ensemble, accuracy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.neural_network import MLPClassifier

# scikit-learn is imported where it is used: importing it takes about a second, and every pytest worker imports
# this module while collecting the tests, most of which never train a model.

IMAGE_SIDE = 8  # the digits are 8 x 8 pixels


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
    """Return the 1,797 digits split (stratified, seeded) into train / validation / test; pixels scaled to [0, 1].

    The validation split is carved from the non-test images; the teacher never trains on it.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

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


def shifted_copies(inputs: np.ndarray, labels: np.ndarray, pixels: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Return the images plus copies shifted by ``pixels`` up, down, left and right (zeros fill), with labels.

    Hinton et al.'s MNIST teacher saw inputs jittered by up to two pixels; this is the digits' small version.
    The result has five times as many rows: originals first, then the four shifts.
    """
    if pixels < 1 or pixels >= IMAGE_SIDE:
        raise ValueError(f"pixels must lie in 1..{IMAGE_SIDE - 1}, got {pixels}")
    images = np.asarray(inputs, dtype=float).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    copies = [images]
    for axis, step in ((1, pixels), (1, -pixels), (2, pixels), (2, -pixels)):
        moved = np.roll(images, step, axis=axis)
        edge = slice(0, step) if step > 0 else slice(step, None)
        index = [slice(None)] * 3
        index[axis] = edge
        moved[tuple(index)] = 0.0
        copies.append(moved)
    stacked = np.concatenate(copies).reshape(-1, IMAGE_SIDE * IMAGE_SIDE)
    return stacked, np.tile(np.asarray(labels), 5)


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
    shift_pixels: int = 0,
    max_iter: int = 300,
) -> Teacher:
    """Train an ensemble of ``members`` ReLU MLPs (seeds ``seed``, ``seed+1``, ...) and return it as a Teacher.

    With ``shift_pixels`` > 0 each member trains on the images plus their :func:`shifted_copies`.
    """
    from sklearn.neural_network import MLPClassifier

    if members < 1:
        raise ValueError(f"members must be at least 1, got {members}")
    if shift_pixels:
        inputs, labels = shifted_copies(inputs, labels, shift_pixels)
    fitted = []
    for index in range(members):
        model = MLPClassifier(
            hidden_layer_sizes=hidden_layers, alpha=1e-3, max_iter=max_iter, random_state=seed + index
        )
        fitted.append(model.fit(inputs, labels))
    return Teacher(fitted)


def accuracy(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Return the share of ``predicted`` equal to ``truth`` (0 to 1)."""
    predicted, truth = np.asarray(predicted), np.asarray(truth)
    if predicted.shape != truth.shape or predicted.size == 0:
        raise ValueError("predicted and truth must be non-empty and of the same shape")
    return float(np.mean(predicted == truth))
