"""The one experiment configuration of chapters 1 and 2: data split, teacher, student, seeds, temperatures.

Chapter 2 copies chapter 1's teacher and uses chapter 1's temperature; both come from here, so neither chapter
re-declares the other's settings. The temperature is never typed in: :func:`chapter_temperature` makes the
validation choice (deterministic), and both chapters call it. The teacher and the two choices are
:func:`distillbook.memo.shared`: whichever chapter runs first trains them, the other loads the same result.
"""

from __future__ import annotations

import numpy as np

from distillbook import memo
from distillbook.distillation import digits, experiments

SPLIT_SEED = 0
TEACHER_MEMBERS = 3
TEACHER_HIDDEN_LAYERS = (128, 128)
TEACHER_SEED = 0
STUDENT_HIDDEN_UNITS = 16  # the training.train_student default, named here for the prose
SEEDS = (0, 1, 2, 3, 4)
TEMPERATURES = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0)  # the sweep, for the choice and the heat map
SELECTION_SIZES = (30, 60, 120)  # transfer-set sizes on which the temperature is chosen (validation accuracy)
SMALLEST_SIZE = SELECTION_SIZES[0]
LABEL_WEIGHT_DECAYS = (1e-4, 1e-3, 1e-2, 1e-1)  # grid for the hard-label students' one tuned setting


def split() -> digits.DigitsSplit:
    """The chapters' train / validation / test split of the digits."""
    return digits.load_digit_split(seed=SPLIT_SEED)


@memo.shared
def teacher(data: digits.DigitsSplit) -> digits.Teacher:
    """The chapters' teacher: an ensemble trained on ``data.train_inputs`` only."""
    return digits.make_teacher(
        data.train_inputs, data.train_labels, TEACHER_MEMBERS, TEACHER_HIDDEN_LAYERS, seed=TEACHER_SEED
    )


@memo.shared
def chapter_temperature(data: digits.DigitsSplit, teacher_train_logits: np.ndarray):
    """Chapter 1's temperature, chosen once on the validation split; returns (temperature, the sweep's runs).

    Soft-target students (alpha = 0) at every temperature in :data:`TEMPERATURES` are trained on transfer sets
    of :data:`SELECTION_SIZES`, the small-data regime the chapter is about, with every seed; the temperature
    with the highest mean validation accuracy wins (:func:`experiments.select_temperature`).
    """
    return experiments.chosen_temperature(data, teacher_train_logits, SELECTION_SIZES, TEMPERATURES, SEEDS)


@memo.shared
def label_weight_decay(data: digits.DigitsSplit):
    """The hard-label students' weight decay, chosen once on the validation split; returns (value, its runs).

    The label condition is tuned as the soft-target condition is: on :data:`SELECTION_SIZES` with every seed,
    over :data:`LABEL_WEIGHT_DECAYS` (:func:`experiments.select_label_weight_decay`). Chapter 2's answer-only
    copier, which learns from one-hot answers, uses the same value.
    """
    return experiments.select_label_weight_decay(data, SELECTION_SIZES, LABEL_WEIGHT_DECAYS, SEEDS)
