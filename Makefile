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

.PHONY: book test lab lint clean distclean freeze env bib

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml tools/environment.py
	$(PYTHON) tools/environment.py

book: $(STAMP)
	$(BIN)/python -m distillbook.buildcache
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going --quiet
	@echo "Book built: open _build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest --nbval

bib: $(STAMP)
	$(BIN)/python -m distillbook.bibliography

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=chapters

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/nbqa ruff chapters

freeze: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.txt.new
	@echo "Wrote requirements.txt.new; review it, then move it over requirements.txt"

clean:
	rm -rf _build .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) src/*.egg-info
