"""The copier: a smaller student trained only on prompts and the API's answers, and the real-text baseline.

:func:`training_set` turns an :class:`~distillbook.language_model.api.LMResponse` into (context, target) pairs for
the student: at every generated position the student sees the last ``student_context`` characters of prompt plus
continuation so far, and learns the full distribution (``"distribution"``), the top-k log-probabilities
renormalised over the k returned characters (``"top_k"``, :func:`top_k_targets`), or the sampled character itself
(``"text"``: sequence-level distillation, Kim and Rush 2016). :func:`real_text_set` gives the same student the same
number of characters of real text with no teacher. :func:`train_student` fits a student to either.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from distillbook.language_model import model
from distillbook.language_model.api import LMResponse
from distillbook.language_model.model import LanguageModelError


@dataclass(frozen=True)
class StudentSettings:
    """The student's architecture and training (the same for every mode, budget and seed)."""

    context: int = 8
    embed: int = 12
    hidden: int = 96
    steps: int = 1000
    batch_size: int = 128
    learning_rate: float = 3e-3  # chosen on the validation text (experiments.tune_learning_rate)


def top_k_targets(top_tokens: np.ndarray, top_logprobs: np.ndarray, vocabulary_size: int) -> np.ndarray:
    """Probability targets from top-k answers: the returned probabilities renormalised to sum to 1, others zero.

    ``top_tokens`` and ``top_logprobs`` are (..., k); the result is (..., vocabulary_size). The mass the API did not
    return is dropped rather than guessed: the student learns nothing about characters outside the top k.
    """
    if top_tokens.shape != top_logprobs.shape:
        raise LanguageModelError(f"top_tokens {top_tokens.shape} and top_logprobs {top_logprobs.shape} differ")
    probabilities = np.exp(top_logprobs)
    totals = probabilities.sum(axis=-1, keepdims=True)
    if (totals <= 0).any():
        raise LanguageModelError("a top-k answer has zero total probability; nothing to renormalise")
    targets = np.zeros((*top_tokens.shape[:-1], vocabulary_size))
    np.put_along_axis(targets, top_tokens, probabilities / totals, axis=-1)
    return targets


def training_set(response: LMResponse, student_context: int, vocabulary_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(contexts, targets) for the student from an API response: one example per generated character.

    ``contexts`` is (n * length, student_context); ``targets`` is (n * length, V) probabilities in the score modes
    and (n * length,) character indices in ``"text"`` mode.
    """
    prompt_length = response.prompts.shape[1]
    if student_context > prompt_length:
        raise LanguageModelError(f"student context {student_context} exceeds the prompt length {prompt_length}")
    sequence = np.concatenate([response.prompts, response.tokens], axis=1)
    length = response.tokens.shape[1]
    starts = prompt_length - student_context + np.arange(length)
    contexts = np.stack([sequence[:, s : s + student_context] for s in starts], axis=1)
    contexts = contexts.reshape(-1, student_context)
    if response.mode == "distribution":
        targets = response.distributions.reshape(-1, vocabulary_size)
    elif response.mode == "top_k":
        targets = top_k_targets(response.top_tokens, response.top_logprobs, vocabulary_size).reshape(
            -1, vocabulary_size
        )
    else:
        targets = response.tokens.reshape(-1)
    return contexts, targets


def real_text_set(text_indices: np.ndarray, characters: int, student_context: int, start: int = 0):
    """(contexts, next characters) for ``characters`` consecutive characters of real text from ``start``."""
    end = start + student_context + characters
    if start < 0 or end > len(text_indices):
        raise LanguageModelError(
            f"asked for {characters} characters from {start}, but the text has {len(text_indices)}"
        )
    return model.windows(np.asarray(text_indices)[start:end], student_context)


def train_student(
    contexts: np.ndarray, targets: np.ndarray, vocabulary: model.Vocabulary, settings: StudentSettings, seed: int
) -> model.CharMLP:
    """A fresh student (seeded) fitted to (contexts, targets) with ``settings``."""
    options = asdict(settings)
    student = model.CharMLP.create(
        vocabulary, options.pop("context"), options.pop("embed"), options.pop("hidden"), seed=seed
    )
    model.train(student, contexts, targets, seed=seed, **options)
    return student
