"""booktools.sphinx_pybtex_plugins: pybtex finds the same plain-text backend, without scanning entry points."""

from __future__ import annotations

from importlib.metadata import entry_points

import pybtex.plugin

from booktools import sphinx_pybtex_plugins


def test_the_registered_backend_is_the_entry_points_and_is_found_without_a_scan(monkeypatch):
    (entry_point,) = entry_points(group="pybtex.backends", name="plaintext")
    monkeypatch.setattr(pybtex.plugin, "_RUNTIME_PLUGINS", {})  # as in a new process: nothing registered yet
    sphinx_pybtex_plugins.setup(None)

    def no_scan(**_):
        raise AssertionError("pybtex scanned the entry points")

    monkeypatch.setattr(pybtex.plugin, "entry_points", no_scan)
    assert pybtex.plugin.find_plugin("pybtex.backends", "plaintext") is entry_point.load()
