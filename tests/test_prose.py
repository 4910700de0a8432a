"""No number is typed into the book's prose: every figure a reader sees in the text is glued from a computation.

A markdown cell may contain numbers only where this allow-list says so. Everything else must come through
``{glue:text}`` (or sit in math, code or a citation, which are stripped before checking).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from booktools.buildcache import notebooks
from distillbook.paths import repository_root

ROOT = repository_root()

STRIPPED = [
    re.compile(r"\$\$.*?\$\$", re.S),  # display maths: symbols and exponents, not data
    re.compile(r"\$[^$\n]+\$"),  # inline maths
    re.compile(r"```.*?```", re.S),  # fenced blocks: the figure directives' options are checked separately
    re.compile(r"\{[a-z:]+\}`[^`]*`"),  # roles: glue, cite, numref, ref, doc
    re.compile(r"`[^`]*`"),  # inline code: names of files, functions and columns
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"^\s*\d+\.\s", re.M),  # numbered-list markers
    re.compile(r'"[^"]{0,160}"|“[^”]{0,160}”'),  # verbatim quotations: a source's own words, its values are in the data
]
ALLOWED = [
    re.compile(r"\b(19|20)\d\d\b"),  # years
    re.compile(r"\b(H\.\s?R\.|S\.)\s?\d+\b"),  # bill numbers: S. 321, H.R. 5022
    re.compile(r"\b([Cc]hapters?|Table|Figure|Section|[Ss]upplementary [A-Z])\s\d+(\.\d+)*\b"),  # places in a text
    re.compile(r"\b(Python|Opus|Sonnet|Haiku|Fable|Claude|GPT|Gemini|Llama|Qwen)[- ]\d+(\.\d+)*"),  # product versions
    re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December)\b"),
    # Measured run times (a kernel's wall-clock seconds): outputs must be deterministic, so these cannot be glued.
    re.compile(r"\b(kernel|CPU) time: \d+ (to \d+ )?s\b"),
]
# A number is a run of digits (with , or . inside) that is not part of a name such as GPT-4, o1, H800 or MATH-500.
NUMBER = re.compile(r"(?<![\w.\-/])\d[\d,.]*(?![\w\-])")


def typed_numbers(markdown: str) -> list[str]:
    """Return the numbers typed into ``markdown`` that the allow-list does not excuse."""
    text = markdown
    for pattern in STRIPPED + ALLOWED:
        text = pattern.sub(" ", text)
    return [match.group().rstrip(".,") for match in NUMBER.finditer(text)]


def figure_options(markdown: str) -> list[str]:
    """Return the alt text and caption lines of every glued figure, which readers see as prose too."""
    blocks = re.findall(r"```\{glue:figure\}.*?```", markdown, re.S)
    return [line for block in blocks for line in block.splitlines()[1:-1] if not line.startswith(":name:")]


def test_the_checker_catches_and_excuses_what_it_should():
    assert typed_numbers("costs 95% less, about $5.3M, 2,029 Elo") != []
    assert typed_numbers("In 2026 H.R. 5022 and S. 321 (chapter 3, Table 4) on 12 February; GPT-4, o1, H800") == []
    assert typed_numbers("{glue:text}`x:.1f`% and $T = 20$ and `top_k=5`, Opus 4.6 and Python 3.11") == []
    assert typed_numbers('the article says "20 to 50 times" and “95%”') == []


@pytest.mark.parametrize(
    "path", [*notebooks(ROOT), *(p for p in ROOT.glob("*.md") if p.name != "README.md")], ids=lambda p: p.name
)
def test_no_typed_numbers_in_prose(path: Path):
    if path.suffix == ".md":
        cells = [path.read_text(encoding="utf-8")]
    else:
        cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
    found = []
    for source in cells:
        found += typed_numbers(source)
        found += [n for line in figure_options(source) for n in typed_numbers(line)]
    assert not found, f"{path.name}: numbers typed into prose (glue them): {found}"
