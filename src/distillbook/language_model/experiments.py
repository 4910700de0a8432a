"""The chapter's experiment: split the corpus, copy the teacher through each API mode, measure the copies."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from distillbook import memo
from distillbook.language_model import copier, model
from distillbook.language_model.api import LanguageModelAPI, LMResponse, restrict
from distillbook.language_model.model import LanguageModelError

#: Shares of the corpus, by position: the teacher's training text, then text the teacher never saw (the copier's
#: pool of prompts and real text, a validation part for choosing settings, a test part for reporting).
SPLIT_SHARES = {"teacher": 0.85, "pool": 0.10, "validation": 0.025, "test": 0.025}


def split_corpus(indices: np.ndarray) -> dict[str, np.ndarray]:
    """Cut a 1-d index array into consecutive parts with the shares of :data:`SPLIT_SHARES`, in that order."""
    indices = np.asarray(indices)
    if indices.ndim != 1 or len(indices) < 1000:
        raise LanguageModelError(f"need a 1-d corpus of at least 1,000 characters, got shape {indices.shape}")
    bounds = np.round(np.cumsum([0.0, *SPLIT_SHARES.values()]) * len(indices)).astype(int)
    return {name: indices[bounds[i] : bounds[i + 1]] for i, name in enumerate(SPLIT_SHARES)}


# --- Measuring a copy -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """Unseen contexts to compare a student with the teacher on: teacher-length ``contexts`` (n, context), the real
    ``next_indices`` (n,) and the teacher's next-character ``probabilities`` (n, V)."""

    contexts: np.ndarray
    next_indices: np.ndarray
    probabilities: np.ndarray


def evaluation_set(teacher: model.CharMLP, text_indices: np.ndarray, count: int, seed: int) -> Evaluation:
    """``count`` positions of ``text_indices`` drawn without replacement (seeded), with the teacher's predictions."""
    contexts, next_indices = model.windows(text_indices, teacher.context)
    if count > len(contexts):
        raise LanguageModelError(f"asked for {count} evaluation positions, the text has {len(contexts)}")
    chosen = np.sort(np.random.default_rng(seed).choice(len(contexts), count, replace=False))
    return Evaluation(contexts[chosen], next_indices[chosen], model.softmax(teacher.logits(contexts[chosen])))


def measure(student: model.CharMLP, evaluation: Evaluation) -> dict[str, float]:
    """How close ``student`` is to the teacher and to real text on ``evaluation``.

    kl_bits: mean KL divergence from the teacher's next-character distribution to the student's (bits per
    character); bits_per_character: the student's cross-entropy on the real next characters; agreement: share of
    contexts (0 to 1) where the student's most probable character is the teacher's.
    """
    logq = model.log_softmax(student.logits(evaluation.contexts[:, -student.context :]))
    p = evaluation.probabilities
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.where(p > 0, np.log(p), 0.0)
    rows = np.arange(len(p))
    return {
        "kl_bits": float((p * (logp - logq)).sum(axis=1).mean() / model.LOG2),
        "bits_per_character": float(-logq[rows, evaluation.next_indices].mean() / model.LOG2),
        "agreement": float((logq.argmax(axis=1) == p.argmax(axis=1)).mean()),
    }


def teacher_scores(evaluation: Evaluation, top_k: list[int]) -> dict[str, float]:
    """The teacher's bits per character on the evaluation text, and the mean probability mass its top-k covers."""
    p = evaluation.probabilities
    rows = np.arange(len(p))
    scores = {"bits_per_character": float(-np.log(p[rows, evaluation.next_indices]).mean() / model.LOG2)}
    ordered = -np.sort(-p, axis=1)
    for k in top_k:
        scores[f"top_{k}_mass"] = float(ordered[:, :k].sum(axis=1).mean())
    return scores


# --- The experiment ---------------------------------------------------------------------------------------------


def copy_experiment(
    teacher: model.CharMLP,
    pool: np.ndarray,
    evaluation: Evaluation,
    budgets: list[int],
    seeds: list[int],
    apis: dict[str, dict],
    settings: copier.StudentSettings,
    continuation: int,
    validation: Evaluation | None = None,
) -> tuple[pd.DataFrame, dict[str, model.CharMLP]]:
    """Copy ``teacher`` through each API in ``apis`` and from real text, at each token budget and seed.

    ``apis`` maps a condition name to :class:`LanguageModelAPI` options (``mode``, ``k``); the condition
    ``"real data"`` is added: the same student trained on ``budget`` characters of real text from ``pool``. For each
    seed, prompts (teacher-context characters from ``pool``, seeded positions) are continued by ``continuation``
    characters once; a budget of ``b`` tokens uses the first ``b / continuation`` exchanges, so larger budgets
    extend smaller ones and every mode sees the same prompts and sampled text. Returns the results (columns:
    condition, tokens, exchanges, seed, kl_bits, bits_per_character, agreement) and the students trained at the
    largest budget with the first seed, by condition (for samples). With ``validation``, every student is also
    measured there (columns validation_kl_bits, validation_bits_per_character, validation_agreement; no retraining).
    """
    if any(b % continuation or b <= 0 for b in budgets):
        raise LanguageModelError(f"every budget must be a positive multiple of the continuation ({continuation})")
    rows, kept = [], {}
    vocabulary = teacher.vocabulary
    for seed in seeds:
        rng = np.random.default_rng(seed)
        exchanges = max(budgets) // continuation
        starts = rng.integers(0, len(pool) - teacher.context, exchanges)
        prompts = np.stack([pool[s : s + teacher.context] for s in starts])
        full = teacher_answers(teacher, prompts, continuation, seed)
        real_start = int(rng.integers(0, len(pool) - max(budgets) - settings.context))
        # One example per generated character, prompt by prompt: a budget's training set is the first rows of the
        # largest budget's, so each API's set is built once per seed and cut (the same values as building it anew).
        whole = {
            name: copier.training_set(restrict(full, **options), settings.context, vocabulary.size)
            for name, options in apis.items()
        }
        for budget in budgets:
            used = budget // continuation
            examples = used * continuation
            sets = {name: (contexts[:examples], targets[:examples]) for name, (contexts, targets) in whole.items()}
            sets["real data"] = copier.real_text_set(pool, budget, settings.context, real_start)
            for name, (contexts, targets) in sets.items():
                student = copier.train_student(contexts, targets, vocabulary, settings, seed)
                rows.append({"condition": name, "tokens": budget, "exchanges": used, "seed": seed})
                rows[-1].update(measure(student, evaluation))
                if validation is not None:
                    rows[-1].update({f"validation_{k}": v for k, v in measure(student, validation).items()})
                if seed == seeds[0] and budget == max(budgets):
                    kept[name] = student
    return pd.DataFrame(rows), kept


#: How many recent teacher answers :func:`teacher_answers` keeps (each is about 50 MB at the chapter's sizes).
ANSWERS_KEPT = 4
_answers = memo.Recent(ANSWERS_KEPT)


def teacher_answers(teacher: model.CharMLP, prompts: np.ndarray, continuation: int, seed: int) -> LMResponse:
    """The ``"distribution"`` API's answer (seeded) to ``prompts``, continued by ``continuation`` characters.

    The last :data:`ANSWERS_KEPT` answers are kept in memory and returned again for an identical request (same
    weights, prompts, length and seed), since the chapter's checks rerun the experiment on the same prompts. The
    answer's arrays are read-only, so no caller can change what another receives.
    """
    prompts = np.ascontiguousarray(prompts, dtype=np.int64)

    def compute() -> LMResponse:
        answer = LanguageModelAPI(teacher, "distribution", seed=seed).query(prompts, continuation)
        for array in (answer.prompts, answer.tokens, answer.distributions):
            array.flags.writeable = False
        return answer

    key = (model.weights_digest(teacher), memo.array_key(prompts), int(continuation), int(seed))
    return _answers.get(key, compute)


def on_validation(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` with each measure replaced by its validation_ counterpart (from ``copy_experiment(validation=)``)."""
    measured = [c for c in results.columns if c.startswith("validation_")]
    if not measured:
        raise LanguageModelError("these results have no validation measures: pass validation= to copy_experiment")
    kept = results.drop(columns=[c.removeprefix("validation_") for c in measured] + measured)
    return kept.join(results[measured].rename(columns=lambda c: c.removeprefix("validation_")))


def choose_target(results: pd.DataFrame, condition: str, metric: str, step: float) -> float:
    """The tightest multiple of ``step`` that every seed of ``condition`` reaches at the largest budget.

    Meant for validation results (:func:`on_validation`): the worst seed's ``metric`` there, rounded up to ``step``.
    """
    part = results[(results["condition"] == condition) & (results["tokens"] == results["tokens"].max())]
    if part.empty:
        raise LanguageModelError(f"no results for condition '{condition}'")
    return float(np.ceil(round(part[metric].max() / step, 9)) * step)


def summarise(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean, minimum and maximum of ``metric`` over seeds per (condition, tokens); column n counts the seeds."""
    grouped = results.groupby(["condition", "tokens"], sort=False)[metric]
    return grouped.agg(["mean", "min", "max", "count"]).rename(columns={"count": "n"}).reset_index()


def tokens_to_reach(results: pd.DataFrame, condition: str, metric: str, target: float) -> pd.Series:
    """Per seed, the tokens at which ``metric`` first falls to ``target`` or below (NaN if it never does).

    Between measured budgets the count is interpolated linearly in log(tokens). Lower is better for the metric
    (use it with kl_bits or bits_per_character).
    """
    out = {}
    for seed, part in results[results["condition"] == condition].groupby("seed"):
        part = part.sort_values("tokens")
        tokens, values = part["tokens"].to_numpy(float), part[metric].to_numpy(float)
        out[seed] = np.nan
        for i, value in enumerate(values):
            if value <= target:
                if i == 0:
                    out[seed] = tokens[0]
                else:
                    share = (values[i - 1] - target) / (values[i - 1] - value)
                    out[seed] = float(np.exp(np.log(tokens[i - 1]) + share * np.log(tokens[i] / tokens[i - 1])))
                break
    return pd.Series(out, name=condition)


# --- From characters to exchanges -------------------------------------------------------------------------------

#: ASSUMPTION (range): output tokens one exchange with a chat model returns, as in chapter 4's campaign-cost model
#: (400 to 8,000, anchored on OpenRouter's 2025 usage statistics, where completions averaged about 400 tokens).
OUTPUT_TOKENS_PER_EXCHANGE = (400, 8_000)


def exchanges_for(tokens: float, tokens_per_exchange: tuple[float, float] = OUTPUT_TOKENS_PER_EXCHANGE):
    """(most, fewest) exchanges that carry ``tokens`` output tokens at the ends of the assumed range."""
    low, high = tokens_per_exchange
    return tokens / low, tokens / high


def tune_learning_rate(
    teacher: model.CharMLP,
    pool: np.ndarray,
    validation: Evaluation,
    rates: list[float],
    budget: int,
    apis: dict[str, dict],
    settings: copier.StudentSettings,
    continuation: int,
    seed: int = 0,
) -> pd.DataFrame:
    """Mean validation KL (bits per character) over all conditions at one budget, for each learning rate.

    The chapter's learning rate is the one with the lowest value (chosen once, for every condition and budget).
    Columns: learning_rate, kl_bits.
    """
    rows = []
    for rate in rates:
        trial = copier.StudentSettings(**{**asdict(settings), "learning_rate": rate})
        results, _ = copy_experiment(teacher, pool, validation, [budget], [seed], apis, trial, continuation)
        rows.append({"learning_rate": rate, "kl_bits": float(results["kl_bits"].mean())})
    return pd.DataFrame(rows)
