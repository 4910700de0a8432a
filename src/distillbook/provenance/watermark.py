"""A green-list watermark on a language model's sampled tokens, and its detector (Kirchenbauer et al. 2023).

At each step the previous token seeds a pseudo-random split of the vocabulary: a fraction ``gamma`` of tokens is
"green", the rest "red"; the provider adds ``delta`` to the logits of green tokens before sampling, so watermarked
text holds more green tokens than chance. Anyone holding the key can count them. Under the null hypothesis (text
that does not depend on the key) each scored token is green with probability ``gamma``.

Scoring here follows Sander et al. (2024, "Watermarking Makes Language Models Radioactive") in one respect that
matters for a small vocabulary: a (previous token, token) pair is scored once however often it recurs, because
repeated pairs are not independent draws and would inflate the evidence. Two nulls are offered: the binomial tail
(exact for independent pairs; with a split drawn without replacement it is slightly conservative) and a
key-permutation test (the same statistic under many other keys), which needs no independence assumption at all.

Why home-made: the reference implementations (Kirchenbauer's ``lm-watermarking``, Meta's ``three_bricks``) are
built on PyTorch and Hugging Face tokenizers; this book's models are numpy models over 65 characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from distillbook.errors import BookError


class WatermarkError(BookError):
    """A watermark parameter or a token sequence that the scheme cannot use."""


@dataclass(frozen=True)
class GreenList:
    """The secret split of a vocabulary: ``table[previous, token]`` is True where ``token`` is green after ``previous``.

    ``gamma`` is the requested green fraction in (0, 1); the realised fraction is ``green_size / vocabulary_size``
    (``green_fraction``), which the detector uses. ``key`` is the provider's secret integer.
    """

    vocabulary_size: int
    gamma: float
    key: int
    table: np.ndarray

    @classmethod
    def make(cls, vocabulary_size: int, gamma: float, key: int) -> GreenList:
        """Draw the split for every previous token from ``key``; raise WatermarkError for bad parameters."""
        if not isinstance(vocabulary_size, int | np.integer) or vocabulary_size < 2:
            raise WatermarkError(f"vocabulary_size must be an integer of at least 2, got {vocabulary_size!r}")
        if not 0 < gamma < 1:
            raise WatermarkError(f"gamma (the green fraction) must lie strictly between 0 and 1, got {gamma!r}")
        green_size = round(float(gamma) * vocabulary_size)
        if not 0 < green_size < vocabulary_size:
            raise WatermarkError(f"gamma={gamma} leaves no green or no red token in a vocabulary of {vocabulary_size}")
        # Row ``previous`` of one keyed random matrix ranks the tokens that may follow it; the lowest ranks are green.
        ranks = np.random.default_rng(int(key)).random((vocabulary_size, vocabulary_size)).argsort(axis=1)
        table = np.zeros((vocabulary_size, vocabulary_size), dtype=bool)
        np.put_along_axis(table, ranks[:, :green_size], True, axis=1)
        table.setflags(write=False)
        return cls(int(vocabulary_size), float(gamma), int(key), table)

    @property
    def green_size(self) -> int:
        """Number of green tokens after any previous token."""
        return int(self.table[0].sum())

    @property
    def green_fraction(self) -> float:
        """The realised green fraction, ``green_size / vocabulary_size``: the null probability of a green token."""
        return self.green_size / self.vocabulary_size


def watermark_logits(logits: np.ndarray, previous_tokens: np.ndarray, green: GreenList, delta: float) -> np.ndarray:
    """Return ``logits`` (contexts × vocabulary) with ``delta`` added to each context's green tokens.

    ``previous_tokens`` holds, for each row, the last token of that context. ``delta`` ≥ 0 (0 leaves the text
    unwatermarked); raises WatermarkError otherwise or when shapes disagree.
    """
    if not delta >= 0:
        raise WatermarkError(f"delta (the bias toward green tokens) must be 0 or more, got {delta!r}")
    logits = np.asarray(logits, dtype=float)
    previous_tokens = np.asarray(previous_tokens)
    if logits.ndim != 2 or logits.shape[1] != green.vocabulary_size or previous_tokens.shape != (logits.shape[0],):
        raise WatermarkError(
            f"logits of shape {logits.shape} and previous tokens of shape {previous_tokens.shape} do not fit a "
            f"vocabulary of {green.vocabulary_size}"
        )
    return logits + delta * green.table[previous_tokens]


def scored_pairs(tokens: np.ndarray, deduplicate: bool = True) -> np.ndarray:
    """Return the (previous, token) pairs a detector scores, as an (n, 2) array; each distinct pair once by default.

    ``tokens`` is one sequence (1-D) or several of equal length (2-D, one per row); pairs never cross rows.
    """
    tokens = np.atleast_2d(np.asarray(tokens))
    if tokens.shape[1] < 2:
        raise WatermarkError("a sequence needs at least two tokens to score one (previous, token) pair")
    previous, following = tokens[:, :-1].ravel().astype(np.int64), tokens[:, 1:].ravel().astype(np.int64)
    if deduplicate:  # one integer per pair: a 1-D unique is far faster than a row-wise one
        base = int(tokens.max()) + 1
        codes = np.unique(previous * base + following)
        previous, following = codes // base, codes % base
    return np.stack([previous, following], axis=1)


@dataclass(frozen=True)
class Detection:
    """The result of one test: ``scored`` pairs, ``green`` of them green, the z-score and one-sided p-value."""

    scored: int
    green: int
    z_score: float
    p_value: float


def z_score(green_count: int, scored: int, green_fraction: float) -> float:
    """Kirchenbauer's z = (green − γT) / √(T γ (1 − γ)) for ``green_count`` green of ``scored`` tokens."""
    if scored <= 0:
        raise WatermarkError("no token was scored, so there is nothing to test")
    expected = green_fraction * scored
    return float((green_count - expected) / np.sqrt(scored * green_fraction * (1 - green_fraction)))


def detect(tokens: np.ndarray, green: GreenList, deduplicate: bool = True) -> Detection:
    """Test ``tokens`` for an excess of green pairs; the p-value is the exact binomial tail P(X ≥ green)."""
    pairs = scored_pairs(tokens, deduplicate)
    green_count = int(green.table[pairs[:, 0], pairs[:, 1]].sum())
    fraction = green.green_fraction
    p_value = float(stats.binom.sf(green_count - 1, len(pairs), fraction))
    return Detection(len(pairs), green_count, z_score(green_count, len(pairs), fraction), p_value)


def green_mass(probabilities: np.ndarray, previous_tokens: np.ndarray, green: GreenList) -> float:
    """Mean probability a model puts on green tokens, over contexts (rows of ``probabilities``).

    The statistic of the open-model test: with the suspect's weights the accuser reads its next-token
    distributions directly instead of sampling text. For a model that never saw the key it averages
    ``green.green_fraction`` over keys; judge it with :func:`key_permutation_p_value`.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    return float((probabilities * green.table[np.asarray(previous_tokens)]).sum(axis=1).mean())


def key_permutation_p_value(observed: float, null_statistics: np.ndarray) -> float:
    """One-sided p-value of ``observed`` against the same statistic under other keys: (1 + #≥) / (1 + n)."""
    null_statistics = np.asarray(null_statistics, dtype=float)
    if null_statistics.size == 0:
        raise WatermarkError("a permutation test needs at least one null key")
    return float((1 + np.sum(null_statistics >= observed)) / (1 + null_statistics.size))
