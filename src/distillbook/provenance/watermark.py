"""A green-list watermark on a language model's sampled tokens, and its detector (Kirchenbauer et al. 2023).

At each step the previous token (or the last ``width`` tokens) seeds a pseudo-random split of the vocabulary: a
fraction ``gamma`` of tokens is "green", the rest "red"; the provider adds ``delta`` to the logits of green tokens before sampling, so watermarked
text holds more green tokens than chance. Anyone holding the key can count them. Under the null hypothesis (text
that does not depend on the key) each scored token is green with probability ``gamma``.

Scoring here follows Sander et al. (2024, "Watermarking Makes Language Models Radioactive") in one respect that
matters for a small vocabulary: a (previous tokens, token) tuple is scored once however often it recurs, because
repeated tuples are not independent draws and would inflate the evidence. With 65 characters and ``width`` 1 there
are at most 65 × 65 distinct tuples to score, whatever the length of the text; ``width`` 2 (the window Sander et
al.'s code uses) allows 65³. Two nulls are offered: the binomial tail
(exact for independent pairs; with a split drawn without replacement it is slightly conservative) and a
key-permutation test (the same statistic under many other keys), which needs no independence assumption at all.

Why home-made: the reference implementations (Kirchenbauer's ``lm-watermarking``, Meta's ``three_bricks``) are
built on PyTorch and Hugging Face tokenizers; this book's models are numpy models over 65 characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from distillbook.errors import BookError


class WatermarkError(BookError):
    """A watermark parameter or a token sequence that the scheme cannot use."""


@dataclass(frozen=True)
class GreenList:
    """The secret split of a vocabulary: ``table[h, token]`` is True where ``token`` is green after history ``h``.

    A history is the last ``width`` tokens, numbered ``h = Σ token_i · V^(width-1-i)`` (oldest first).
    ``gamma`` is the requested green fraction in (0, 1); the realised fraction is ``green_size / vocabulary_size``
    (``green_fraction``), which the detector uses. ``key`` is the provider's secret integer.
    """

    vocabulary_size: int
    gamma: float
    key: int
    width: int
    table: np.ndarray

    @classmethod
    def make(cls, vocabulary_size: int, gamma: float, key: int, width: int = 1) -> GreenList:
        """Draw the split after every history of ``width`` tokens from ``key``; raise WatermarkError for bad input."""
        if not isinstance(vocabulary_size, int | np.integer) or vocabulary_size < 2:
            raise WatermarkError(f"vocabulary_size must be an integer of at least 2, got {vocabulary_size!r}")
        if not 0 < gamma < 1:
            raise WatermarkError(f"gamma (the green fraction) must lie strictly between 0 and 1, got {gamma!r}")
        if width not in (1, 2, 3):
            raise WatermarkError(f"width (tokens of history that seed the split) must be 1, 2 or 3, got {width!r}")
        green_size = round(float(gamma) * vocabulary_size)
        if not 0 < green_size < vocabulary_size:
            raise WatermarkError(f"gamma={gamma} leaves no green or no red token in a vocabulary of {vocabulary_size}")
        # Row ``h`` of one keyed random matrix ranks the tokens that may follow history h; the lowest ranks are green.
        histories = vocabulary_size**width
        ranks = np.random.default_rng([int(key), width]).random((histories, vocabulary_size)).argsort(axis=1)
        table = np.zeros((histories, vocabulary_size), dtype=bool)
        np.put_along_axis(table, ranks[:, :green_size], True, axis=1)
        table.setflags(write=False)
        return cls(int(vocabulary_size), float(gamma), int(key), int(width), table)

    def history(self, previous_tokens: np.ndarray) -> np.ndarray:
        """Row numbers of ``table`` for histories given as an (n, width) array of tokens (or (n,) when width is 1)."""
        previous_tokens = np.asarray(previous_tokens, dtype=np.int64)
        if previous_tokens.ndim == 1 and self.width == 1:
            return previous_tokens
        if previous_tokens.ndim != 2 or previous_tokens.shape[1] != self.width:
            raise WatermarkError(f"histories must have shape (n, {self.width}), got {previous_tokens.shape}")
        powers = self.vocabulary_size ** np.arange(self.width - 1, -1, -1)
        return previous_tokens @ powers

    def is_green(self, previous_tokens: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """Boolean array: is each token green after its history?"""
        return self.table[self.history(previous_tokens), np.asarray(tokens)]

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

    ``previous_tokens`` holds, for each row, the last ``green.width`` tokens of that context ((n,) for width 1).
    ``delta`` ≥ 0 (0 leaves the text unwatermarked); raises WatermarkError otherwise or when shapes disagree.
    """
    if not delta >= 0:
        raise WatermarkError(f"delta (the bias toward green tokens) must be 0 or more, got {delta!r}")
    logits = np.asarray(logits, dtype=float)
    previous_tokens = np.asarray(previous_tokens)
    if logits.ndim != 2 or logits.shape[1] != green.vocabulary_size or len(previous_tokens) != logits.shape[0]:
        raise WatermarkError(
            f"logits of shape {logits.shape} and previous tokens of shape {previous_tokens.shape} do not fit a "
            f"vocabulary of {green.vocabulary_size}"
        )
    return logits + delta * green.table[green.history(previous_tokens)]


def scored_tuples(tokens: np.ndarray, width: int = 1, deduplicate: bool = True, skip: int = 0) -> np.ndarray:
    """Return the (history..., token) tuples a detector scores, as an (n, width + 1) array; each distinct one once.

    ``tokens`` is one sequence (1-D) or several of equal length (2-D, one per row); tuples never cross rows. The
    first ``skip`` tokens of each row are history only, never scored (a prompt the scored model did not write).
    """
    tokens = np.atleast_2d(np.asarray(tokens, dtype=np.int64))
    first = max(width, skip)
    if tokens.shape[1] <= first:
        raise WatermarkError(f"a sequence needs more than {first} tokens to score one (history, token) tuple")
    columns = [tokens[:, first - width + i : tokens.shape[1] - width + i].ravel() for i in range(width + 1)]
    tuples = np.stack(columns, axis=1)
    if deduplicate:  # one integer per tuple: a 1-D unique is far faster than a row-wise one
        base = int(tokens.max()) + 1
        codes = np.unique(tuples @ base ** np.arange(width, -1, -1))
        tuples = np.stack([(codes // base**p) % base for p in range(width, -1, -1)], axis=1)
    return tuples


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


def detect(
    tokens: np.ndarray, green: GreenList, deduplicate: bool = True, skip: int = 0, histories: np.ndarray | None = None
) -> Detection:
    """Test ``tokens`` for an excess of green tuples; the p-value is the exact binomial tail P(X ≥ green).

    ``skip`` leading tokens per row are history only (see :func:`scored_tuples`); ``histories``, if given, keeps
    only tuples whose history is among them (see :func:`seen_histories`).
    """
    tuples = scored_tuples(tokens, green.width, deduplicate, skip)
    history = green.history(tuples[:, :-1] if green.width > 1 else tuples[:, 0])
    if histories is not None:
        keep = np.isin(history, histories)
        tuples, history = tuples[keep], history[keep]
    if len(tuples) == 0:
        raise WatermarkError("no tuple left to score after the history filter")
    green_count = int(green.table[history, tuples[:, -1]].sum())
    fraction = green.green_fraction
    from scipy import stats  # here: importing scipy.stats takes about half a second

    p_value = float(stats.binom.sf(green_count - 1, len(tuples), fraction))
    return Detection(len(tuples), green_count, z_score(green_count, len(tuples), fraction), p_value)


def green_mass(probabilities: np.ndarray, previous_tokens: np.ndarray, green: GreenList) -> float:
    """Mean probability a model puts on green tokens, over contexts (rows of ``probabilities``).

    ``previous_tokens`` are each context's last ``green.width`` tokens. The statistic of the open-model test: with
    the suspect's weights the accuser reads its next-token
    distributions directly instead of sampling text. For a model that never saw the key it averages
    ``green.green_fraction`` over keys; judge it with :func:`key_permutation_p_value`.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    return float((probabilities * green.table[green.history(previous_tokens)]).sum(axis=1).mean())


def key_permutation_p_value(observed: float, null_statistics: np.ndarray) -> float:
    """One-sided p-value of ``observed`` against the same statistic under other keys: (1 + #≥) / (1 + n)."""
    null_statistics = np.asarray(null_statistics, dtype=float)
    if null_statistics.size == 0:
        raise WatermarkError("a permutation test needs at least one null key")
    return float((1 + np.sum(null_statistics >= observed)) / (1 + null_statistics.size))


def seen_histories(tokens: np.ndarray, green: GreenList, skip: int = 0) -> np.ndarray:
    """The distinct histories (``green.table`` rows) after which ``tokens`` hold a scored token.

    Sander et al.'s filter: restricting a test to histories seen in the accuser's own watermarked outputs keeps the
    null valid (whether the next token is green after a history does not depend on which histories were chosen)
    and drops histories the suspect can only have learned from other text.
    """
    tuples = scored_tuples(tokens, green.width, deduplicate=True, skip=skip)
    return np.unique(green.history(tuples[:, :-1] if green.width > 1 else tuples[:, 0]))


def green_share(tokens: np.ndarray, green: GreenList, skip: int = 0) -> float:
    """Share of all scored tokens (repeats included) that are green after their history: the closed-model statistic
    judged against other keys by :func:`key_permutation_p_value`, which needs no independence between tokens."""
    tuples = scored_tuples(tokens, green.width, deduplicate=False, skip=skip)
    return float(green.is_green(tuples[:, :-1] if green.width > 1 else tuples[:, 0], tuples[:, -1]).mean())


@dataclass(frozen=True)
class KeyBank:
    """Many other keys' green lists at once, for exact permutation p-values at little cost.

    ``tables`` is (keys, histories × vocabulary) of 0/1 in float64: row k is key k's green list, flattened. A
    statistic that is linear in the green list (the green share of a text, the green mass of a model) is then one
    matrix product over every key: ``tables @ weights``, where ``weights`` counts (or weighs) each (history, token)
    cell.
    """

    keys: tuple[int, ...]
    tables: np.ndarray

    @classmethod
    def make(cls, vocabulary_size: int, gamma: float, keys: range | list[int], width: int = 1) -> KeyBank:
        """Green lists of ``keys`` (which must not include the secret key) with the same gamma and width."""
        keys = tuple(int(k) for k in keys)
        if not keys:
            raise WatermarkError("a key bank needs at least one key")
        # float64 from the start: statistics() multiplies by float64 weights, and casting a float32 bank to float64
        # on every call cost more than the product itself (the result is the same bits either way).
        stacked = np.empty((len(keys), vocabulary_size ** (width + 1)))
        for row, k in enumerate(keys):
            stacked[row] = GreenList.make(vocabulary_size, gamma, k, width).table.ravel()
        return cls(keys, stacked)

    def statistics(self, weights: np.ndarray) -> np.ndarray:
        """Each key's statistic for ``weights`` of shape (histories, vocabulary): Σ green × weight / Σ weight."""
        weights = np.asarray(weights, dtype=np.float64).ravel()
        return (self.tables @ weights) / weights.sum()


def pair_counts(tokens: np.ndarray, width: int, vocabulary_size: int, skip: int = 0) -> np.ndarray:
    """How often each (history, token) cell is scored in ``tokens``, as a (V**width, V) array of counts."""
    tuples = scored_tuples(tokens, width, deduplicate=False, skip=skip)
    powers = vocabulary_size ** np.arange(width - 1, -1, -1)
    rows = tuples[:, :-1] @ powers
    counts = np.zeros((vocabulary_size**width, vocabulary_size))
    np.add.at(counts, (rows, tuples[:, -1]), 1.0)
    return counts


def mass_by_history(probabilities: np.ndarray, histories: np.ndarray, vocabulary_size: int, width: int = 1):
    """Sum of next-token ``probabilities`` (contexts × V) by each context's history row: a (V**width, V) array."""
    masses = np.zeros((vocabulary_size**width, vocabulary_size))
    np.add.at(masses, np.asarray(histories), np.asarray(probabilities, dtype=float))
    return masses


def permutation_test(weights: np.ndarray, green: GreenList, bank: KeyBank) -> dict:
    """The key-permutation test of a linear statistic: the secret key's value against every key in ``bank``.

    Returns statistic (the secret key's, 0 to 1), null_mean, z_score (against the bank, a measure of strength
    only: the null's tails are not normal) and p_value = (1 + #bank ≥ statistic) / (1 + len(bank)), exact under
    the null whatever the dependence between tokens, never below 1 / (1 + len(bank)).
    """
    weights = np.asarray(weights, dtype=float)
    observed = float((green.table * weights).sum() / weights.sum())
    null = bank.statistics(weights)
    return {
        "statistic": observed,
        "null_mean": float(null.mean()),
        "z_score": float((observed - null.mean()) / null.std(ddof=1)),
        "p_value": key_permutation_p_value(observed, null),
    }
