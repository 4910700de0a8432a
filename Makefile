# The two commands: `make book` builds the HTML book, `make test` runs every test and notebook.
# Both create the pinned environment in .venv first (again whenever requirements.txt or pyproject.toml change),
# with uv (tools/environment.py), from requirements.txt: one lock for Python 3.11, 3.12 and 3.13.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# The first of python3, python3.13, python3.12, python3.11 that the lock supports; or `make PYTHON=/path/to/python`.
SUPPORTED = import sys; sys.exit(not (3, 11, 5) <= sys.version_info[:3] < (3, 14))
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	command -v $$p >/dev/null && $$p -c '$(SUPPORTED)' 2>/dev/null && command -v $$p && break; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# One BLAS thread: results are bit-for-bit repeatable and two notebooks can share the two cores.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# Python may cache compiled modules (src/ and tests/ __pycache__, ignored by git and by uptodate): where the machine
# sets PYTHONDONTWRITEBYTECODE, every pytest worker re-rewrote the test modules' assertions and every kernel
# recompiled distillbook from source (about 2 s per pytest process and 0.3 s per kernel, measured).
unexport PYTHONDONTWRITEBYTECODE
# Notebooks are independent: the build pre-executes them and pytest runs them this many at a time (bench/).
WORKERS ?= 2

# Offline: in `make test`, `make book`, `make pdf` and `make browser-test` every Python process (pytest, Sphinx,
# each notebook kernel, Selenium) refuses network connections other than loopback (src/booktools/offline.py, loaded
# at start-up by src/booktools/site/sitecustomize.py). A refused attempt is logged, and the target fails afterwards
# even if some
# library caught the error.
OFFLINE = DISTILLBOOK_OFFLINE=1 DISTILLBOOK_NETLOG=$(CURDIR)/_build/network-attempts-$@.log \
	PYTHONPATH=$(CURDIR)/src/booktools/site:$(CURDIR)/src$(if $(PYTHONPATH),:$(PYTHONPATH))
OFFLINE_START = mkdir -p _build && rm -f _build/network-attempts-$@.log
OFFLINE_CHECK = if [ -s _build/network-attempts-$@.log ]; then \
	echo "make $@ tried to use the network (blocked):"; cat _build/network-attempts-$@.log; exit 1; fi

.PHONY: book build-book test lab lint clean distclean lock env bib data-hash browser-test bench pdf chromium models

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml tools/environment.py
	@if [ -z "$(PYTHON)" ]; then echo "make: no Python 3.11.5 to 3.13 found; run make PYTHON=/path/to/python3.13"; exit 1; fi
	$(PYTHON) tools/environment.py --venv $(VENV)

# Recompile the universal lock from requirements.in (pins already in requirements.txt are kept where possible).
lock:
	$(PYTHON) tools/environment.py --lock

# When no file in the folder changed since the last build that passed every check, there is nothing to do
# (booktools/uptodate.py compares contents, not modification times).
book: $(STAMP)
	@if $(BIN)/python -m booktools.uptodate --check $(STAMP); then \
		echo "book: no file changed since the last build; _build/html is current"; \
	else $(MAKE) --no-print-directory build-book; fi

# Both empty the store of results chapters share (distillbook.memo): a run shares them between its notebooks only.
build-book: $(STAMP)
	@$(OFFLINE_START)
	rm -rf _build/.memo
	$(BIN)/python -m booktools.uptodate --begin $(STAMP)
	$(OFFLINE) $(BIN)/python -m booktools.buildcache --execute $(WORKERS)
	$(BIN)/python -m distillbook.appendix  # the data-package zip the appendix links to, in _build/
	$(OFFLINE) $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going --quiet
	@$(OFFLINE_CHECK)
	@if [ -f _build/pdf/book.pdf ]; then cp _build/pdf/book.pdf _build/html/book.pdf; fi  # the PDF edition (make pdf)
	$(BIN)/python -m booktools.check_html _build/html
	$(BIN)/python -m booktools.uptodate --record
	@echo "Book built: open _build/html/index.html"

# --no-loadscope-reorder: xdist would start the files with the most tests first; booktools.testrun's order (heaviest
# notebooks, then the integration tests, then the unit tests) is what keeps both workers busy to the end.
test: $(STAMP)
	@$(OFFLINE_START)
	rm -rf _build/.memo
	$(OFFLINE) $(BIN)/python -m pytest --nbval -n $(WORKERS) --dist loadfile --no-loadscope-reorder
	@$(OFFLINE_CHECK)

# Every page of an already-built _build/html (run `make book` first) in headless Chromium driven by Selenium,
# with an axe-core audit of each; Debian's chromium and chromium-driver are installed when missing (needs root).
# Screenshots go to _build/screenshots/, the report to _build/browser-report.json.
browser-test: $(STAMP)
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "browser-test: install chromium and chromium-driver (as root)"; exit 1; fi; \
		echo "browser-test: installing Debian's chromium and chromium-driver"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi
	@$(OFFLINE_START)
	SE_OFFLINE=true $(OFFLINE) $(BIN)/python -m booktools.browser _build/html
	@$(OFFLINE_CHECK)

# Debian's chromium and chromium-driver, installed when missing (needs root): the PDF edition prints with them.
chromium:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" != 0 ]; then echo "$@: install chromium and chromium-driver (as root)"; exit 1; fi; \
		echo "$@: installing Debian's chromium and chromium-driver"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# The PDF edition: the single-page HTML build (notebooks from the same execution cache as `make book`) printed by
# headless Chromium once MathJax has typeset every formula; _build/pdf/book.pdf, also copied into _build/html
# when the HTML book exists. Then tests/test_pdf.py checks it (chapter titles, every figure, no blank page).
pdf: $(STAMP) chromium
	@$(OFFLINE_START)
	$(OFFLINE) $(BIN)/python -m booktools.buildcache --execute $(WORKERS)
	@echo "pdf: building the single-page HTML edition (_build/singlehtml)"
	$(OFFLINE) $(BIN)/jupyter-book build . --builder singlehtml --warningiserror --nitpick --keep-going --quiet
	@$(OFFLINE_CHECK)
	$(BIN)/python -m booktools.pdf _build/singlehtml/index.html _build/pdf/book.pdf --copy-to _build/html
	$(BIN)/python -m pytest -q -p no:randomly tests/test_pdf.py

# Measures a fresh clone, notebooks, builds and tests in temporary clones of the committed tree and fails on any
# missed target (bench/results.md). BENCH_RUNS repeats each warm measurement.
BENCH_RUNS ?= 1
bench: $(STAMP)
	$(BIN)/python bench/run.py --runs $(BENCH_RUNS) --workers $(WORKERS) --python $(PYTHON)

# Retrains chapter 3's teacher (data/models/lm_teacher.npz, same bytes on this machine with one BLAS thread);
# then checks that its bytes and hash still match data/datapackage.json.
models: $(STAMP)
	$(BIN)/python -m distillbook.language_model.train
	$(BIN)/python -c "from distillbook import data; data.verified_path('lm_teacher'); print('lm_teacher matches datapackage.json')"

bib: $(STAMP)
	$(BIN)/python -m distillbook.sources

# After an intended edit of a data file: validate the whole data package, then record each file's size and sha256
# in data/datapackage.json (bytes, hash). Writes nothing if any table is invalid. data.load() checks them.
data-hash: $(STAMP)
	$(BIN)/python -m distillbook.data --refresh-hashes

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=chapters

lint: $(STAMP)
	$(BIN)/ruff check src tests tools bench
	$(BIN)/ruff format --check src tests tools bench
	$(BIN)/nbqa ruff chapters intro.ipynb

clean:
	rm -rf _build .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .venv-* src/*.egg-info
