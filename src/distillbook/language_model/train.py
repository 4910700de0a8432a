"""Train the chapter's teacher and write ``data/models/lm_teacher.npz``: ``python -m distillbook.language_model.train``.

The teacher is a :class:`~distillbook.language_model.model.CharMLP` fitted to the teacher's part of the corpus
(:func:`~distillbook.language_model.experiments.split_corpus`) with a fixed seed. Run with one BLAS thread
(``make models`` sets it) and the same numpy, the script rewrites the same bytes; it prints the file's size and
SHA-256 for ``datapackage.json`` and the teacher's bits per character on the validation text.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

from distillbook import data, paths
from distillbook.language_model import experiments, model

#: The teacher's architecture and training, chosen once (see the chapter); TEACHER_SEED fixes the weights.
TEACHER = {"context": 16, "embed": 16, "hidden": 384}
TRAINING = {"steps": 6_000, "batch_size": 256, "learning_rate": 2e-3}
TEACHER_SEED = 2003
OUTPUT = Path("models") / "lm_teacher.npz"


def train_teacher(text: str, steps: int = TRAINING["steps"]) -> model.CharMLP:
    """Fit the teacher to the teacher's part of ``text`` and return it."""
    vocabulary = model.Vocabulary.from_text(text)
    splits = experiments.split_corpus(vocabulary.encode(text, label="data/tinyshakespeare.txt"))
    contexts, targets = model.windows(splits["teacher"], TEACHER["context"])
    teacher = model.CharMLP.create(vocabulary, seed=TEACHER_SEED, **TEACHER)
    model.train(teacher, contexts, targets, steps, TRAINING["batch_size"], TRAINING["learning_rate"], TEACHER_SEED)
    return teacher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=paths.data_dir() / OUTPUT)
    parser.add_argument("--steps", type=int, default=TRAINING["steps"], help="only for quick trials")
    arguments = parser.parse_args()
    text = data.load_text("tinyshakespeare")
    start = time.perf_counter()
    teacher = train_teacher(text, arguments.steps)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    model.save(teacher, arguments.output)
    raw = arguments.output.read_bytes()
    splits = experiments.split_corpus(teacher.vocabulary.encode(text))
    contexts, targets = model.windows(splits["validation"], teacher.context)
    print(f"trained in {time.perf_counter() - start:.0f} s; {teacher.parameter_count} parameters")
    print(f"validation bits per character: {model.bits_per_character(teacher, contexts, targets):.3f}")
    print(f"{arguments.output}: bytes {len(raw)}, hash sha256:{hashlib.sha256(raw).hexdigest()}")


if __name__ == "__main__":
    main()
