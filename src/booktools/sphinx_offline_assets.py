"""Sphinx extension: the built book's pages need no network and load without console errors.

1. MathJax is served from the book itself.

Sphinx loads MathJax 3 from a CDN by default; read from the file system without a network, every formula would
show as raw TeX. The pinned PyPI package ``django-static-mathjax`` ships MathJax 3's ``es5`` build (Apache-2.0);
this extension points ``mathjax_path`` at ``_static/mathjax/tex-mml-chtml.js`` and copies that ``es5`` folder
into the output after each HTML build. If the package is missing the build warns, which ``make book`` (Sphinx
``-W``) turns into a failure rather than silently shipping a book that needs the CDN.

2. Each page lists a script once. sphinx-thebe 0.3.1 adds its inline configuration (``const THEBE_JS_URL = ...``)
every time Sphinx reads sources, and jupyter-book reads twice, so every page declared the constant twice and the
browser reported a SyntaxError on every page. Duplicates are dropped when a page is written.

3. The theme's colour mode has a default. pydata-sphinx-theme reads ``default_mode`` from the page context; left
empty, its script logs "Got invalid theme mode" as a console error on a reader's first visit. It is set to
``auto`` (follow the reader's system), which is what the theme falls back to anyway.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)
PACKAGE = "mathjax"  # the import name of django-static-mathjax
TARGET = "mathjax"  # folder inside _static
ENTRY = "tex-mml-chtml.js"


def es5_folder() -> Path | None:
    """Return the installed MathJax ``es5`` folder, or None when django-static-mathjax is not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "static" / "mathjax" / "es5"
        if (folder / ENTRY).is_file():
            return folder
    return None


def _configure(app: Sphinx, config: Config) -> None:
    if es5_folder() is None:
        logger.warning("offline_assets: django-static-mathjax is not installed; formulas would need the MathJax CDN")
        return
    config.mathjax_path = f"{TARGET}/{ENTRY}"


def _copy(app: Sphinx, exception: Exception | None) -> None:
    folder = es5_folder()
    if exception is not None or folder is None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / TARGET
    shutil.copytree(folder, target, dirs_exist_ok=True)


def _script_key(script: object) -> object:
    attributes = getattr(script, "attributes", None)
    if isinstance(attributes, dict):
        # None and "" both mean an inline script; priority is left out: the same script twice is one too many
        return (script.filename or "", tuple(sorted(attributes.items())))
    return ("str", str(script))


def _fix_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    seen: set = set()
    unique = []
    for script in context.get("script_files", []):
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure)
    app.connect("html-page-context", _fix_page_context, priority=900)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
