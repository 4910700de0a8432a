"""Headline numbers for the front page, read from the chapters' committed, executed notebooks.

MyST-NB's glue works within one page only. The front page therefore reads the values each chapter glued from
that chapter's stored outputs, which ``pytest --nbval`` checks against a fresh run: the front page repeats a
chapter's number, it never recomputes or retypes it. A notebook that calls :func:`glued_values` depends on the
other notebooks' outputs, and the build cache (``distillbook.buildcache``) re-runs it when they change.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import nbformat

GLUE_MIME = "application/papermill.record/text/plain"


def glued_values(notebook_path: Path) -> dict[str, Any]:
    """Return {glue name: value} for every number or string glued in an executed notebook (figures excluded)."""
    values: dict[str, Any] = {}
    for cell in nbformat.read(notebook_path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data, name = output.get("data", {}), output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and GLUE_MIME in data and "image/png" not in data:
                try:
                    values[name] = ast.literal_eval(data[GLUE_MIME])
                except (ValueError, SyntaxError):
                    continue  # not a plain literal (a table or an object): not a headline number
    return values


def headline(notebook_path: Path, name: str) -> Any:
    """Return one glued value of a chapter; raise KeyError naming the notebook if it was not glued there."""
    values = glued_values(notebook_path)
    if name not in values:
        raise KeyError(f"{notebook_path.name} glues no value named '{name}' (has {len(values)} others)")
    return values[name]
