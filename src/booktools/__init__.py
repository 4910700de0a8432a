"""Build and test tooling for the book *Copying the Teacher*, kept apart from the analysis package ``distillbook``.

- :mod:`booktools.buildcache`: which notebooks must run again (``python -m booktools.buildcache``);
- :mod:`booktools.check_html`: links, anchors, alt text and offline loading of the built HTML
  (``python -m booktools.check_html _build/html``);
- :mod:`booktools.offline`: the offline guard every Python process loads through ``booktools/site`` on
  ``PYTHONPATH`` (``sitecustomize``);
- :mod:`booktools.sphinx_offline_assets`: the Sphinx extension serving MathJax from the book itself;
- :mod:`booktools.testrun`: the pytest plugin that orders the run and hands ``make test``'s notebook executions to
  the next ``make book``;
- :mod:`booktools.uptodate`: whether anything changed since the last passing ``make book``.

Page code (the chapters and ``distillbook``) never needs this package, except the data appendix, which lists
which chapter reads which file through :func:`booktools.buildcache.data_dependencies`.
"""
