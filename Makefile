# The two commands: `make book` builds the HTML book, `make test` runs every test and notebook.
# Both create the pinned environment in .venv first (again whenever requirements.txt or pyproject.toml change).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# One BLAS thread: results are bit-for-bit repeatable and two notebooks can share the two cores.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# Notebooks are independent: the build pre-executes them and pytest runs them this many at a time (bench/).
WORKERS ?= 2

# Offline: in `make test` and `make book` every Python process (pytest, Sphinx, each notebook
# kernel) refuses network connections other than loopback (src/booktools/offline.py, loaded at start-up by
# src/booktools/site/sitecustomize.py). A refused attempt is logged, and the target fails afterwards even if some
# library caught the error.
OFFLINE = DISTILLBOOK_OFFLINE=1 DISTILLBOOK_NETLOG=$(CURDIR)/_build/network-attempts-$@.log \
	PYTHONPATH=$(CURDIR)/src/booktools/site:$(CURDIR)/src$(if $(PYTHONPATH),:$(PYTHONPATH))
OFFLINE_START = mkdir -p _build && rm -f _build/network-attempts-$@.log
OFFLINE_CHECK = if [ -s _build/network-attempts-$@.log ]; then \
	echo "make $@ tried to use the network (blocked):"; cat _build/network-attempts-$@.log; exit 1; fi

.PHONY: book test lab lint clean distclean freeze env bib data-hash browser-test bench

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml tools/environment.py
	$(PYTHON) tools/environment.py

book: $(STAMP)
	@$(OFFLINE_START)
	$(OFFLINE) $(BIN)/python -m booktools.buildcache --execute $(WORKERS)
	$(OFFLINE) $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going --quiet
	@$(OFFLINE_CHECK)
	$(BIN)/python -m booktools.check_html _build/html
	@echo "Book built: open _build/html/index.html"

test: $(STAMP)
	@$(OFFLINE_START)
	$(OFFLINE) $(BIN)/python -m pytest --nbval -n $(WORKERS) --dist loadfile
	@$(OFFLINE_CHECK)

# Every page of an already-built _build/html (run `make book` first) in headless Chromium, which it installs
# from Debian's packages when missing (needs root). Screenshots go to _build/screenshots/.
browser-test: $(STAMP)
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" != 0 ]; then echo "browser-test: install chromium and chromium-driver (as root)"; exit 1; fi; \
		echo "browser-test: installing Debian's chromium and chromium-driver"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi
	$(BIN)/python tools/browser_test.py _build/html

# Measures notebook, build and test times in a temporary clone of the committed tree (bench/results.md).
bench: $(STAMP)
	$(BIN)/python bench/run.py --runs 3

bib: $(STAMP)
	$(BIN)/python -m distillbook.bibliography

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

freeze: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.txt.new
	@echo "Wrote requirements.txt.new; review it, then move it over requirements.txt"

clean:
	rm -rf _build .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) src/*.egg-info
