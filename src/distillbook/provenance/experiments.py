"""Chapter 06's runs: a watermarked teacher API, students trained on a share of its text, and the tests an accuser
could run on them (closed model: the suspect's generated text; open model: its next-character distributions), plus
the fingerprint test on prompts where the teacher is idiosyncratic.

The teacher, the corpus split and the students are those of chapter 03 (:mod:`distillbook.language_model`); the
watermark is :mod:`distillbook.provenance.watermark`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from distillbook.errors import BookError
from distillbook.language_model import copier, model
from distillbook.language_model.api import LanguageModelAPI
from distillbook.provenance import fingerprint, watermark
from distillbook.provenance.watermark import GreenList


class ProvenanceError(BookError):
    """A design the chapter's experiment cannot run (a share outside 0 to 1, prompts that do not fit the text)."""


@dataclass(frozen=True)
class WatermarkSettings:
    """The provider's watermark: green fraction ``gamma``, bias ``delta`` (logits), history ``width``, secret ``key``.

    gamma 0.25 is the value of Sander et al.'s released data; delta 2 is the middle of Kirchenbauer et al.'s range.
    """

    gamma: float = 0.25
    delta: float = 2.0
    width: int = 1
    key: int = 20260223

    def green_list(self, vocabulary_size: int, key: int | None = None) -> GreenList:
        """The split for this vocabulary, under the secret key or under another ``key`` (for a null)."""
        return GreenList.make(vocabulary_size, self.gamma, self.key if key is None else key, self.width)


class WatermarkedAPI(LanguageModelAPI):
    """Chapter 03's API whose sampled text carries a green-list watermark.

    Only sampling changes: the scores returned in the score modes stay the model's own distribution, so a copier
    that learns from them receives no watermark (the chapter measures this).
    """

    def __init__(self, lm, mode: str, green: GreenList, delta: float, k: int | None = None, seed: int = 0):
        super().__init__(lm, mode, k=k, seed=seed)
        self.green = green
        self.delta = delta

    def sample_token(self, logits: np.ndarray, contexts: np.ndarray) -> np.ndarray:
        """Add ``delta`` to the green characters' logits after each context's history, then sample as usual."""
        history = contexts[:, -self.green.width :] if self.green.width > 1 else contexts[:, -1]
        return super().sample_token(watermark.watermark_logits(logits, history, self.green, self.delta), contexts)


def history_of(contexts: np.ndarray, width: int) -> np.ndarray:
    """The last ``width`` characters of each context, in the shape :class:`GreenList` expects."""
    return contexts[:, -width:] if width > 1 else contexts[:, -1]


def honest_user_cost(teacher, contexts: np.ndarray, next_characters: np.ndarray, settings: WatermarkSettings) -> dict:
    """The teacher's bits per character on real text with and without the watermark's bias (bits per character).

    What an honest user loses: the watermarked distribution is the one its sampled text follows.
    """
    green = settings.green_list(teacher.vocabulary.size)
    logits = model.remembered_logits(teacher, contexts)  # the same for every delta compared
    marked = watermark.watermark_logits(logits, history_of(contexts, settings.width), green, settings.delta)
    rows = np.arange(len(next_characters))
    clean_bpc = -model.log_softmax(logits)[rows, next_characters].mean() / model.LOG2
    marked_bpc = -model.log_softmax(marked)[rows, next_characters].mean() / model.LOG2
    return {"clean_bpc": float(clean_bpc), "watermarked_bpc": float(marked_bpc)}


def mixed_training_set(
    marked_contexts: np.ndarray,
    marked_targets: np.ndarray,
    real_indices: np.ndarray,
    characters: int,
    share: float,
    student_context: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``characters`` training examples of which a fraction ``share`` comes from the watermarked API's text.

    The API's examples are taken in order (the first prompts' continuations); the rest is consecutive real text.
    """
    if not 0 <= share <= 1:
        raise ProvenanceError(f"the watermarked share must lie between 0 and 1, got {share!r}")
    marked_count = round(float(share) * characters)
    if marked_count > len(marked_contexts):
        raise ProvenanceError(f"asked for {marked_count} watermarked examples, only {len(marked_contexts)} exist")
    if marked_count == characters:
        return marked_contexts[:marked_count], marked_targets[:marked_count]
    real_contexts, real_targets = copier.real_text_set(real_indices, characters - marked_count, student_context)
    return (
        np.concatenate([marked_contexts[:marked_count], real_contexts]),
        np.concatenate([marked_targets[:marked_count], real_targets]),
    )


def suspect_text(student, prompts: np.ndarray, length: int, seed: int) -> np.ndarray:
    """Prompts followed by the suspect's own continuations, one row per prompt (what a closed-model accuser reads)."""
    response = LanguageModelAPI(student, "text", seed=seed).query(prompts, length)
    return np.concatenate([response.prompts, response.tokens], axis=1)


def closed_tests(
    text: np.ndarray, prompt_length: int, green: GreenList, bank: watermark.KeyBank, tokens_read: list[int]
) -> pd.DataFrame:
    """The closed-model test on the first ``tokens_read`` generated characters (whole rows, in order).

    The statistic is the green share of every generated character, judged against the key ``bank``
    (:func:`watermark.permutation_test`); beside it, the deduplicated binomial test of Sander et al.
    (``dedup_p_value``). One row per budget: tokens_read, green_share, z_score, p_value, dedup_p_value.
    """
    per_row = text.shape[1] - prompt_length
    size = green.vocabulary_size
    rows = []
    for budget in tokens_read:
        used = text[: max(1, int(np.ceil(budget / per_row)))]
        judged = watermark.permutation_test(watermark.pair_counts(used, green.width, size, prompt_length), green, bank)
        dedup = watermark.detect(used, green, skip=prompt_length)
        rows.append({"tokens_read": used.shape[0] * per_row, "green_share": judged["statistic"],
                     "z_score": judged["z_score"], "p_value": judged["p_value"],
                     "dedup_p_value": dedup.p_value})  # fmt: skip
    return pd.DataFrame(rows)


def open_test(student, contexts: np.ndarray, green: GreenList, bank: watermark.KeyBank) -> dict:
    """The open-model test: the suspect's mean probability on green characters over ``contexts``, judged against
    the key ``bank``. With the weights the accuser reads distributions instead of sampling text."""
    probabilities = model.softmax(student.logits(contexts))
    histories = green.history(history_of(contexts, green.width))
    masses = watermark.mass_by_history(probabilities, histories, green.vocabulary_size, green.width)
    return watermark.permutation_test(masses, green, bank)


def top_characters(models: dict, contexts: np.ndarray) -> dict[str, np.ndarray]:
    """Each model's most likely next character on (teacher-length) ``contexts``, reading the last characters it knows."""
    return {name: m.logits(contexts[:, -m.context :]).argmax(axis=1) for name, m in models.items()}


@dataclass(frozen=True)
class Design:
    """The chapter's sizes: prompts and lengths of the API's text, the students' training size, the tests' inputs."""

    api_prompts: int = 200
    api_length: int = 250
    training_characters: int = 30_000
    suspect_prompts: int = 100
    suspect_length: int = 200
    tokens_read: tuple[int, ...] = (1_000, 3_000, 10_000, 20_000)
    open_contexts: int = 8_000
    null_keys: int = 9_999


def spaced_prompts(indices: np.ndarray, count: int, length: int, span: int | None = None) -> np.ndarray:
    """``count`` prompts of ``length`` characters taken at even spacing from the first ``span`` characters."""
    span = len(indices) if span is None else span
    step = (span - length) // count
    if step < 1:
        raise ProvenanceError(f"{count} prompts of {length} characters do not fit in {span} characters")
    return np.stack([indices[s : s + length] for s in np.arange(count) * step])


def watermarked_answers(teacher, pool: np.ndarray, settings: WatermarkSettings, design: Design, seed: int = 0):
    """The watermarked API's text continuations of prompts from the first half of ``pool`` (text the teacher never
    saw); returns the response and the rows (prompt + continuation)."""
    green = settings.green_list(teacher.vocabulary.size)
    prompts = spaced_prompts(pool, design.api_prompts, teacher.context, span=len(pool) // 2)
    response = WatermarkedAPI(teacher, "text", green, settings.delta, seed=seed).query(prompts, design.api_length)
    return response, np.concatenate([response.prompts, response.tokens], axis=1)


def radioactivity(
    teacher,
    splits: dict,
    student_settings,
    settings: WatermarkSettings,
    design: Design,
    shares: list[float],
    seeds: list[int],
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Train a student per (share, seed) on a mixture and test it; return closed tests, open tests and the students.

    Each seed is a whole replication: its own secret key (``settings.key + seed``), its own sample of the
    watermarked API's text (continuations of prompts from the first half of the pool, text the teacher never saw)
    and its own student initialisation. The real text is the pool's second half; the suspects' prompts come from
    the test split and the open test reads validation contexts. The other keys (``design.null_keys`` of them,
    never a secret key) are shared by every test.
    """
    vocabulary = teacher.vocabulary
    bank = watermark.KeyBank.make(vocabulary.size, settings.gamma, range(design.null_keys), settings.width)
    real = splits["pool"][len(splits["pool"]) // 2 :]
    prompts = spaced_prompts(splits["test"], design.suspect_prompts, student_settings.context)
    open_contexts, _ = model.windows(splits["validation"][: design.open_contexts + student_settings.context],
                                     student_settings.context)  # fmt: skip
    closed, opened, students = [], [], {}
    for seed in seeds:
        run = replace(settings, key=settings.key + seed)
        green = run.green_list(vocabulary.size)
        response, _ = watermarked_answers(teacher, splits["pool"], run, design, seed=seed)
        marked_contexts, marked_targets = copier.training_set(response, student_settings.context, vocabulary.size)
        for share in shares:
            contexts, targets = mixed_training_set(
                marked_contexts, marked_targets, real, design.training_characters, share, student_settings.context
            )
            student = copier.train_student(contexts, targets, vocabulary, student_settings, seed)
            students[(share, seed)] = student
            text = suspect_text(student, prompts, design.suspect_length, seed)
            tests = closed_tests(text, student_settings.context, green, bank, list(design.tokens_read))
            closed.append(tests.assign(share=share, seed=seed))
            opened.append({"share": share, "seed": seed, **open_test(student, open_contexts, green, bank)})
    return pd.concat(closed, ignore_index=True), pd.DataFrame(opened), students


def fingerprints(
    teacher,
    splits: dict,
    student_settings,
    design: Design,
    seeds: list[int],
    honest: int = 8,
    quirk_contexts: int = 8_000,
) -> tuple[pd.DataFrame, dict]:
    """The fingerprint test: students copied from the teacher's plain text against a crowd of honest students.

    A reference (a real-text student, seed 1000, on the validation split, text no compared model reads) picks the
    quirk prompts: test-split contexts where its top character differs
    from the teacher's. ``honest`` real-text students (seeds 2000 + i, each on a different slice of the pool) show
    how often a model that never saw the teacher's outputs agrees with the teacher there; each seed in ``seeds``
    gives one suspect, trained on its own sample of the teacher's unwatermarked API text. Returns one row per model
    (model: "distilled" or "honest", seed, agreement on quirk prompts, agreement on the quirk prompts where the
    teacher is wrong, accuracy on all contexts, all 0 to 1) and the prompt counts.
    """
    vocabulary, width, characters = teacher.vocabulary, student_settings.context, design.training_characters
    pool = splits["pool"]
    # The reference reads text no compared model reads (the validation split), so no honest student resembles it
    # by sharing its training text; only its choice of prompts is used.
    validation = splits["validation"]
    reference_characters = min(characters, len(validation) - width - 1)
    reference = copier.train_student(*copier.real_text_set(validation, reference_characters, width), vocabulary,
                                     student_settings, 1000)  # fmt: skip
    models = {}
    step = (len(pool) - characters - width) // max(1, honest - 1)
    for i in range(honest):
        contexts, targets = copier.real_text_set(pool, characters, width, start=i * step)
        models[("honest", i)] = copier.train_student(contexts, targets, vocabulary, student_settings, 2000 + i)
    plain = WatermarkSettings(delta=0.0)
    for seed in seeds:
        response, _ = watermarked_answers(teacher, pool, plain, design, seed=100 + seed)
        contexts, targets = copier.training_set(response, width, vocabulary.size)
        models[("distilled", seed)] = copier.train_student(contexts[:characters], targets[:characters], vocabulary,
                                                           student_settings, seed)  # fmt: skip
    windows_, truth = model.windows(splits["test"][: quirk_contexts + teacher.context], teacher.context)
    top = top_characters({"teacher": teacher, "reference": reference, **{k: m for k, m in models.items()}}, windows_)
    quirks = fingerprint.quirk_prompts(top["teacher"], top["reference"])
    teacher_wrong = quirks & (top["teacher"] != truth)
    rows = [
        {"model": kind, "seed": seed, "agreement": float((top[(kind, seed)] == top["teacher"])[quirks].mean()),
         "agreement_teacher_wrong": float((top[(kind, seed)] == top["teacher"])[teacher_wrong].mean()),
         "accuracy": float((top[(kind, seed)] == truth).mean())}
        for kind, seed in models
    ]  # fmt: skip
    counts = {"contexts": len(truth), "quirks": int(quirks.sum()), "teacher_wrong": int(teacher_wrong.sum()),
              "teacher_accuracy": float((top["teacher"] == truth).mean())}  # fmt: skip
    return pd.DataFrame(rows), counts


def false_positive_rates(
    text: np.ndarray,
    prompt_length: int,
    settings: WatermarkSettings,
    vocabulary_size: int,
    keys: int = 400,
    level: float = 0.01,
) -> dict:
    """How often the deduplicated binomial test flags text that never saw the key, over ``keys`` keys as the secret.

    (The key-permutation test needs no such check: its p-value is exact by construction.) Returns the rate (0 to
    1) at ``level``, the number of keys, and a 95% Clopper-Pearson interval for the rate.
    """
    greens = [settings.green_list(vocabulary_size, key=k) for k in range(1_000_000, 1_000_000 + keys)]
    flagged = int(sum(watermark.detect(text, g, skip=prompt_length).p_value < level for g in greens))
    from scipy import stats  # here: importing scipy.stats takes about half a second

    low, high = stats.binomtest(flagged, keys).proportion_ci(0.95)
    return {"deduplicated": flagged / keys, "keys": keys, "low": float(low), "high": float(high)}
