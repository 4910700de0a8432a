"""The chapter-3 language model, its API and the copier: gradients, sampling, top-k targets, errors, end to end."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from distillbook import data, paths
from distillbook.language_model import copier, experiments, model
from distillbook.language_model.api import LanguageModelAPI, LMResponse, restrict
from distillbook.language_model.model import LanguageModelError

TINY_TEXT = "to be or not to be, that is the question.\n" * 30


@pytest.fixture
def tiny():
    vocabulary = model.Vocabulary.from_text(TINY_TEXT)
    return vocabulary, model.CharMLP.create(vocabulary, context=4, embed=3, hidden=6, seed=0)


def test_gradients_match_finite_differences(tiny):
    vocabulary, net = tiny
    rng = np.random.default_rng(1)
    contexts = rng.integers(0, vocabulary.size, (5, net.context))
    targets = model.softmax(rng.normal(size=(5, vocabulary.size)))
    _, grads = net.loss_and_gradients(contexts, targets)
    for name, weights in net.parameters.items():
        numeric = np.zeros_like(weights)
        for index in np.ndindex(weights.shape):
            saved = weights[index]
            weights[index] = saved + 1e-6
            upper = net.loss_and_gradients(contexts, targets)[0]
            weights[index] = saved - 1e-6
            lower = net.loss_and_gradients(contexts, targets)[0]
            weights[index] = saved
            numeric[index] = (upper - lower) / 2e-6
        assert np.allclose(numeric, grads[name], atol=1e-7), name


def _adam_array_by_array(net, contexts, targets, steps, batch_size, learning_rate, seed):
    """The plain Adam loop, one parameter array at a time: what model.train's flat update must equal bit for bit."""
    rng = np.random.default_rng(seed)
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in net.parameters.items()}
    losses = []
    for step in range(1, steps + 1):
        chosen = rng.integers(0, len(contexts), batch_size)
        batch = model.one_hot(targets[chosen], net.vocabulary.size) if targets.ndim == 1 else targets[chosen]
        loss, grads = net.loss_and_gradients(contexts[chosen], batch)
        losses.append(loss)
        for name, grad in grads.items():
            first, second = moments[name]
            first *= 0.9
            first += (1 - 0.9) * grad
            second *= 0.999
            second += (1 - 0.999) * grad**2
            corrected = first / (1 - 0.9**step)
            net.parameters[name] -= learning_rate * corrected / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return losses


@pytest.mark.parametrize("soft", [True, False])
def test_flat_adam_gives_the_same_bits_as_updating_array_by_array(tiny, soft):
    vocabulary, _ = tiny
    rng = np.random.default_rng(4)
    contexts = rng.integers(0, vocabulary.size, (300, 8))
    targets = model.softmax(rng.normal(size=(300, vocabulary.size))) if soft else rng.integers(0, vocabulary.size, 300)
    fast, plain = (model.CharMLP.create(vocabulary, context=8, embed=12, hidden=96, seed=2) for _ in range(2))
    arrays = dict(fast.parameters)
    losses = model.train(fast, contexts, targets, 40, 32, 3e-3, seed=5)
    assert losses == _adam_array_by_array(plain, contexts, targets, 40, 32, 3e-3, seed=5)
    for name, value in plain.parameters.items():
        assert fast.parameters[name] is arrays[name]  # trained in place: the model keeps its own arrays
        assert np.array_equal(fast.parameters[name], value), name


def test_embedding_gradient_equals_a_bincount_per_column(tiny):
    vocabulary, net = tiny
    rng = np.random.default_rng(6)
    contexts = rng.integers(0, vocabulary.size, (50, net.context))
    logits, cache = net.forward(contexts)
    grad_logits = (model.softmax(logits) - model.softmax(rng.normal(size=logits.shape))) / 50
    grads = net.backward(grad_logits, cache)
    grad_pre = (grad_logits @ net.parameters["w2"].T) * (1.0 - cache["hidden"] ** 2)
    rows = (grad_pre @ net.parameters["w1"].T).reshape(-1, net.parameters["embedding"].shape[1])
    columns = [
        np.bincount(contexts.ravel(), weights=rows[:, j], minlength=vocabulary.size) for j in range(rows.shape[1])
    ]
    assert np.array_equal(grads["embedding"], np.stack(columns, axis=1))


def test_top_k_targets_renormalise_the_returned_probabilities():
    top_tokens = np.array([[2, 0], [1, 3]])
    top_logprobs = np.log(np.array([[0.5, 0.3], [0.6, 0.1]]))
    targets = copier.top_k_targets(top_tokens, top_logprobs, 4)
    assert np.allclose(targets.sum(axis=1), 1.0)
    assert np.allclose(targets[0], [0.3 / 0.8, 0, 0.5 / 0.8, 0])
    assert np.allclose(targets[1], [0, 0.6 / 0.7, 0, 0.1 / 0.7])


def test_sampling_is_deterministic_under_a_seed_and_modes_share_the_text(tiny):
    _, net = tiny
    prompts = ["to b", "ques"]
    first = LanguageModelAPI(net, "distribution", seed=7).query(prompts, 12)
    again = LanguageModelAPI(net, "distribution", seed=7).query(prompts, 12)
    other = LanguageModelAPI(net, "distribution", seed=8).query(prompts, 12)
    assert np.array_equal(first.tokens, again.tokens) and not np.array_equal(first.tokens, other.tokens)
    top = LanguageModelAPI(net, "top_k", k=3, seed=7).query(prompts, 12)
    derived = restrict(first, "top_k", 3)
    assert np.array_equal(top.tokens, first.tokens)
    assert np.array_equal(top.top_tokens, derived.top_tokens) and np.allclose(top.top_logprobs, derived.top_logprobs)
    text = LanguageModelAPI(net, "text", seed=7).query(prompts, 12)
    assert np.array_equal(text.tokens, first.tokens) and text.distributions is None and text.top_logprobs is None


def test_teacher_answers_are_remembered_for_identical_requests_only(tiny):
    _, net = tiny
    prompts = LanguageModelAPI(net, "text").encode_prompts(["to b", "ques", "that"])
    first = experiments.teacher_answers(net, prompts, 10, seed=3)
    direct = LanguageModelAPI(net, "distribution", seed=3).query(prompts, 10)
    assert np.array_equal(first.tokens, direct.tokens) and np.array_equal(first.distributions, direct.distributions)
    assert experiments.teacher_answers(net, prompts.copy(), 10, seed=3) is first
    assert experiments.teacher_answers(net, prompts, 10, seed=4) is not first
    assert not first.distributions.flags.writeable and not first.tokens.flags.writeable
    changed = model.CharMLP(net.vocabulary, net.context, {k: v + 0.5 for k, v in net.parameters.items()})
    assert not np.array_equal(experiments.teacher_answers(changed, prompts, 10, seed=3).distributions,
                              first.distributions)  # fmt: skip


def test_remembered_logits_follow_the_weights_and_the_contexts(tiny):
    _, net = tiny
    contexts = np.random.default_rng(0).integers(0, net.vocabulary.size, (30, net.context))
    first = model.remembered_logits(net, contexts)
    assert np.array_equal(first, net.logits(contexts)) and not first.flags.writeable
    assert model.remembered_logits(net, contexts.copy()) is first
    assert model.remembered_logits(net, contexts[:10]).shape == (10, net.vocabulary.size)
    saved = net.parameters["b2"].copy()
    net.parameters["b2"] += 1.0
    try:
        assert np.allclose(model.remembered_logits(net, contexts), first + 1.0)
    finally:
        net.parameters["b2"][...] = saved


def test_each_budget_trains_on_the_first_rows_of_the_largest_budgets_set(tiny):
    _, net = tiny
    prompts = LanguageModelAPI(net, "text").encode_prompts(["to b", "ques", "that", "not "])
    full = LanguageModelAPI(net, "distribution", seed=1).query(prompts, 6)
    for options in [{"mode": "distribution"}, {"mode": "top_k", "k": 3}, {"mode": "text"}]:
        whole = copier.training_set(restrict(full, **options), 3, net.vocabulary.size)
        part = LMResponse("distribution", full.prompts[:2], full.tokens[:2], distributions=full.distributions[:2])
        cut = copier.training_set(restrict(part, **options), 3, net.vocabulary.size)  # the first two exchanges
        assert all(np.array_equal(a[: 2 * 6], b) for a, b in zip(whole, cut, strict=True))


def test_sampling_follows_the_distribution(tiny):
    vocabulary, net = tiny
    api = LanguageModelAPI(net, "text", seed=0)
    logits = np.log(np.array([[0.7, 0.2, 0.1] + [1e-12] * (vocabulary.size - 3)] * 20_000))
    counts = np.bincount(api.sample_token(logits, np.zeros((20_000, 4), dtype=int)), minlength=3)[:3] / 20_000
    assert np.allclose(counts, [0.7, 0.2, 0.1], atol=0.015)


def test_unknown_characters_and_long_prompts_give_clear_errors(tiny):
    vocabulary, net = tiny
    with pytest.raises(LanguageModelError, match=r"corpus.txt: character 'Z' at position 3 is not in"):
        vocabulary.encode("to Zbe", label="corpus.txt")
    api = LanguageModelAPI(net, "text")
    with pytest.raises(LanguageModelError, match="prompt 1 is 6 characters long, longer than the model's context of 4"):
        api.query(["to b", "to be "], 3)
    with pytest.raises(LanguageModelError, match="prompt 0: character 'Q'"):
        api.query(["Q be"], 3)
    with pytest.raises(LanguageModelError, match="needs an integer k"):
        LanguageModelAPI(net, "top_k", k=0)


def test_save_is_byte_reproducible_and_loads_back(tiny, tmp_path):
    _, net = tiny
    model.save(net, tmp_path / "a.npz")
    model.save(net, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    loaded = model.read(tmp_path / "a.npz")
    assert loaded.vocabulary == net.vocabulary and loaded.context == net.context
    contexts = np.zeros((2, net.context), dtype=int)
    assert np.allclose(loaded.logits(contexts), net.logits(contexts), atol=1e-5)


def test_end_to_end_on_a_tiny_corpus(tiny):
    """A teacher learns the tiny corpus; students copied through the API get closer to it than an untrained one."""
    vocabulary, teacher = tiny
    indices = vocabulary.encode(TINY_TEXT)
    contexts, targets = model.windows(indices, teacher.context)
    model.train(teacher, contexts, targets, steps=150, batch_size=64, learning_rate=0.03, seed=0)
    assert model.bits_per_character(teacher, contexts, targets) < 1.5
    evaluation = experiments.evaluation_set(teacher, indices, 200, seed=0)
    settings = copier.StudentSettings(context=3, embed=3, hidden=8, steps=150, batch_size=64, learning_rate=0.03)
    apis = {"soft targets": {"mode": "distribution"}, "hard labels": {"mode": "text"}}
    results, students = experiments.copy_experiment(teacher, indices, evaluation, [40, 400], [0], apis, settings, 20)
    assert set(results["condition"]) == set(students) == {"soft targets", "hard labels", "real data"}
    untrained = model.CharMLP.create(vocabulary, 3, 3, 8, seed=0)
    baseline = experiments.measure(untrained, evaluation)["kl_bits"]
    assert (results["kl_bits"] < baseline).all()
    reached = experiments.tokens_to_reach(results, "soft targets", "kl_bits", baseline)
    assert reached.iloc[0] == 40


def test_tokens_to_reach_interpolates_in_log_tokens():
    import pandas as pd

    results = pd.DataFrame(
        {"condition": "x", "seed": 0, "tokens": [100, 10_000], "kl_bits": [1.0, 0.0]},
    )
    assert experiments.tokens_to_reach(results, "x", "kl_bits", 0.5).iloc[0] == pytest.approx(1_000)
    assert np.isnan(experiments.tokens_to_reach(results, "x", "kl_bits", -1).iloc[0])


def test_file_resources_are_checked_by_size_and_hash(tmp_path):
    shutil.copytree(paths.data_dir(), tmp_path / "data", ignore=shutil.ignore_patterns("*.txt", "models"))
    (tmp_path / "data" / "tinyshakespeare.txt").write_text("First Citizen:\n", encoding="utf-8")
    with pytest.raises(
        data.DataError, match=r"tinyshakespeare.txt: size is 15 bytes, datapackage.json expects 1115394"
    ):
        data.verified_path("tinyshakespeare", root=tmp_path)
    package = json.loads((tmp_path / "data" / "datapackage.json").read_text())
    descriptor = next(r for r in package["resources"] if r["name"] == "tinyshakespeare")
    descriptor["bytes"] = 15
    (tmp_path / "data" / "datapackage.json").write_text(json.dumps(package))
    with pytest.raises(
        data.DataError, match=r"sha256 hash is sha256:[0-9a-f]+, datapackage.json expects sha256:86c4e6aa"
    ):
        data.verified_path("tinyshakespeare", root=tmp_path)
    assert "tinyshakespeare" in data.resource_names() and "tinyshakespeare" not in data.table_names()


def test_validation_measures_choose_the_target_and_the_factor_table():
    import pandas as pd

    from distillbook.language_model import tables

    rows = []
    for seed, offset in [(0, 0.0), (1, 0.1)]:
        for tokens, text_kl, top_kl in [(100, 3.0, 1.0), (10_000, 0.9 + offset, 0.2)]:
            for condition, kl in [("text", text_kl), ("top", top_kl)]:
                rows.append(
                    {"condition": condition, "seed": seed, "tokens": tokens, "kl_bits": 9.0, "validation_kl_bits": kl}
                )
    results = experiments.on_validation(pd.DataFrame(rows))
    assert list(results.columns) == ["condition", "seed", "tokens", "kl_bits"]
    assert results["kl_bits"].max() == 3.0
    assert experiments.choose_target(results, "text", "kl_bits", 0.25) == 1.0  # worst seed 1.0: on the grid
    assert experiments.choose_target(results, "top", "kl_bits", 0.25) == 0.25
    with pytest.raises(LanguageModelError, match="no validation measures"):
        experiments.on_validation(results)
    table = tables.factor_table(results, [0.5, 2.0], slow="text", fast="top")
    assert table.iloc[0, 1:].tolist()[1:] == ["not reached", "—"]
    # top is at 2.0 from the first budget (100); text crosses it at 100 * 100 ** (1 / 2.1) and at 1,000
    assert table.iloc[1]["Factor (range over seeds)"] == "9.5× (9.0–10.0×)"
    assert tables.characters(3_149.0) == "3,100" and tables.characters(float("nan")) == "not reached"
