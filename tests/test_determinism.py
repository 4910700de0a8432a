"""nbval is the determinism check: a glued figure whose bytes differ from the committed ones fails `make test`.

nbval skips plain ``image/png`` outputs, but the book's figures are glued (``glue.figure``), and a glued figure is
stored as ``application/papermill.record/image/png``, which nbval compares as text, byte for byte. The test runs
nbval the way ``make test`` does (the repository's pytest configuration, with ``tests/nbval_sanitize.cfg``) on a
notebook executed once, then on copies whose stored figure differs by one base64 character: one change anywhere,
one inside a run that looks like a memory address (``0x`` and hex digits), which the sanitizer must not touch.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from distillbook.paths import repository_root

ROOT = repository_root()
FIGURE_MIME = "application/papermill.record/image/png"
#: A figure's base64 text containing, as base64 can, a run the address pattern of an unanchored regex would match.
PAYLOAD = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(64))).decode() + "0xabcdef12" + "QUJD"


def _one_byte_changed(text: str, position: int) -> str:
    """Change one base64 character, to another lowercase hex digit where it is one (so an unanchored address
    pattern would still match the run, and hide the change)."""
    if text[position] in "0123456789abcdef":
        replacement = "0" if text[position] != "0" else "1"
    else:
        replacement = "A" if text[position] != "A" else "B"
    return text[:position] + replacement + text[position + 1 :]


@pytest.mark.integration
def test_a_changed_glued_figure_byte_fails_nbval(tmp_path):
    code = textwrap.dedent(
        f"""
        from IPython.display import display
        display({{"{FIGURE_MIME}": "{PAYLOAD}", "text/plain": "<Figure size 700x420 with 1 Axes>"}},
                raw=True, metadata={{"scrapbook": {{"name": "check-figure", "mime_prefix": "application/papermill.record/"}}}})
        """
    )
    # One notebook, one kernel: three cells show the same figure; two stored copies are then changed.
    names = {"same": None, "changed": 12, "changed_in_address_like_run": PAYLOAD.index("0xabcdef12") + 5}
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_markdown_cell("# A figure")]
    notebook.cells += [nbformat.v4.new_code_cell(code) for _ in names]
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    for cell, position in zip(notebook.cells[1:], names.values(), strict=True):
        assert cell.outputs[0]["data"][FIGURE_MIME] == PAYLOAD
        if position is not None:
            cell.outputs[0]["data"][FIGURE_MIME] = _one_byte_changed(PAYLOAD, position)
    nbformat.write(notebook, tmp_path / "figures.ipynb")
    configuration = ["-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *configuration, "--nbval", "-p", "no:randomly", "-q", "-rA", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,  # the configuration's --nbval-sanitize-with tests/nbval_sanitize.cfg is relative to it
        check=False,
    )
    output = result.stdout + result.stderr
    assert "--nbval-sanitize-with tests/nbval_sanitize.cfg" in (ROOT / "pyproject.toml").read_text()
    results = re.findall(r"^(PASSED|FAILED) (\S+::Cell \d+)", re.sub(r"\x1b\[[0-9;]*m", "", output), re.M)
    summary = {Path(cell).name: verdict for verdict, cell in results}  # node ids are relative to the config
    expected = {"same": "PASSED", "changed": "FAILED", "changed_in_address_like_run": "FAILED"}
    assert summary == {f"figures.ipynb::Cell {i}": v for i, v in enumerate(expected.values())}, output[-3000:]
    assert FIGURE_MIME in output, "nbval names the output that differs"


def test_the_sanitizer_still_replaces_memory_addresses_in_reprs():
    """The one pattern of nbval_sanitize.cfg does its job on a repr, and nothing inside base64 text."""
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "nbval_sanitize.cfg")
    patterns = [(re.compile(section["regex"]), section["replace"]) for section in config.values() if "regex" in section]
    assert patterns

    def sanitize(text):
        for pattern, replacement in patterns:
            text = pattern.sub(replacement, text)
        return text

    assert sanitize("<object at 0x7f3a2b1c9d80>") == sanitize("<object at 0x7f00deadbeef>")
    assert sanitize(PAYLOAD) == PAYLOAD
