"""Chapter 06's experiment on a tiny model: the watermarked API marks its text, shares mix as asked, the key null is
calibrated on text that never saw the key, and a student trained on marked text carries the mark."""

from __future__ import annotations

import numpy as np
import pytest

from distillbook.language_model import copier, model
from distillbook.language_model.api import LanguageModelAPI
from distillbook.provenance import experiments, watermark
from distillbook.provenance.experiments import ProvenanceError, WatermarkedAPI, WatermarkSettings

TEXT = "to be or not to be, that is the question; whether tis nobler in the mind to suffer.\n" * 40


@pytest.fixture(scope="module")
def teacher():
    vocabulary = model.Vocabulary.from_text(TEXT)
    net = model.CharMLP.create(vocabulary, context=6, embed=4, hidden=16, seed=0)
    contexts, targets = model.windows(vocabulary.encode(TEXT), 6)
    model.train(net, contexts, targets, steps=150, batch_size=64, learning_rate=1e-2, seed=0)
    return net


def test_watermarked_api_marks_text_and_only_the_sampling(teacher):
    settings = WatermarkSettings(gamma=0.25, delta=4.0)
    green = settings.green_list(teacher.vocabulary.size)
    prompts = ["to be ", "the mi", "whethe"] * 10
    marked = WatermarkedAPI(teacher, "distribution", green, settings.delta, seed=3).query(prompts, 60)
    plain = LanguageModelAPI(teacher, "distribution", seed=3).query(prompts, 60)
    rows = np.concatenate([marked.prompts, marked.tokens], axis=1)
    plain_rows = np.concatenate([plain.prompts, plain.tokens], axis=1)
    assert watermark.green_share(rows, green, skip=6) > watermark.green_share(plain_rows, green, skip=6) + 0.1
    # The scores it returns are the model's own: the first position (same prompt, nothing sampled yet) is identical.
    np.testing.assert_allclose(marked.distributions[:, 0], plain.distributions[:, 0])


def test_mixture_holds_the_requested_share_and_refuses_bad_ones(teacher):
    real = teacher.vocabulary.encode(TEXT)
    marked = (np.zeros((500, 4), dtype=int), np.ones(500, dtype=int))
    contexts, targets = experiments.mixed_training_set(*marked, real, 200, 0.25, 4)
    assert len(contexts) == 200 and (targets[:50] == 1).all()
    assert len(experiments.mixed_training_set(*marked, real, 200, 1.0, 4)[0]) == 200
    with pytest.raises(ProvenanceError, match="between 0 and 1"):
        experiments.mixed_training_set(*marked, real, 200, 1.5, 4)
    with pytest.raises(ProvenanceError, match="only 500"):
        experiments.mixed_training_set(*marked, real, 1000, 0.9, 4)


def test_key_null_is_calibrated_on_text_that_never_saw_the_key(teacher):
    prompts = experiments.spaced_prompts(teacher.vocabulary.encode(TEXT), 20, 6)
    text = experiments.suspect_text(teacher, prompts, 80, seed=1)
    settings = WatermarkSettings()
    rates = experiments.false_positive_rates(text, 6, settings, teacher.vocabulary.size, keys=200, level=0.05)
    assert rates["keys"] == 200 and rates["deduplicated"] <= 0.1 and rates["low"] <= rates["deduplicated"]
    # The key-permutation test on the same text: p-values spread over (0, 1], not piled near 0.
    bank = watermark.KeyBank.make(teacher.vocabulary.size, settings.gamma, range(199))
    p = [experiments.closed_tests(text, 6, settings.green_list(teacher.vocabulary.size, key=k), bank, [1000])
         .loc[0, "p_value"] for k in range(5_000, 5_100)]  # fmt: skip
    assert np.mean(np.array(p) <= 0.05) <= 0.12


def test_a_student_of_marked_text_carries_the_mark(teacher):
    settings = WatermarkSettings(gamma=0.25, delta=4.0)
    green = settings.green_list(teacher.vocabulary.size)
    indices = teacher.vocabulary.encode(TEXT)
    prompts = experiments.spaced_prompts(indices, 40, 6)
    response = WatermarkedAPI(teacher, "text", green, settings.delta, seed=2).query(prompts, 100)
    student_settings = copier.StudentSettings(context=4, embed=4, hidden=16, steps=300, batch_size=64,
                                              learning_rate=1e-2)  # fmt: skip
    contexts, targets = copier.training_set(response, 4, teacher.vocabulary.size)
    student = copier.train_student(contexts, targets, teacher.vocabulary, student_settings, seed=0)
    bank = watermark.KeyBank.make(teacher.vocabulary.size, settings.gamma, range(99))
    result = experiments.open_test(student, model.windows(indices[:2000], 4)[0], green, bank)
    assert result["z_score"] > 3 and result["p_value"] == pytest.approx(0.01)
