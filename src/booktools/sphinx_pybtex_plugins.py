"""Sphinx extension: look up pybtex's plain-text backend once per build, not once per citation.

sphinxcontrib-bibtex 2.7 asks pybtex for its ``plaintext`` backend every time it resolves a citation (for the
tooltip), and pybtex 0.26 answers each request by scanning the entry points of every installed distribution:
226 lookups of about 20 ms each, 2.5 s of every HTML build of this book (cProfile of ``jupyter-book build``).
pybtex checks plugins registered at run time before it scans, so this extension registers the very class the
entry point names (``pybtex.backends.plaintext:Backend``); what is rendered does not change.
"""

from __future__ import annotations

import pybtex.plugin
from pybtex.backends.plaintext import Backend
from sphinx.application import Sphinx

GROUP, NAME = "pybtex.backends", "plaintext"


def setup(app: Sphinx) -> dict:
    # force: without it pybtex declines to register a name an installed entry point already has (the same class).
    pybtex.plugin.register_plugin(GROUP, NAME, Backend, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
