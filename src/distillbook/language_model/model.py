"""A character-level language model in numpy: an MLP over a fixed context (Bengio et al. 2003), trained with Adam.

Characters are mapped to integers by a :class:`Vocabulary`. :class:`CharMLP` embeds the last ``context`` characters,
concatenates the embeddings, passes them through one tanh hidden layer and returns one logit per character of the
vocabulary: ``logits(contexts)`` gives the next-character scores for an (n, context) array of character indices.
:func:`train` fits the model to probability targets (a full distribution, a renormalised top-k distribution or a
one-hot label per example) by minimising cross-entropy with Adam. :func:`save` and :func:`read` write and read the
weights as an ``.npz`` file whose bytes depend only on the weights (no timestamps), so retraining reproduces the
file exactly.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from distillbook import memo
from distillbook.errors import BookError

LOG2 = np.log(2.0)
#: Fixed date stamped on every member of a saved .npz (the zip format needs one); keeps the bytes reproducible.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class LanguageModelError(BookError):
    """Bad input to the language-model code: unknown characters, a prompt too long, mismatched shapes."""


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Natural-log probabilities along the last axis, computed stably."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities along the last axis (rows sum to 1)."""
    return np.exp(log_softmax(logits))


@dataclass(frozen=True)
class Vocabulary:
    """The characters a model knows, in a fixed order; ``encode`` and ``decode`` map text to indices and back."""

    characters: str

    @classmethod
    def from_text(cls, text: str) -> Vocabulary:
        """The sorted set of characters in ``text``."""
        return cls("".join(sorted(set(text))))

    @property
    def size(self) -> int:
        return len(self.characters)

    def encode(self, text: str, label: str = "text") -> np.ndarray:
        """Return the indices of ``text``; raise :class:`LanguageModelError` naming the first unknown character.

        ``label`` names the input in the message (a file name, "prompt 3", ...).
        """
        index = {c: i for i, c in enumerate(self.characters)}
        unknown = sorted(set(text) - set(index))
        if unknown:
            position = min(text.index(c) for c in unknown)
            shown = ", ".join(repr(c) for c in unknown[:10])
            raise LanguageModelError(
                f"{label}: character {text[position]!r} at position {position} is not in the model's vocabulary of "
                f"{self.size} characters (unknown characters: {shown})"
            )
        return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, indices: np.ndarray) -> str:
        """Return the text of an array of indices."""
        return "".join(self.characters[i] for i in np.asarray(indices).ravel())


def windows(indices: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """All (context window, next index) pairs of a 1-d index array: ``(n, context)`` inputs and ``(n,)`` targets."""
    indices = np.asarray(indices)
    if indices.ndim != 1 or len(indices) <= context:
        raise LanguageModelError(f"need a 1-d sequence longer than the context ({context}), got shape {indices.shape}")
    inputs = np.lib.stride_tricks.sliding_window_view(indices[:-1], context)
    return np.ascontiguousarray(inputs), indices[context:].copy()


@dataclass
class CharMLP:
    """Next-character model: embedding (vocabulary x embed), tanh hidden layer, softmax output.

    ``parameters`` holds float64 arrays ``embedding`` (V, E), ``w1`` (context * E, H), ``b1`` (H,), ``w2`` (H, V)
    and ``b2`` (V,). Build one with :meth:`create`.
    """

    vocabulary: Vocabulary
    context: int
    parameters: dict[str, np.ndarray] = field(repr=False)

    @classmethod
    def create(cls, vocabulary: Vocabulary, context: int, embed: int, hidden: int, seed: int) -> CharMLP:
        """A model with small random weights (seeded): scaled Gaussian matrices, zero biases."""
        if min(context, embed, hidden) < 1:
            raise LanguageModelError("context, embed and hidden must all be at least 1")
        rng = np.random.default_rng(seed)
        size = vocabulary.size
        parameters = {
            "embedding": rng.normal(0.0, 1.0, (size, embed)),
            "w1": rng.normal(0.0, 1.0 / np.sqrt(context * embed), (context * embed, hidden)),
            "b1": np.zeros(hidden),
            "w2": rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, size)),
            "b2": np.zeros(size),
        }
        return cls(vocabulary, context, parameters)

    @property
    def parameter_count(self) -> int:
        return int(sum(p.size for p in self.parameters.values()))

    def _check(self, contexts: np.ndarray) -> np.ndarray:
        contexts = np.asarray(contexts)
        if contexts.ndim != 2 or contexts.shape[1] != self.context:
            raise LanguageModelError(
                f"contexts must have shape (n, {self.context}) for this model, got {contexts.shape}"
            )
        return contexts

    def forward(self, contexts: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return the logits (n, V) and the intermediate values :meth:`backward` needs."""
        contexts = self._check(contexts)
        p = self.parameters
        embedded = p["embedding"].take(contexts.ravel(), axis=0).reshape(len(contexts), -1)  # = embedding[contexts]
        hidden = np.tanh(embedded @ p["w1"] + p["b1"])
        return hidden @ p["w2"] + p["b2"], {"contexts": contexts, "embedded": embedded, "hidden": hidden}

    def logits(self, contexts: np.ndarray) -> np.ndarray:
        """Next-character logits (n, V) for an (n, context) array of character indices."""
        return self.forward(contexts)[0]

    def backward(self, grad_logits: np.ndarray, cache: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Gradients of a loss with respect to every parameter, given its gradient with respect to the logits."""
        p = self.parameters
        hidden, embedded, contexts = cache["hidden"], cache["embedded"], cache["contexts"]
        grads = {"w2": hidden.T @ grad_logits, "b2": grad_logits.sum(axis=0)}
        grad_pre = (grad_logits @ p["w2"].T) * (1.0 - hidden**2)
        grads["w1"] = embedded.T @ grad_pre
        grads["b1"] = grad_pre.sum(axis=0)
        grad_embedded = (grad_pre @ p["w1"].T).reshape(len(contexts), self.context, -1)
        # One bincount over (character, embedding column) cells: each cell adds its rows in the same order as a
        # bincount per column would, so the sums are the same bits, in one call instead of one per column.
        size, width = p["embedding"].shape
        cells = (contexts.reshape(-1, 1) * width + np.arange(width)).ravel()
        grads["embedding"] = np.bincount(cells, weights=grad_embedded.ravel(), minlength=size * width).reshape(
            size, width
        )
        return grads

    def loss_and_gradients(self, contexts: np.ndarray, targets: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """Mean cross-entropy (nats) of probability ``targets`` (n, V) under the model, and its gradients."""
        logits, cache = self.forward(contexts)
        if targets.shape != logits.shape:
            raise LanguageModelError(f"targets must have shape {logits.shape}, got {targets.shape}")
        logp = log_softmax(logits)
        count = len(contexts)
        loss = float(-(targets * logp).sum() / count)
        return loss, self.backward((np.exp(logp) - targets) / count, cache)


def one_hot(indices: np.ndarray, size: int) -> np.ndarray:
    """(n, size) rows with a single 1 at each index."""
    out = np.zeros((len(indices), size))
    out[np.arange(len(indices)), indices] = 1.0
    return out


def train(
    model: CharMLP,
    contexts: np.ndarray,
    targets: np.ndarray,
    steps: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
) -> list[float]:
    """Fit ``model`` in place with Adam on minibatches of (contexts, targets); return the loss (nats) per step.

    ``targets`` is either (n, V) probabilities or (n,) character indices (hard labels). Minibatches are drawn
    uniformly with replacement from a seeded generator, so the same seed gives the same model.
    """
    contexts = model._check(contexts)
    if len(targets) != len(contexts) or len(contexts) == 0:
        raise LanguageModelError(f"need as many targets as contexts (got {len(targets)} and {len(contexts)})")
    hard = np.asarray(targets).ndim == 1
    rng = np.random.default_rng(seed)
    # Adam works element by element, so it runs on all parameters at once: one flat copy of the weights (the model's
    # parameters become views into it while training, then are copied back), one flat gradient and flat moments.
    # The arithmetic per element is unchanged, so the weights are the same bits as updating array by array.
    originals = model.parameters
    layout, start = {}, 0
    for name, value in originals.items():
        layout[name] = (start, start + value.size, value.shape)
        start += value.size
    weights = np.concatenate([value.ravel() for value in originals.values()])
    model.parameters = {name: weights[a:b].reshape(shape) for name, (a, b, shape) in layout.items()}
    grad, first, second = np.empty_like(weights), np.zeros_like(weights), np.zeros_like(weights)
    update, scratch = np.empty_like(weights), np.empty_like(weights)
    beta1, beta2, epsilon = 0.9, 0.999, 1e-8
    losses = []
    try:
        for step in range(1, steps + 1):
            chosen = rng.integers(0, len(contexts), batch_size)
            batch_targets = one_hot(targets[chosen], model.vocabulary.size) if hard else targets[chosen]
            loss, grads = model.loss_and_gradients(contexts[chosen], batch_targets)
            losses.append(loss)
            for name, (a, b, _) in layout.items():
                grad[a:b] = grads[name].ravel()
            # first = beta1 * first + (1 - beta1) * grad; second likewise with grad**2; then the bias-corrected step
            first *= beta1
            np.multiply(1 - beta1, grad, out=scratch)
            first += scratch
            second *= beta2
            np.square(grad, out=scratch)
            scratch *= 1 - beta2
            second += scratch
            np.divide(first, 1 - beta1**step, out=update)
            update *= learning_rate
            np.divide(second, 1 - beta2**step, out=scratch)
            np.sqrt(scratch, out=scratch)
            scratch += epsilon
            update /= scratch
            weights -= update
    finally:
        for name, value in originals.items():
            value[...] = model.parameters[name]
        model.parameters = originals
    return losses


def bits_per_character(model: CharMLP, contexts: np.ndarray, next_indices: np.ndarray) -> float:
    """Mean negative log2-probability the model gives the actual next characters (bits per character)."""
    logp = log_softmax(model.logits(contexts))
    return float(-logp[np.arange(len(next_indices)), next_indices].mean() / LOG2)


def weights_digest(model: CharMLP) -> str:
    """SHA-256 of a model's vocabulary, context and weights: equal digests, equal predictions (a key for caches)."""
    digest = hashlib.sha256(f"{model.vocabulary.characters}\0{model.context}".encode())
    for name, value in sorted(model.parameters.items()):
        digest.update(f"\0{name}{value.dtype.str}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()


#: How many recent (model, contexts) logits :func:`remembered_logits` keeps.
LOGITS_KEPT = 2
_logits = memo.Recent(LOGITS_KEPT)


def remembered_logits(model: CharMLP, contexts: np.ndarray) -> np.ndarray:
    """``model.logits(contexts)``, kept for the last :data:`LOGITS_KEPT` (weights, contexts) pairs; read-only.

    For callers that ask the same model about the same contexts repeatedly (one call per setting compared).
    """

    def compute() -> np.ndarray:
        logits = model.logits(contexts)
        logits.flags.writeable = False
        return logits

    return _logits.get((weights_digest(model), memo.array_key(contexts)), compute)


def save(model: CharMLP, path: Path) -> None:
    """Write the weights (float32), vocabulary and context to ``path`` as a reproducible ``.npz`` (no timestamps)."""
    arrays = {name: value.astype(np.float32) for name, value in sorted(model.parameters.items())}
    arrays["vocabulary"] = np.frombuffer(model.vocabulary.characters.encode("utf-32-le"), dtype=np.uint32)
    arrays["context"] = np.array([model.context], dtype=np.int64)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def read(path: Path) -> CharMLP:
    """Read a model written by :func:`save` (weights back to float64)."""
    with np.load(path, allow_pickle=False) as archive:
        characters = archive["vocabulary"].astype("<u4").tobytes().decode("utf-32-le")
        context = int(archive["context"][0])
        parameters = {k: archive[k].astype(np.float64) for k in ("embedding", "w1", "b1", "w2", "b2")}
    return CharMLP(Vocabulary(characters), context, parameters)
