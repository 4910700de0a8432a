"""Model extraction through a query API: what the API returns and how a copier learns from it.

A :class:`TeacherAPI` puts a model (anything with a ``logits(inputs)`` method, such as :class:`digits.Teacher`)
behind the kind of interface production APIs offer. The copier sees only :class:`APIResponse` objects, never the
weights or the training labels. Response modes:

- ``"probabilities"``: log-probabilities of every class (what a classification API with scores returns);
- ``"top_k"``: log-probabilities of the ``k`` most probable classes only (as chat APIs return for
  ``top_logprobs``);
- ``"label"``: the top-1 class and nothing else.

Two defences can be switched on for the score modes: ``decimals`` rounds the returned probabilities, and
``noise_scale`` adds Gaussian noise (standard deviation in natural-log units) to the returned log-probabilities
before they are renormalised. By default the answer is the top class *of the noisy scores*, so noise can give
honest users a wrong answer; with ``keep_answer=True`` (what a provider would do) the clean top class keeps the
top score, so every answer stays the teacher's.

:func:`copier_targets` turns a response into the probability targets a copier trains on, and
:func:`query_experiment` copies the teacher with given budgets and measures agreement with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from distillbook.distillation import digits, kd
from distillbook.distillation.config import STUDENT_HIDDEN_UNITS
from distillbook.distillation.experiments import DEFAULT_WEIGHT_DECAY, first_reach
from distillbook.distillation.training import Student, train_student

MODES = ("probabilities", "top_k", "label")
COPIER_HIDDEN_UNITS = STUDENT_HIDDEN_UNITS  # the copier trains chapter 1's student
TRADEOFF_AGREEMENT_TARGET = 0.9  # agreement with the teacher (0 to 1) at which tradeoff_table counts queries


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Return natural-log probabilities log(softmax(logits)) along the last axis, computed stably."""
    logits = np.asarray(logits, dtype=float)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@dataclass(frozen=True)
class APIResponse:
    """What the API returns for ``n`` queries.

    ``labels`` (n,) are the classes the API answers with. For the score modes, ``classes`` (n, k) are the classes
    whose scores are returned, most probable first, and ``logprobs`` (n, k) their natural-log probabilities
    (``-inf`` where a probability was rounded to zero). In ``"label"`` mode both are None: nothing else leaks.
    """

    labels: np.ndarray
    classes: np.ndarray | None = None
    logprobs: np.ndarray | None = None

    @property
    def probabilities(self) -> np.ndarray | None:
        """The returned scores as probabilities (0 to 1), or None in label mode."""
        return None if self.logprobs is None else np.exp(self.logprobs)


class TeacherAPI:
    """A model behind an API that answers queries in one response mode, optionally with defences.

    Parameters: ``teacher`` has a ``logits(inputs)`` method returning (n, classes); ``mode`` is one of
    :data:`MODES`; ``k`` (only for ``"top_k"``) is how many classes' scores are returned, 1 to ``classes``;
    ``decimals`` rounds the returned probabilities to that many decimal places; ``noise_scale`` is the standard
    deviation of Gaussian noise added to the log-probabilities; ``keep_answer`` makes the noise keep the clean top
    class on top (its score is swapped with the noisy top score where they differ); ``seed`` seeds the noise. ``queries_answered``
    counts every input answered so far. Raises ValueError for an unknown mode or an option that does not apply.
    """

    def __init__(
        self,
        teacher: Any,
        mode: str,
        k: int | None = None,
        decimals: int | None = None,
        noise_scale: float | None = None,
        keep_answer: bool = False,
        seed: int = 0,
        number_of_classes: int = kd.NUMBER_OF_CLASSES,
    ):
        if mode not in MODES:
            raise ValueError(f"unknown response mode '{mode}'; choose one of {', '.join(MODES)}")
        if mode == "top_k":
            if k is None or isinstance(k, bool) or not isinstance(k, int | np.integer):
                raise ValueError(f"mode 'top_k' needs an integer k between 1 and {number_of_classes}, got {k!r}")
            if not 1 <= k <= number_of_classes:
                raise ValueError(f"k must lie between 1 and {number_of_classes}, got {k}")
        elif k is not None:
            raise ValueError(f"k applies only to mode 'top_k', not to mode '{mode}'")
        if mode == "label" and (decimals is not None or noise_scale is not None):
            raise ValueError("mode 'label' returns no scores, so there is nothing to round or add noise to")
        if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0):
            raise ValueError(f"decimals must be a whole number of at least 0, got {decimals!r}")
        if noise_scale is not None and not (np.isfinite(noise_scale) and noise_scale >= 0):
            raise ValueError(f"noise_scale must be a finite number of at least 0, got {noise_scale!r}")
        self.teacher = teacher
        self.mode = mode
        self.k = number_of_classes if mode == "probabilities" else k
        self.decimals = decimals
        if keep_answer and not noise_scale:
            raise ValueError("keep_answer applies only when noise_scale is set above 0")
        self.noise_scale = noise_scale
        self.keep_answer = keep_answer
        self.number_of_classes = number_of_classes
        self.queries_answered = 0
        self._generator = np.random.default_rng(seed)

    def query(self, inputs: np.ndarray) -> APIResponse:
        """Answer one query per row of ``inputs``; return an :class:`APIResponse` and count the queries."""
        inputs = np.asarray(inputs, dtype=float)
        if inputs.ndim != 2 or len(inputs) == 0:
            raise ValueError(f"inputs must be a non-empty 2-d array (queries, features), got shape {inputs.shape}")
        logits = np.asarray(self.teacher.logits(inputs), dtype=float)
        if logits.shape != (len(inputs), self.number_of_classes):
            raise ValueError(
                f"the teacher returned logits of shape {logits.shape}, expected "
                f"({len(inputs)}, {self.number_of_classes})"
            )
        self.queries_answered += len(inputs)
        if self.mode == "label":
            return APIResponse(labels=logits.argmax(axis=1))
        logprobs = log_softmax(logits)
        if self.noise_scale:
            clean_top = logprobs.argmax(axis=1)
            logprobs = log_softmax(logprobs + self._generator.normal(0.0, self.noise_scale, logprobs.shape))
            if self.keep_answer:
                logprobs = _swap_to_top(logprobs, clean_top)
        if self.decimals is not None:
            with np.errstate(divide="ignore"):
                logprobs = np.log(np.round(np.exp(logprobs), self.decimals))
        # Most probable first; a stable sort breaks ties (e.g. after rounding) towards the lower class index.
        order = np.argsort(-logprobs, axis=1, kind="stable")[:, : self.k]
        returned = np.take_along_axis(logprobs, order, axis=1)
        return APIResponse(labels=order[:, 0].copy(), classes=order, logprobs=returned)


def copier_targets(
    response: APIResponse,
    temperature: float = 1.0,
    number_of_classes: int = kd.NUMBER_OF_CLASSES,
    fill_zeros: bool = False,
) -> np.ndarray:
    """Return the (n, classes) probability targets a copier trains on, softened at ``temperature``.

    Label-only responses become one-hot targets (temperature has no effect on them). For scores, the returned
    probabilities are kept, the mass they leave (1 minus their sum, at least 0) is spread evenly over the classes
    the API did not return, rows are renormalised, and the result is softened: ``p**(1/T)`` renormalised, which
    equals ``softmax(log p / T)``. By default a probability rounded to zero stays zero: the copier learns nothing
    about that class. With ``fill_zeros`` a returned zero is treated like a class not returned: it shares the
    leftover mass (which rounding leaves when the kept probabilities sum to less than 1). A row whose targets are
    all zero falls back to the one-hot label. Rows sum to 1.
    """
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a positive number, got {temperature}")
    if response.logprobs is None:
        return kd.one_hot(response.labels, number_of_classes)
    count = len(response.logprobs)
    rows = np.arange(count)[:, None]
    probabilities = np.zeros((count, number_of_classes))
    probabilities[rows, response.classes] = np.exp(response.logprobs)
    not_returned = np.ones((count, number_of_classes), dtype=bool)
    not_returned[rows, response.classes] = False
    if fill_zeros:
        not_returned |= probabilities == 0
    if not_returned.any():
        leftover = np.clip(1.0 - probabilities.sum(axis=1, keepdims=True), 0.0, None)
        share = leftover / np.maximum(not_returned.sum(axis=1, keepdims=True), 1)
        probabilities = np.where(not_returned, share, probabilities)
    softened = probabilities ** (1.0 / temperature)
    totals = softened.sum(axis=1, keepdims=True)
    empty = totals[:, 0] <= 0
    softened[empty] = kd.one_hot(response.labels[empty], number_of_classes)
    totals[empty] = 1.0
    return softened / totals


def _swap_to_top(logprobs: np.ndarray, wanted_top: np.ndarray) -> np.ndarray:
    """Swap, per row, the score of ``wanted_top`` with the row's highest score (rows stay normalised)."""
    swapped = logprobs.copy()
    rows = np.arange(len(logprobs))
    current_top = logprobs.argmax(axis=1)
    swapped[rows, wanted_top] = logprobs[rows, current_top]
    swapped[rows, current_top] = logprobs[rows, wanted_top]
    return swapped


def copy_through_api(
    api: TeacherAPI,
    queries: np.ndarray,
    temperature: float,
    seed: int,
    hidden_units: int = COPIER_HIDDEN_UNITS,
    fill_zeros: bool = False,
    label_weight_decay: float = DEFAULT_WEIGHT_DECAY,
) -> Student:
    """Query ``api`` once per row of ``queries``, turn the answers into targets, train a student and return it.

    Score responses are softened and matched at ``temperature`` (``fill_zeros`` as in :func:`copier_targets`);
    label-only responses are matched at T = 1 with weight decay ``label_weight_decay`` (the hard-label setting
    chapter 1 chooses on validation data); score copiers keep the trainer's default weight decay.
    """
    response = api.query(queries)
    label_only = api.mode == "label"
    used_temperature = 1.0 if label_only else temperature
    targets = copier_targets(response, used_temperature, api.number_of_classes, fill_zeros)
    return train_student(
        queries, soft_targets=targets, temperature=used_temperature, alpha=0.0, hidden_units=hidden_units, seed=seed,
        weight_decay=label_weight_decay if label_only else DEFAULT_WEIGHT_DECAY,
    )  # fmt: skip


def query_experiment(
    teacher: Any,
    pools: dict[str, np.ndarray],
    apis: dict[str, dict[str, Any]],
    query_counts: list[int],
    seeds: list[int],
    evaluation_inputs: np.ndarray,
    evaluation_labels: np.ndarray,
    temperature: float,
    label_weight_decay: float = DEFAULT_WEIGHT_DECAY,
) -> pd.DataFrame:
    """Copy ``teacher`` through each API with each pool, budget and seed; return one row per copy.

    ``pools`` maps a pool name to an array of candidate queries; ``apis`` maps a mode name to the keyword
    arguments of :class:`TeacherAPI` (``mode``, ``k``, ``decimals``, ``noise_scale``, ``keep_answer``), plus an
    optional ``copier_temperature`` overriding ``temperature`` for that API's copier and an optional
    ``fill_zeros`` (see :func:`copier_targets`); ``label_weight_decay`` is the answer-only copier's. For each seed the pool is
    shuffled once and a budget of ``n`` queries takes its first ``n`` rows, so a larger budget extends a smaller
    one and every API sees the same queries. Budgets larger than a pool are skipped for that pool. The API (its
    noise) and the student are seeded with the seed. Columns: mode, pool, queries, seed, agreement (share of
    evaluation inputs on which the student's class equals the teacher's, 0 to 1), test_accuracy (0 to 1).
    """
    teacher_classes = teacher.predict(evaluation_inputs)
    rows = []
    for pool_name, pool in pools.items():
        counts = [count for count in query_counts if count <= len(pool)]
        if not counts or any(count < 1 for count in query_counts):
            raise ValueError(f"query counts must lie in 1..{len(pool)} for pool '{pool_name}'")
        for seed in seeds:
            order = np.random.default_rng(seed).permutation(len(pool))
            for count in counts:
                queries = pool[order[:count]]
                for mode_name, options in apis.items():
                    options = dict(options)
                    copier_temperature = options.pop("copier_temperature", temperature)
                    fill_zeros = options.pop("fill_zeros", False)
                    api = TeacherAPI(teacher, **options, seed=seed)
                    student = copy_through_api(
                        api, queries, copier_temperature, seed, fill_zeros=fill_zeros,
                        label_weight_decay=label_weight_decay,
                    )  # fmt: skip
                    predicted = student.predict(evaluation_inputs)
                    rows.append(
                        {
                            "mode": mode_name,
                            "pool": pool_name,
                            "queries": api.queries_answered,
                            "seed": seed,
                            "agreement": digits.accuracy(predicted, teacher_classes),
                            "test_accuracy": digits.accuracy(predicted, evaluation_labels),
                        }
                    )
    return pd.DataFrame(rows)


def queries_to_reach(runs: pd.DataFrame, mode: str, target: float, by_seed: bool = False):
    """Queries at which ``mode``'s agreement first reaches ``target`` (0 to 1), interpolated in log(queries).

    ``runs`` is :func:`query_experiment` for one pool. With ``by_seed`` False the mean over seeds is used and a
    number (or None if never reached) returned; with ``by_seed`` True a Series indexed by seed (NaN where never
    reached).
    """
    rows = runs[runs["mode"] == mode]
    if rows.empty:
        raise ValueError(f"no runs for mode '{mode}'")
    if not by_seed:
        curve = rows.groupby("queries")["agreement"].mean().sort_index()
        return first_reach(curve.index.to_numpy(), curve.to_numpy(), target)
    needed = {}
    for seed, group in rows.groupby("seed"):
        group = group.sort_values("queries")
        reached = first_reach(group["queries"].to_numpy(), group["agreement"].to_numpy(), target)
        needed[seed] = np.nan if reached is None else reached
    return pd.Series(needed, name="queries")
