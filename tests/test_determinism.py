"""tools/determinism.py compares two executions output by output: it sees a changed figure byte or number, and
forgives only what nbval forgives (memory addresses)."""

from __future__ import annotations

import base64
import importlib.util
import sys

import nbformat

from distillbook.paths import repository_root

ROOT = repository_root()
spec = importlib.util.spec_from_file_location("determinism", ROOT / "tools" / "determinism.py")
determinism = importlib.util.module_from_spec(spec)
sys.modules["determinism"] = determinism
spec.loader.exec_module(determinism)


def _run(tmp_path, run: int, png: bytes, text: str):
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("glue the figure")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=text),
        nbformat.v4.new_output(
            "display_data",
            data={"application/papermill.record/image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"},
            metadata={"scrapbook": {"name": "fig"}},
        ),
    ]
    notebook.cells = [nbformat.v4.new_markdown_cell("# A"), cell]
    path = tmp_path / f"chapter.run{run}.ipynb"
    nbformat.write(notebook, path)
    return path


def test_identical_runs_pass_and_addresses_are_forgiven(tmp_path):
    first = _run(tmp_path, 1, b"\x89PNG same bytes", "<object at 0x7f3a2b1c9d80>\n")
    second = _run(tmp_path, 2, b"\x89PNG same bytes", "<object at 0x7f00deadbeef>\n")
    counts, differences = determinism.compare(first, second)
    assert differences == []
    assert counts == {"cells": 1, "outputs": 2, "images": 1, "errors": 0}


def test_a_changed_figure_byte_or_number_is_reported(tmp_path):
    first = _run(tmp_path, 1, b"\x89PNG same bytes", "accuracy 97.1%\n")
    second = _run(tmp_path, 2, b"\x89PNG same bytez", "accuracy 97.2%\n")
    _, differences = determinism.compare(first, second)
    assert differences == [
        "chapter cell 1: stream stdout differs between the two runs",
        "chapter cell 1: application/papermill.record/image/png differs between the two runs",
    ]
