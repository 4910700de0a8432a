"""Model extraction through a query API: what the API returns, how a copier uses it, and what defences cost.

A :class:`TeacherAPI` puts a model (anything with a ``logits(inputs)`` method, such as :class:`kd.Teacher`) behind
the kind of interface production APIs offer. The copier sees only :class:`APIResponse` objects, never the weights
or the training labels. Response modes:

- ``"probabilities"``: log-probabilities of every class (what a classification API with scores returns);
- ``"top_k"``: log-probabilities of the ``k`` most probable classes only (as chat APIs return for
  ``top_logprobs``);
- ``"label"``: the top-1 class and nothing else.

Two defences can be switched on for the score modes: ``decimals`` rounds the returned probabilities, and
``noise_scale`` adds Gaussian noise (standard deviation in natural-log units) to the returned log-probabilities
before they are renormalised. The class the API answers with is always the top class *of the scores it returns*,
so a noisy API can also give honest users a wrong answer.

:func:`copier_targets` turns a response into the probability targets a copier trains on, and
:func:`query_experiment` runs the chapter's experiment: copy the teacher with a given number of queries, measure
agreement with the teacher and accuracy on held-out data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from distillbook import kd

MODES = ("probabilities", "top_k", "label")
COPIER_HIDDEN_UNITS = 16  # hidden units of the copier's student (chapter 1's student)
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
    deviation of Gaussian noise added to the log-probabilities; ``seed`` seeds that noise. ``queries_answered``
    counts every input answered so far. Raises ValueError for an unknown mode or an option that does not apply.
    """

    def __init__(
        self,
        teacher: Any,
        mode: str,
        k: int | None = None,
        decimals: int | None = None,
        noise_scale: float | None = None,
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
        self.noise_scale = noise_scale
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
            logprobs = log_softmax(logprobs + self._generator.normal(0.0, self.noise_scale, logprobs.shape))
        if self.decimals is not None:
            with np.errstate(divide="ignore"):
                logprobs = np.log(np.round(np.exp(logprobs), self.decimals))
        # Most probable first; a stable sort breaks ties (e.g. after rounding) towards the lower class index.
        order = np.argsort(-logprobs, axis=1, kind="stable")[:, : self.k]
        returned = np.take_along_axis(logprobs, order, axis=1)
        return APIResponse(labels=order[:, 0].copy(), classes=order, logprobs=returned)


def copier_targets(
    response: APIResponse, temperature: float = 1.0, number_of_classes: int = kd.NUMBER_OF_CLASSES
) -> np.ndarray:
    """Return the (n, classes) probability targets a copier trains on, softened at ``temperature``.

    Label-only responses become one-hot targets (temperature has no effect on them). For scores, the returned
    probabilities are kept, the mass they leave (1 minus their sum, at least 0) is spread evenly over the classes
    the API did not return, rows are renormalised, and the result is softened: ``p**(1/T)`` renormalised, which
    equals ``softmax(log p / T)``. A probability rounded to zero stays zero: the copier learns nothing about that
    class. A row whose returned scores are all zero falls back to the one-hot label. Rows sum to 1.
    """
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a positive number, got {temperature}")
    if response.logprobs is None:
        return kd.one_hot(response.labels, number_of_classes)
    count, returned_count = response.logprobs.shape
    rows = np.arange(count)[:, None]
    probabilities = np.zeros((count, number_of_classes))
    probabilities[rows, response.classes] = np.exp(response.logprobs)
    if returned_count < number_of_classes:
        leftover = np.clip(1.0 - probabilities.sum(axis=1, keepdims=True), 0.0, None)
        not_returned = np.ones((count, number_of_classes), dtype=bool)
        not_returned[rows, response.classes] = False
        probabilities = np.where(not_returned, leftover / (number_of_classes - returned_count), probabilities)
    softened = probabilities ** (1.0 / temperature)
    totals = softened.sum(axis=1, keepdims=True)
    empty = totals[:, 0] <= 0
    softened[empty] = kd.one_hot(response.labels[empty], number_of_classes)
    totals[empty] = 1.0
    return softened / totals


def response_table(responses: dict[str, APIResponse], row: int = 0, number_of_classes: int = kd.NUMBER_OF_CLASSES):
    """Display table (strings) of what each API returned for query ``row``: one row per API, one column per class.

    A returned probability is shown to three significant figures, a class whose score was withheld as "·";
    the column "answer" is the class the API answered with.
    """
    rows = []
    for name, response in responses.items():
        cells = {"Response": name, "answer": str(response.labels[row])}
        shown = (
            {}
            if response.logprobs is None
            else dict(zip(response.classes[row], response.probabilities[row], strict=True))
        )
        for digit in range(number_of_classes):
            cells[str(digit)] = f"{shown[digit]:.3g}" if digit in shown else "·"
        rows.append(cells)
    return pd.DataFrame(rows)


# --- Query pools --------------------------------------------------------------------------------------------


def mixed_pool(inputs: np.ndarray, size: int, seed: int = 0, low: float = 0.25, high: float = 0.75) -> np.ndarray:
    """Return ``size`` convex mixes ``w * a + (1 - w) * b`` of two random rows of ``inputs``, w uniform in [low, high].

    Images between two digits: the copier uses digit-like inputs but not the task's own distribution.
    """
    if size < 1 or not 0.0 <= low <= high <= 1.0:
        raise ValueError("size must be at least 1 and 0 <= low <= high <= 1")
    generator = np.random.default_rng(seed)
    first = generator.integers(0, len(inputs), size)
    second = generator.integers(0, len(inputs), size)
    weights = generator.uniform(low, high, (size, 1))
    return weights * inputs[first] + (1.0 - weights) * inputs[second]


def random_pool(size: int, features: int = 64, seed: int = 0) -> np.ndarray:
    """Return ``size`` images of independent uniform pixels in [0, 1]: queries with no task data at all."""
    if size < 1 or features < 1:
        raise ValueError("size and features must be at least 1")
    return np.random.default_rng(seed).uniform(0.0, 1.0, (size, features))


# --- The experiment ------------------------------------------------------------------------------------------


def copy_through_api(
    api: TeacherAPI, queries: np.ndarray, temperature: float, seed: int, hidden_units: int = COPIER_HIDDEN_UNITS
) -> kd.Student:
    """Query ``api`` once per row of ``queries``, turn the answers into targets, train a student and return it.

    Score responses are softened and matched at ``temperature``; label-only responses are matched at T = 1.
    """
    response = api.query(queries)
    used_temperature = 1.0 if api.mode == "label" else temperature
    targets = copier_targets(response, used_temperature, api.number_of_classes)
    return kd.train_student(
        queries, soft_targets=targets, temperature=used_temperature, alpha=0.0, hidden_units=hidden_units, seed=seed
    )


def query_experiment(
    teacher: Any,
    pools: dict[str, np.ndarray],
    apis: dict[str, dict[str, Any]],
    query_counts: list[int],
    seeds: list[int],
    evaluation_inputs: np.ndarray,
    evaluation_labels: np.ndarray,
    temperature: float = 5.0,
) -> pd.DataFrame:
    """Copy ``teacher`` through each API with each pool, budget and seed; return one row per copy.

    ``pools`` maps a pool name to an array of candidate queries; ``apis`` maps a mode name to the keyword
    arguments of :class:`TeacherAPI` (``mode``, ``k``, ``decimals``, ``noise_scale``). For each seed the pool is
    shuffled once and a budget of ``n`` queries takes its first ``n`` rows, so a larger budget extends a smaller
    one and every API sees the same queries. The API (its noise) and the student are seeded with the seed.
    Columns: mode, pool, queries, seed, agreement (share of evaluation inputs on which the student's class equals
    the teacher's, 0 to 1), test_accuracy (share equal to ``evaluation_labels``, 0 to 1).
    """
    teacher_classes = teacher.predict(evaluation_inputs)
    rows = []
    for pool_name, pool in pools.items():
        if any(not 0 < count <= len(pool) for count in query_counts):
            raise ValueError(f"query counts must lie in 1..{len(pool)} for pool '{pool_name}'")
        for seed in seeds:
            order = np.random.default_rng(seed).permutation(len(pool))
            for count in query_counts:
                queries = pool[order[:count]]
                for mode_name, options in apis.items():
                    api = TeacherAPI(teacher, **options, seed=seed)
                    student = copy_through_api(api, queries, temperature, seed)
                    predicted = student.predict(evaluation_inputs)
                    rows.append(
                        {
                            "mode": mode_name,
                            "pool": pool_name,
                            "queries": api.queries_answered,
                            "seed": seed,
                            "agreement": kd.accuracy(predicted, teacher_classes),
                            "test_accuracy": kd.accuracy(predicted, evaluation_labels),
                        }
                    )
    return pd.DataFrame(rows)


def queries_to_reach(summary: pd.DataFrame, mode: str, target: float) -> float | None:
    """Queries at which ``mode``'s mean agreement first reaches ``target`` (0 to 1), or None if it never does.

    ``summary`` is :func:`kd.summarise_runs` of :func:`query_experiment` by ``["queries", "mode"]`` (one pool);
    between measured budgets the count is interpolated linearly in log(queries), as :func:`kd.examples_to_reach`.
    """
    curve = summary.rename(columns={"queries": "transfer_set_size", "mode": "condition"})
    return kd.examples_to_reach(curve, mode, target)


# --- What an honest user gets ---------------------------------------------------------------------------------


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Return the expected calibration error (0 to 1) of ``confidence`` (0 to 1) against ``correct`` (booleans).

    Confidences are put in ``bins`` equal-width bins on [0, 1] (1.0 goes in the last); the ECE is the
    count-weighted mean over bins of |share correct - mean confidence|.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if confidence.shape != correct.shape or confidence.ndim != 1 or confidence.size == 0:
        raise ValueError("confidence and correct must be non-empty 1-d arrays of the same length")
    if (confidence < 0).any() or (confidence > 1).any() or bins < 1:
        raise ValueError("confidence must lie in [0, 1] and bins be at least 1")
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for index in range(bins):
        chosen = which == index
        if chosen.any():
            total += chosen.sum() * abs(correct[chosen].mean() - confidence[chosen].mean())
    return float(total / confidence.size)


def honest_user_view(response: APIResponse, labels: np.ndarray) -> dict[str, float]:
    """What an honest user gets from ``response`` on inputs whose true classes are ``labels``.

    Returns accuracy (share of answers equal to the truth, 0 to 1) and calibration_error: the expected
    calibration error of the confidence the API states for its answer (the returned probability of the top
    class; a bare label states, in effect, full confidence, so its confidence is 1).
    """
    correct = response.labels == np.asarray(labels)
    if response.logprobs is None:
        confidence = np.ones(len(correct))
    else:
        confidence = np.clip(np.exp(response.logprobs[:, 0]), 0.0, 1.0)
    return {
        "accuracy": float(correct.mean()),
        "calibration_error": expected_calibration_error(confidence, correct),
    }


def defence_costs(
    teacher: Any, apis: dict[str, dict[str, Any]], inputs: np.ndarray, labels: np.ndarray, seed: int = 0
) -> pd.DataFrame:
    """Honest users' accuracy and calibration error (0 to 1) per API in ``apis``, on ``inputs`` with ``labels``.

    Each API is fresh (seeded with ``seed``), so these test queries never count towards a copier's budget.
    Columns: mode, accuracy, calibration_error.
    """
    rows = []
    for mode_name, options in apis.items():
        response = TeacherAPI(teacher, **options, seed=seed).query(inputs)
        rows.append({"mode": mode_name, **honest_user_view(response, labels)})
    return pd.DataFrame(rows)


def tradeoff_table(
    costs: pd.DataFrame, agreement: pd.DataFrame, families: dict[str, str], budget: int, reference: str
) -> pd.DataFrame:
    """Per API: what honest users get against what a copier needs; numbers in percent and queries.

    ``costs`` is :func:`defence_costs`; ``agreement`` is :func:`kd.summarise_runs` of :func:`query_experiment` by
    ``["queries", "mode"]``; ``families`` maps each mode to a family name (for colours); ``budget`` is one of the
    measured query counts; ``reference`` is the undefended mode the ratio is taken against. Columns: mode,
    family, accuracy_pct and calibration_error_pct (honest users), agreement_pct (copier's mean agreement at
    ``budget``), queries_to_90 (NaN if never reached) and queries_ratio (queries_to_90 over the reference's).
    """
    at_budget = agreement[agreement["queries"] == budget].set_index("mode")["mean"]
    if at_budget.empty:
        raise ValueError(f"no agreement measured at {budget} queries")
    rows = []
    for _, row in costs.iterrows():
        needed = queries_to_reach(agreement, row["mode"], TRADEOFF_AGREEMENT_TARGET)
        rows.append(
            {
                "mode": row["mode"],
                "family": families[row["mode"]],
                "accuracy_pct": 100 * row["accuracy"],
                "calibration_error_pct": 100 * row["calibration_error"],
                "agreement_pct": 100 * at_budget[row["mode"]],
                "queries_to_90": np.nan if needed is None else needed,
            }
        )
    table = pd.DataFrame(rows)
    reference_queries = table.set_index("mode").loc[reference, "queries_to_90"]
    return table.assign(queries_ratio=table["queries_to_90"] / reference_queries)


def format_tradeoff_table(table: pd.DataFrame, budget: int) -> pd.DataFrame:
    """Display version (strings) of :func:`tradeoff_table`, with readable column names."""
    return pd.DataFrame(
        {
            "API returns": table["mode"],
            "Honest users: accuracy (%)": table["accuracy_pct"].map("{:.1f}".format),
            "Honest users: calibration error (%)": table["calibration_error_pct"].map("{:.1f}".format),
            f"Copier: agreement after {budget} queries (%)": table["agreement_pct"].map("{:.1f}".format),
            "Copier: queries for 90% agreement": table["queries_to_90"].map(
                lambda q: "not reached" if q != q else f"{q:,.0f}"
            ),
            "× undefended": table["queries_ratio"].map(lambda r: "" if r != r else f"{r:.1f}"),
        }
    )


# --- The literature and the allegations, as tables --------------------------------------------------------------


def price_tag_table(studies: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Display table (strings) of the extraction studies that state a query count or a dollar figure.

    ``studies`` is the ``extraction_studies`` table and ``sources`` the ``sources`` table. Dollar figures are
    upper bounds ("under", "as little as") or estimates, so they are shown as "≤ $x", with "(estimate)" where the
    metric is one. Rows keep the data's order. Columns: Study, Target, Queries, Cost, Result, Source, Source kind.
    """
    kinds = sources.set_index("source_id")["kind"]
    chosen = studies[studies["queries"].notna() | studies["cost_usd"].notna()]
    rows = []
    for _, row in chosen.iterrows():
        cost = ""
        if pd.notna(row["cost_usd"]):
            cost = f"≤ ${row['cost_usd']:,.0f}" + (" (estimate)" if "estimate" in row["metric"] else "")
        result = str(row["outcome"])
        if row["metric"] == "one_minus_r_test":
            result = f"{row['value']:.2f}% agreement on test inputs"
        elif row["metric"] == "attack_time":
            result = f"{row['outcome']} in {row['value']:,.0f} s"
        rows.append(
            {
                "Study": row["study"],
                "Target": row["target"],
                "Queries": "" if pd.isna(row["queries"]) else f"{int(row['queries']):,}",
                "Cost": cost,
                "Result": result,
                "Source": row["source_id"],
                "Source kind": kinds.get(row["source_id"], "unknown"),
            }
        )
    return pd.DataFrame(rows)


def scale_points(campaigns: pd.DataFrame, datasets: pd.DataFrame, experiment_counts: dict[str, float]) -> pd.DataFrame:
    """One row per count to place on a common log axis: alleged campaigns, a distillation set, our experiment.

    ``campaigns`` is ``distillation_campaigns`` (one row per alleged campaign, already filtered by the caller);
    ``datasets`` is ``distillation_datasets``; ``experiment_counts`` maps a label to a number of queries measured
    in this chapter. Columns: label, count (exchanges, samples or queries), kind ('alleged campaign',
    'published distillation set' or 'this chapter'), actor (a company name for colouring, or ''), lower_bound
    (True where the source says "over").
    """
    rows = []
    for _, row in campaigns.iterrows():
        rows.append(
            {
                "label": f"{row['accused_company']}: alleged exchanges with {row['target_model_family']}",
                "count": float(row["exchanges_lower_bound"]),
                "kind": "alleged campaign",
                "actor": row["accused_company"],
                "lower_bound": row["exchanges_bound"] == "at least",
            }
        )
    for _, row in datasets.iterrows():
        rows.append(
            {
                "label": f"{row['model_family'].split(' (')[0]}: its own distillation set (samples)",
                "count": float(row["samples"]),
                "kind": "published distillation set",
                "actor": "DeepSeek",
                "lower_bound": False,
            }
        )
    for label, count in experiment_counts.items():
        rows.append({"label": label, "count": float(count), "kind": "this chapter", "actor": "", "lower_bound": False})
    return pd.DataFrame(rows)
