# The only commands people and CI type. Each target installs into .venv first if needed.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: install tour test lint lab bench clean

install: $(STAMP)

# Python 3.11 if present, else python3 when it is 3.8 to 3.11 (MXNet 1.9.1 needs NumPy < 1.24,
# which has no wheel for Python 3.12).
$(STAMP): pyproject.toml
	@set -e; \
	py=$$(command -v python3.11 || command -v python3 || true); \
	if [ -z "$$py" ] || ! "$$py" -c 'import sys; sys.exit(not (3, 8) <= sys.version_info[:2] <= (3, 11))'; then \
	  echo "l10_params needs Python 3.8 to 3.11 (MXNet 1.9.1 needs NumPy < 1.24, which has no wheel for 3.12+)."; \
	  echo "Found: $${py:-no python3} $$($${py:-true} --version 2>&1). Install python3.11 and run make again."; \
	  exit 1; \
	fi; \
	if [ ! -x $(BIN)/python ]; then echo "creating $(VENV) with $$($$py --version)"; "$$py" -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name l10-params --display-name "Python (l10_params)" >/dev/null
	rm -f $(VENV)/.installed-* && touch $@

tour: install
	$(BIN)/l10-params tour $(ARGS)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check l10_params tests benchmarks

lab: install
	$(BIN)/jupyter lab notebooks

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
