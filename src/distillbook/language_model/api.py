"""A language model behind an API: it continues prompts and returns, per generated character, what the mode allows.

:class:`LanguageModelAPI` has the same shape as chapter 2's :class:`distillbook.extraction.TeacherAPI`: a model
(anything with ``logits(contexts)`` and a ``vocabulary``/``context``) behind one response mode, seeded, counting
what it has answered. Modes:

- ``"distribution"``: the full next-character distribution at every generated position (what open weights give);
- ``"top_k"``: the ``k`` most probable characters and their natural-log probabilities at every position (what chat
  APIs with ``top_logprobs``/``logprobs`` return, capped at a documented k);
- ``"text"``: the sampled continuation alone (APIs that return no log-probabilities).

Every mode samples the same continuation for the same seed, so the modes differ only in what they reveal.

Sampling goes through one method, :meth:`LanguageModelAPI.sample_token`, which maps the next-character logits of a
batch (and the contexts they came from) to the sampled characters. A subclass can override it, for example to add
a watermark that shifts the logits of a "green list" chosen from the previous character before sampling; the scores
returned in the score modes are the model's own distribution, computed before that method is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from distillbook.language_model.model import LanguageModelError, log_softmax

MODES = ("distribution", "top_k", "text")


@dataclass(frozen=True)
class LMResponse:
    """What the API returned for ``n`` prompts continued by ``length`` characters.

    ``prompts`` (n, context) and ``tokens`` (n, length) are character indices (the prompt sent, the text returned).
    ``distributions`` (n, length, V) are probabilities (``"distribution"`` mode only); ``top_tokens`` and
    ``top_logprobs`` (n, length, k) are the k most probable characters, most probable first, and their natural-log
    probabilities (score modes). Fields a mode does not reveal are None.
    """

    mode: str
    prompts: np.ndarray
    tokens: np.ndarray
    distributions: np.ndarray | None = None
    top_tokens: np.ndarray | None = None
    top_logprobs: np.ndarray | None = None

    @property
    def tokens_returned(self) -> int:
        return int(self.tokens.size)


def top_k_of(distributions: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k most probable indices along the last axis (ties to the lower index) and their natural-log probabilities."""
    order = np.argsort(-distributions, axis=-1, kind="stable")[..., :k]
    with np.errstate(divide="ignore"):
        return order, np.log(np.take_along_axis(distributions, order, axis=-1))


def restrict(response: LMResponse, mode: str, k: int | None = None) -> LMResponse:
    """What a ``mode`` API with the same seed returns, computed from a ``"distribution"`` response (no re-query).

    Used by the experiment to give every mode the same continuations without generating them three times; a unit
    test checks that it equals querying the ``mode`` API itself.
    """
    if response.distributions is None:
        raise LanguageModelError("restrict needs a 'distribution' response, which holds everything the others show")
    _check_mode(mode, k, response.distributions.shape[-1])
    if mode == "distribution":
        return response
    if mode == "text":
        return LMResponse("text", response.prompts, response.tokens)
    top_tokens, top_logprobs = top_k_of(response.distributions, k)
    return LMResponse("top_k", response.prompts, response.tokens, top_tokens=top_tokens, top_logprobs=top_logprobs)


def _check_mode(mode: str, k: Any, vocabulary_size: int) -> None:
    if mode not in MODES:
        raise LanguageModelError(f"unknown response mode '{mode}'; choose one of {', '.join(MODES)}")
    if mode == "top_k":
        if k is None or isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= vocabulary_size:
            raise LanguageModelError(f"mode 'top_k' needs an integer k between 1 and {vocabulary_size}, got {k!r}")
    elif k is not None:
        raise LanguageModelError(f"k applies only to mode 'top_k', not to mode '{mode}'")


class LanguageModelAPI:
    """A language model behind an API answering in one response mode.

    ``model`` has ``logits(contexts)``, ``vocabulary`` and ``context``; ``mode`` is one of :data:`MODES`; ``k``
    (``"top_k"`` only) is how many characters' log-probabilities are returned per position; ``seed`` seeds the
    sampling. ``tokens_answered`` and ``exchanges_answered`` count generated characters and prompts so far.
    """

    def __init__(self, model: Any, mode: str, k: int | None = None, seed: int = 0):
        _check_mode(mode, k, model.vocabulary.size)
        self.model = model
        self.mode = mode
        self.k = k
        self.tokens_answered = 0
        self.exchanges_answered = 0
        self._generator = np.random.default_rng(seed)

    def encode_prompts(self, prompts: list[str]) -> np.ndarray:
        """(n, context) indices of text prompts; each must be exactly ``context`` known characters long."""
        context = self.model.context
        rows = []
        for number, prompt in enumerate(prompts):
            if len(prompt) > context:
                raise LanguageModelError(
                    f"prompt {number} is {len(prompt)} characters long, longer than the model's context of "
                    f"{context} characters; send at most the last {context} characters"
                )
            if len(prompt) < context:
                raise LanguageModelError(
                    f"prompt {number} is {len(prompt)} characters long; this model needs exactly {context}"
                )
            rows.append(self.model.vocabulary.encode(prompt, label=f"prompt {number}"))
        return np.array(rows, dtype=np.int64).reshape(len(rows), context)

    def sample_token(self, logits: np.ndarray, contexts: np.ndarray) -> np.ndarray:
        """Map next-character ``logits`` (n, V) for ``contexts`` (n, context) to sampled characters (n,).

        The one place where the API draws randomness: inverse-CDF sampling from softmax(logits) with the API's
        seeded generator (one uniform number per row). Override to change how text is produced (e.g. a watermark).
        """
        probabilities = np.exp(log_softmax(logits))
        cumulative = np.cumsum(probabilities, axis=1)
        draws = self._generator.uniform(0.0, 1.0, (len(logits), 1)) * cumulative[:, -1:]
        return np.minimum((cumulative < draws).sum(axis=1), logits.shape[1] - 1)

    def query(self, prompts: np.ndarray | list[str], length: int) -> LMResponse:
        """Continue each prompt by ``length`` characters; return an :class:`LMResponse` in the API's mode.

        ``prompts`` are strings or an (n, context) array of indices.
        """
        if isinstance(prompts, list | tuple) and prompts and isinstance(prompts[0], str):
            prompts = self.encode_prompts(list(prompts))
        prompts = np.asarray(prompts, dtype=np.int64)
        context = self.model.context
        if prompts.ndim != 2 or len(prompts) == 0:
            raise LanguageModelError(f"prompts must be a non-empty (n, {context}) array, got shape {prompts.shape}")
        if prompts.shape[1] > context:
            raise LanguageModelError(
                f"prompts are {prompts.shape[1]} characters long, longer than the model's context of {context}"
            )
        if prompts.shape[1] < context:
            raise LanguageModelError(f"prompts are {prompts.shape[1]} characters long; this model needs {context}")
        if not isinstance(length, int | np.integer) or length < 1:
            raise LanguageModelError(f"length must be a whole number of at least 1, got {length!r}")
        sequence = prompts.copy()
        keep_distributions = self.mode != "text"
        distributions = []
        for _ in range(length):
            window = sequence[:, -context:]
            logits = np.asarray(self.model.logits(window), dtype=float)
            if keep_distributions:
                distributions.append(np.exp(log_softmax(logits)))
            sequence = np.concatenate([sequence, self.sample_token(logits, window)[:, None]], axis=1)
        tokens = sequence[:, context:]
        self.tokens_answered += tokens.size
        self.exchanges_answered += len(prompts)
        if self.mode == "text":
            return LMResponse("text", prompts, tokens)
        full = LMResponse("distribution", prompts, tokens, distributions=np.stack(distributions, axis=1))
        return restrict(full, self.mode, self.k)
