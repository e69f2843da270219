# The only commands people and CI type. Each target builds or updates its virtual environment
# first: tools/venv.py makes every venv here, from a Python, a NumPy line and an MXNet build
# (docs/install.md says which Python gets which NumPy, and why).
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin

# make install PYTHON=python3.12 NUMPY=2 MXNET=mxnet-cu117 (any of the three). Left empty, each
# is what .venv already has, else the default: the first of Python 3.11, 3.12, 3.13 found, the
# NumPy line of that Python, the CPU wheel. So a CUDA build, once chosen, stays.
PYTHON ?=
NUMPY  ?=
MXNET  ?=
# the Python that runs tools/venv.py (any Python 3; the venv's own may be another)
HOST_PYTHON := $(shell command -v python3 || command -v python)
venv = $(HOST_PYTHON) tools/venv.py $(1) --python '$(2)' --numpy '$(3)' --mxnet '$(4)'

# everything but the groups that start kernels, processes or browsers (pyproject.toml's markers)
FAST := not (notebook or homework or publish or dist or browser or env)

.PHONY: install tour test test-fast test-numpy126 test-numpy2 lint lab slides site bench \
	homework grade clean

install:
	@$(call venv,$(VENV),$(PYTHON),$(NUMPY),$(MXNET))

tour: install
	$(BIN)/l10-params tour $(ARGS)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m '$(FAST)' $(PYTEST_ARGS)

# The same suite on the two other NumPy lines, each in its own venv: NumPy 1.26 with the shim
# on Python 3.12 (else 3.11), and NumPy 2 on Python 3.13 (CI runs all three lines, .ci/run).
test-numpy126:
	@$(call venv,.venv-np126,3.12 3.11,1.26,)
	.venv-np126/bin/python -m pytest $(PYTEST_ARGS)

test-numpy2:
	@$(call venv,.venv-np2,3.13,2,)
	.venv-np2/bin/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check l10_params tests benchmarks notebooks/publish.py tools \
	  _l10_params_numpy_shim.py setup.py

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

# nbgrader writes the student version of notebooks/homework/source/params to build/homework-samples
# and autogrades four sample submissions there, one `NAME: SCORE / MAX` line each
# (docs/homework.md); the course directory build/homework is never touched.
homework: install
	$(BIN)/python notebooks/homework/grade.py

# make grade [JOBS=N]: autograde every submission collected in build/homework/submitted/, N at a
# time, each in its own kernel, into build/homework/gradebook.db; graded ones are skipped, so a
# stopped run is finished by running it again (docs/homework.md). ARGS="--feedback", "--regrade".
grade: install
	$(BIN)/python notebooks/homework/grade.py course $(if $(JOBS),--jobs $(JOBS)) $(ARGS)

clean:
	rm -rf $(VENV) .venv-np126 .venv-np2 .pytest_cache .ruff_cache .hypothesis *.egg-info
