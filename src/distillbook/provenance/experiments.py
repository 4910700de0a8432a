"""Chapter 06's runs: a watermarked teacher API, students trained on a share of its text, and the tests an accuser
could run on them (closed model: the suspect's generated text; open model: its next-character distributions), plus
the fingerprint test on prompts where the teacher is idiosyncratic.

The teacher, the corpus split and the students are those of chapter 03 (:mod:`distillbook.language_model`); the
watermark is :mod:`distillbook.provenance.watermark`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

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
    logits = teacher.logits(contexts)
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


def key_null(statistic, settings: WatermarkSettings, vocabulary_size: int, null_keys: int) -> dict:
    """Judge ``statistic(green_list)`` under the secret key against the same statistic under ``null_keys`` others.

    Under the null (a model or text that never depended on the key) the secret key is exchangeable with the others,
    so the permutation p-value is exact (never below 1 / (1 + null_keys)); the z-score against the other keys and
    its normal tail p-value extend the scale past that floor (an approximation). Keys 0 .. null_keys - 1 serve as
    the others (the secret key is not among them).
    """
    observed = statistic(settings.green_list(vocabulary_size))
    null = np.array([statistic(settings.green_list(vocabulary_size, key=k)) for k in range(null_keys)])
    z = float((observed - null.mean()) / null.std(ddof=1))
    return {
        "statistic": float(observed),
        "null_mean": float(null.mean()),
        "permutation_p_value": watermark.key_permutation_p_value(observed, null),
        "z_score": z,
        "p_value": float(stats.norm.sf(z)),
    }


def closed_tests(
    text: np.ndarray,
    prompt_length: int,
    settings: WatermarkSettings,
    vocabulary_size: int,
    tokens_read: list[int],
    null_keys: int,
) -> pd.DataFrame:
    """The closed-model test on the first ``tokens_read`` generated characters (whole rows, in order).

    The statistic is the green share of every generated character (:func:`watermark.green_share`), judged against
    other keys (:func:`key_null`); beside it, the deduplicated binomial test of Sander et al. (``dedup_p_value``).
    One row per budget: tokens_read, green_share, z_score, p_value, permutation_p_value, dedup_p_value.
    """
    per_row = text.shape[1] - prompt_length
    rows = []
    for budget in tokens_read:
        used = text[: max(1, int(np.ceil(budget / per_row)))]
        judged = key_null(lambda g, used=used: watermark.green_share(used, g, skip=prompt_length), settings,
                          vocabulary_size, null_keys)  # fmt: skip
        dedup = watermark.detect(used, settings.green_list(vocabulary_size), skip=prompt_length)
        rows.append({"tokens_read": used.shape[0] * per_row, "green_share": judged["statistic"],
                     "z_score": judged["z_score"], "p_value": judged["p_value"],
                     "permutation_p_value": judged["permutation_p_value"], "dedup_p_value": dedup.p_value})  # fmt: skip
    return pd.DataFrame(rows)


def open_test(student, contexts: np.ndarray, settings: WatermarkSettings, null_keys: int) -> dict:
    """The open-model test: the suspect's mean probability on green characters over ``contexts``, judged against
    other keys (:func:`key_null`). With the weights the accuser reads distributions instead of sampling text."""
    probabilities = model.softmax(student.logits(contexts))
    history = history_of(contexts, settings.width)
    return key_null(lambda g: watermark.green_mass(probabilities, history, g), settings, student.vocabulary.size,
                    null_keys)  # fmt: skip


def agreement_on_quirks(teacher, reference, suspect, control, contexts: np.ndarray, seed: int = 0):
    """The fingerprint test on ``contexts`` where the teacher's top character differs from ``reference``'s.

    ``reference`` chooses the prompts; ``control`` (a different independent model) is the comparison; both are
    real-text students of the suspect's size.
    """
    models = {"teacher": teacher, "reference": reference, "suspect": suspect, "control": control}
    # Each model reads the last ``context`` characters it knows of the (teacher-length) windows.
    top = {name: m.logits(contexts[:, -m.context :]).argmax(axis=1) for name, m in models.items()}
    quirks = fingerprint.quirk_prompts(top["teacher"], top["reference"])
    return fingerprint.paired_permutation_test(
        top["suspect"][quirks] == top["teacher"][quirks], top["control"][quirks] == top["teacher"][quirks], seed=seed
    )


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
    null_keys: int = 199


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

    The watermarked text continues prompts from the first half of the pool; the real text is the second half; the
    suspects' prompts come from the test split and the open test reads validation contexts.
    """
    vocabulary = teacher.vocabulary
    response, _ = watermarked_answers(teacher, splits["pool"], settings, design)
    marked_contexts, marked_targets = copier.training_set(response, student_settings.context, vocabulary.size)
    real = splits["pool"][len(splits["pool"]) // 2 :]
    prompts = spaced_prompts(splits["test"], design.suspect_prompts, student_settings.context)
    open_contexts, _ = model.windows(
        splits["validation"][: design.open_contexts + student_settings.context], student_settings.context
    )
    closed, opened, students = [], [], {}
    for share in shares:
        for seed in seeds:
            contexts, targets = mixed_training_set(
                marked_contexts, marked_targets, real, design.training_characters, share, student_settings.context
            )
            student = copier.train_student(contexts, targets, vocabulary, student_settings, seed)
            students[(share, seed)] = student
            text = suspect_text(student, prompts, design.suspect_length, seed)
            tests = closed_tests(text, student_settings.context, settings, vocabulary.size,
                                 list(design.tokens_read), design.null_keys)  # fmt: skip
            closed.append(tests.assign(share=share, seed=seed))
            opened.append(
                {"share": share, "seed": seed, **open_test(student, open_contexts, settings, design.null_keys)}
            )
    return pd.concat(closed, ignore_index=True), pd.DataFrame(opened), students


def fingerprints(
    teacher, splits: dict, student_settings, design: Design, seeds: list[int], quirk_contexts: int = 8_000
) -> pd.DataFrame:
    """The fingerprint test per seed: a student copied from the teacher's unwatermarked text against a control.

    The reference model that picks the quirk prompts is a real-text student (seed 1000) trained on the pool's
    first half; each control is a real-text student (seed ``s``) trained on the pool's second half; each suspect
    learns from the same number of characters of the teacher's plain (unwatermarked) API text. Quirk prompts are
    test-split contexts where the teacher's and the reference's top characters differ. Returns one row per seed:
    prompts, suspect_agreement, control_agreement (0 to 1) and p_value.
    """
    vocabulary, width = teacher.vocabulary, student_settings.context
    plain = WatermarkSettings(delta=0.0)
    response, _ = watermarked_answers(teacher, splits["pool"], plain, design, seed=1)
    copy_contexts, copy_targets = copier.training_set(response, width, vocabulary.size)
    half = len(splits["pool"]) // 2
    characters = design.training_characters
    reference = copier.train_student(*copier.real_text_set(splits["pool"][:half], characters, width),
                                     vocabulary, student_settings, 1000)  # fmt: skip
    windows_, _ = model.windows(splits["test"][: quirk_contexts + teacher.context], teacher.context)
    rows = []
    for seed in seeds:
        control = copier.train_student(*copier.real_text_set(splits["pool"][half:], characters, width),
                                       vocabulary, student_settings, seed)  # fmt: skip
        suspect = copier.train_student(copy_contexts[:characters], copy_targets[:characters], vocabulary,
                                       student_settings, seed)  # fmt: skip
        result = agreement_on_quirks(teacher, reference, suspect, control, windows_, seed=seed)
        rows.append({"seed": seed, "prompts": result.prompts, "suspect_agreement": result.suspect_agreement,
                     "control_agreement": result.control_agreement, "p_value": result.p_value,
                     "exact_p_value": result.exact_p_value})  # fmt: skip
    return pd.DataFrame(rows)


def false_positive_rates(
    text: np.ndarray,
    prompt_length: int,
    settings: WatermarkSettings,
    vocabulary_size: int,
    keys: int = 400,
    level: float = 0.01,
) -> dict:
    """How often each closed-model test wrongly flags text that never saw the key, over ``keys`` keys as the secret.

    For the key-null test each key in turn plays the secret and the others its null (leave one out), read at the
    normal approximation the chapter uses; for the deduplicated binomial test each key is tested directly. Returns
    both rates (0 to 1) at ``level`` and the number of keys.
    """
    greens = [settings.green_list(vocabulary_size, key=k) for k in range(1_000, 1_000 + keys)]
    shares = np.array([watermark.green_share(text, g, skip=prompt_length) for g in greens])
    z = np.array([(shares[i] - np.delete(shares, i).mean()) / np.delete(shares, i).std(ddof=1) for i in range(keys)])
    dedup = np.array([watermark.detect(text, g, skip=prompt_length).p_value for g in greens])
    return {"key_null": float(np.mean(stats.norm.sf(z) < level)), "deduplicated": float(np.mean(dedup < level)),
            "keys": keys}  # fmt: skip
