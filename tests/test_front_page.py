"""The front page shows the chapters' own glued values through MyST-NB cross-page glue, never copies of them."""

from __future__ import annotations

import re

import nbformat
import pytest

from booktools import buildcache
from distillbook.paths import repository_root

ROOT = repository_root()
FRONT = ROOT / "intro.ipynb"
#: A cross-page glue role or directive: ``{glue:text}`path::key:format``` or ```{glue:figure} path::key``.
REFERENCE = re.compile(r"\{glue(?::(?P<role>[a-z]+))?\}(?:`(?P<inline>[^`]+)`| +(?P<block>\S+::\S+))")


def _references(markdown: str) -> list[tuple[str, str, str, str]]:
    """Return (role, path, key, format) for every cross-page glue reference in ``markdown``."""
    found = []
    for match in REFERENCE.finditer(markdown):
        body = match.group("inline") or match.group("block")
        if "::" not in body:
            continue
        path, rest = body.split("::", 1)
        key, _, fmt = rest.partition(":") if match.group("role") == "text" else (rest, "", "")
        found.append((match.group("role") or "any", path, key, fmt))
    return found


def _front_references() -> list[tuple[str, str, str, str]]:
    return _references(buildcache.markdown_of(FRONT))


def test_the_parser_reads_roles_directives_and_formats():
    text = "{glue:text}`chapters/a.ipynb::kd-x:.1f` and {glue}`b.ipynb::y`\n```{glue:figure} c.ipynb::fig\n```"
    assert _references(text) == [
        ("text", "chapters/a.ipynb", "kd-x", ".1f"),
        ("any", "b.ipynb", "y", ""),
        ("figure", "c.ipynb", "fig", ""),
    ]
    assert _references("{glue:text}`local-key:,.0f`") == []


def test_the_front_page_uses_cross_page_glue():
    assert len(_front_references()) >= 10, "the front page should show the chapters' headline numbers"


@pytest.mark.parametrize("role, path, key, fmt", _front_references())
def test_every_cross_page_key_exists_in_the_named_notebook(role, path, key, fmt):
    notebook = (FRONT.parent / path).resolve()
    assert notebook.suffix == ".ipynb" and notebook.is_file(), f"{path} is not a notebook of the book"
    values = buildcache.glued_values(notebook)
    if role == "figure":
        outputs = [o for c in nbformat.read(notebook, as_version=4).cells for o in c.get("outputs", [])]
        names = {o.get("metadata", {}).get("scrapbook", {}).get("name") for o in outputs}
        assert key in names, f"{path} glues no figure named '{key}'"
        return
    assert key in values, f"{path} glues no value named '{key}' (it glues {len(values)} others)"
    # MyST-NB splits the format off at the last colon, so a cross-page text role without one would lose its key.
    assert role != "text" or fmt, f"give {path}::{key} a format (':s' for text), or MyST-NB misreads the key"
    from myst_nb.core.variables import format_plain_text  # here: it imports MyST-NB's renderer (0.7 s)

    assert format_plain_text(values[key], fmt), f"{path}::{key} formats to nothing"  # exactly as MyST-NB will


LOCAL = re.compile(r"\{glue(?::[a-z]+)?\}`(?P<key>[a-z0-9-]+)(?::[^`]*)?`|\{glue:figure\} +(?P<figure>[a-z0-9-]+)\s")


@pytest.mark.parametrize("name", ["chapters/05_allegations.ipynb", "chapters/07_policy.ipynb", "intro.ipynb"])
def test_every_local_glue_key_is_glued_in_the_same_notebook(name):
    """A key the prose shows but no cell glues is only a Sphinx warning at build time; catch it here."""
    notebook = ROOT / name
    outputs = [o for c in nbformat.read(notebook, as_version=4).cells for o in c.get("outputs", [])]
    glued = {o.get("metadata", {}).get("scrapbook", {}).get("name") for o in outputs}
    shown = {m.group("key") or m.group("figure") for m in LOCAL.finditer(buildcache.markdown_of(notebook))}
    assert shown, f"{name} shows no glued value"
    assert not sorted(shown - glued), f"{name} shows keys that no cell glues: {sorted(shown - glued)}"
