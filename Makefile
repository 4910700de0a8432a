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

.PHONY: book test lab lint clean freeze env

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 is needed, found {sys.version.split()[0]}"'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==26.3
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (distillbook)" >/dev/null
	$(BIN)/python -c 'import matplotlib.pyplot'  # builds the font cache now, not inside a notebook
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/python -m distillbook.buildcache
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going --quiet
	@echo "Book built: open _build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest --nbval

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
