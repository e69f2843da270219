# The only commands people and CI type. Each target installs into .venv first if needed.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
# MXNET picks the MXNet build: the CPU wheel by default, or a CUDA one, e.g.
# `make install MXNET=mxnet-cu117` (README, "A GPU"; the version 1.9.1 is added when none is
# given). The stamp names the build, so choosing another one reinstalls.
MXNET ?= mxnet==1.9.1
MXNET_REQ  = $(if $(findstring =,$(MXNET)),$(MXNET),$(MXNET)==1.9.1)
MXNET_NAME = $(firstword $(subst =, ,$(subst <, ,$(subst >, ,$(MXNET)))))
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)-$(MXNET_NAME)

.PHONY: install tour test test-numpy126 lint lab slides site bench homework clean

install: $(STAMP)

# The Python for .venv: $(PYTHON) if given (make install PYTHON=/path/to/python3.12), else the
# first of python3.11, python3.12, pyenv's 3.11 and 3.12, python3 that really runs (a pyenv shim
# can exist and refuse) and is 3.8 to 3.12. On 3.8-3.11 pip installs NumPy < 1.24, as always; on
# 3.12 NumPy 1.26 (no older NumPy has 3.12 wheels), and mxnet then needs the numpy.bool shim,
# started by l10_params_numpy_shim.pth (README, "Which Python"). Python 3.13+ cannot work:
# mxnet 1.9.1 needs NumPy < 2, and NumPy 1.26 has no wheel for 3.13.
PYTHON ?=
PYENV_PYTHONS = $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[12]*/bin/python3.1[12]
# $(call find_python,LOW,HIGH,CANDIDATES): the first candidate that runs and is 3.LOW to 3.HIGH.
find_python = for c in $(3); do "$$c" -c 'import sys; sys.exit(not (3, $(1)) <= sys.version_info[:2] <= (3, $(2)))' \
	>/dev/null 2>&1 && { command -v "$$c"; break; }; done; true
# Setuptools' editable wheels carry only its own path hook, not the shim's .pth (setup.py puts
# it in regular wheels, for `pip install .`): each venv's install copies it into site-packages.
INSTALL_PTH = import shutil, sysconfig; shutil.copy("l10_params_numpy_shim.pth", sysconfig.get_path("purelib"))

# pyproject.toml names mxnet==1.9.1, so `pip install -e '.[dev]'` would also pull the CPU wheel,
# whose files overwrite a CUDA build's (both install the package `mxnet`). So the install removes
# any other MXNet build, installs the project with --no-deps, then the chosen build together with
# the project's other requirements in one pip call: all extras, markers and the NumPy pin kept,
# read from its installed metadata (REQS_PY), so the resolver keeps NumPy inside the pin.
REQS_PY = import importlib.metadata as m, re; rs = [re.sub(r"\s*(and )?extra == \"\w+\"", "", r).rstrip("; ") for r in m.requires("l10_params")]; print(*[r for r in rs if not re.match(r"(mxnet|l10.params)\b", r, re.I)], sep="\n")

$(STAMP): pyproject.toml l10_params_numpy_shim.pth
	@set -e; \
	if [ ! -x $(BIN)/python ]; then \
	  py=$$($(call find_python,8,12,$(or $(PYTHON),python3.11 python3.12 $(PYENV_PYTHONS) python3))); \
	  if [ -z "$$py" ]; then \
	    c=$(or $(PYTHON),python3); v=$$("$$c" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true); \
	    case "$$v" in \
	      3.1[3-9]|3.[2-9]?) echo "$$c is Python $$v: MXNet 1.9.1 needs NumPy < 2, which has no wheel for Python 3.13+; install Python 3.12 (or 3.11) and run make again (or make install PYTHON=/path/to/python3.12)."; ;; \
	      *) echo "l10_params needs Python 3.8 to 3.12, found $$c $${v:-(none)}; install Python 3.12 (or 3.11) and run make again (or make install PYTHON=/path/to/python3.12)."; ;; \
	    esac; exit 1; \
	  fi; \
	  echo "creating $(VENV) with $$("$$py" --version)"; "$$py" -m venv $(VENV); \
	fi; \
	$(BIN)/python -c 'import sys; print("installing into $(VENV), Python %d.%d: " % sys.version_info[:2] + ("NumPy 1.26 (numpy>=1.26,<2) and the numpy.bool shim" if sys.version_info >= (3, 12) else "NumPy < 1.24 (no shim needed)"))'
	$(BIN)/python -m pip list --format=freeze | grep -io '^mxnet[^=]*' | grep -vix '$(MXNET_NAME)' \
	  | xargs -r $(BIN)/python -m pip uninstall --yes --quiet
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -c '$(REQS_PY)' > $(VENV)/requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check '$(MXNET_REQ)' -r $(VENV)/requirements.txt
	$(BIN)/python -c '$(INSTALL_PTH)'
	$(BIN)/python -m ipykernel install --sys-prefix --name l10-params --display-name "Python (l10_params)" >/dev/null
	rm -f $(VENV)/.installed-* && touch $@

tour: install
	$(BIN)/l10-params tour $(ARGS)

test: install
	$(BIN)/python -m pytest

# make test-numpy126: the whole suite again in $(NP126), Python 3.11 with numpy==1.26.4 and the
# numpy.bool shim, as a Python 3.12 student gets it (.ci/run runs it after make test). It installs
# as `install` does, with one change: pyproject.toml pins numpy<1.24 on 3.11, and a pip
# constraint can narrow a pin but never lift it, so the NumPy line of the requirements read from
# the metadata (REQS_PY) is replaced by numpy==1.26.4. L10_PARAMS_NUMPY=1.26 tells
# tests/test_env.py which NumPy line this venv must have.
NP126       := .venv-np126
NP126_STAMP := $(NP126)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)-$(MXNET_NAME)

test-numpy126: $(NP126_STAMP)
	L10_PARAMS_NUMPY=1.26 $(NP126)/bin/python -m pytest

$(NP126_STAMP): pyproject.toml l10_params_numpy_shim.pth
	@set -e; \
	if [ ! -x $(NP126)/bin/python ]; then \
	  py=$$($(call find_python,11,11,python3.11 $(PYENV_PYTHONS) python3)); \
	  if [ -z "$$py" ]; then echo "make test-numpy126 needs Python 3.11 (python3.11 on PATH); install it and run make again."; exit 1; fi; \
	  echo "creating $(NP126) with $$("$$py" --version): NumPy 1.26.4 and the numpy.bool shim"; "$$py" -m venv $(NP126); \
	fi
	$(NP126)/bin/python -m pip list --format=freeze | grep -io '^mxnet[^=]*' | grep -vix '$(MXNET_NAME)' \
	  | xargs -r $(NP126)/bin/python -m pip uninstall --yes --quiet
	$(NP126)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	{ $(NP126)/bin/python -c '$(REQS_PY)' | grep -Ev '^numpy([^A-Za-z0-9_.-]|$$)'; echo 'numpy==1.26.4'; } > $(NP126)/requirements.txt
	$(NP126)/bin/python -m pip install --quiet --disable-pip-version-check '$(MXNET_REQ)' -r $(NP126)/requirements.txt
	$(NP126)/bin/python -c '$(INSTALL_PTH)'
	$(NP126)/bin/python -m ipykernel install --sys-prefix --name l10-params --display-name "Python (l10_params)" >/dev/null
	rm -f $(NP126)/.installed-* && touch $@

lint: install
	$(BIN)/ruff check l10_params tests benchmarks notebooks/publish.py _l10_params_numpy_shim.py setup.py

# Jupyter Lab with the project's kernel "Python (l10_params)"; `make lab PORT=8890` picks the port
# (the next free one if it is taken). The venv carries the settings of tools/jupyter/ (copied
# here too, for a venv made before they existed): no news pop-up, no update check, no "modified"
# mark when a notebook opens, nbgrader's instructor parts hidden. `make lab` shows a student
# notebooks/ without the publishing files and the course; `make lab-instructor` opens the
# homework course (notebooks/homework) with Formgrader and Create Assignment.
# --allow-root: Jupyter refuses to start as root without it (containers, CI machines).
PORT ?= 8888
LAB_SETTINGS = import shutil; shutil.copytree("tools/jupyter", "$(VENV)", dirs_exist_ok=True)
LAB = $(CURDIR)/$(BIN)/jupyter-lab --allow-root --port=$(PORT) --LabApp.news_url=None \
  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
LAB_HIDDEN = ['__pycache__', '*.pyc', '*.pyo', '.DS_Store', '*~', 'templates', 'publish.py', 'homework']

.PHONY: lab-instructor
lab: install
	@$(BIN)/python -c '$(LAB_SETTINGS)'
	cd notebooks && $(LAB) "--ContentsManager.hide_globs=$(LAB_HIDDEN)"

lab-instructor: install
	@$(BIN)/python -c '$(LAB_SETTINGS)'
	cd notebooks/homework && JUPYTER_CONFIG_PATH=$(CURDIR)/$(VENV)/etc/jupyter/instructor $(LAB)

# The lecture as reveal.js decks (build/slides/$(LANG)/NN-topic.slides.html, offline) and as a
# static site (build/site/: en/ and zh/ pages, each with its deck, and an index per language);
# each notebook is executed once into build/executed/ and reused (docs/publishing.md).
# `make slides LANG=zh`: only a LANG given on the command line picks the decks' language (en by
# default); the environment's LANG is a locale such as C.UTF-8, and the recipe gets one back.
DECK_LANG := $(if $(filter command line,$(origin LANG)),$(LANG),en)
slides: install
	LANG=C.UTF-8 $(BIN)/python notebooks/publish.py slides --lang $(DECK_LANG)

site: install
	LANG=C.UTF-8 $(BIN)/python notebooks/publish.py site

bench: install
	$(BIN)/python benchmarks/run.py

# nbgrader writes the student version of notebooks/homework/source/params to build/homework and
# autogrades four sample submissions there, one `NAME: SCORE / MAX` line each (README, "Homework").
homework: install
	$(BIN)/python notebooks/homework/grade.py

clean:
	rm -rf $(VENV) $(NP126) .pytest_cache .ruff_cache *.egg-info
