"""Loaded by Python at start-up when this folder is on ``PYTHONPATH`` (``make test``, ``make book``): turns the
offline guard on in every process, notebook kernels included (they inherit the environment).

The guard itself is :mod:`booktools.offline`; the Makefile puts ``src`` on ``PYTHONPATH`` beside this folder, so
it imports in any Python, not only in the book's virtual environment.
"""

from booktools.offline import install_if_enabled

install_if_enabled()
