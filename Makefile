# Two commands: `make lab` (start the course) and `make test` (run every test).
# `make check` is the fast tier while you work: the package tests, no notebooks, no browser.
# Both create .venv if it is missing and reinstall only when pyproject.toml changed.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Two workers, one file each (nbval and the browser suite need whole files).
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: lab test check handouts bench clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.lab-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.lab-installed $(VENV)/.handouts-installed

$(VENV)/.handouts-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[handouts]"
	@touch $@ $(VENV)/.lab-installed

lab: $(VENV)/.lab-installed
	$(PY) -m convlab.lab

test: $(VENV)/.test-installed
	CONVLAB_OFFLINE=1 $(PY) -m pytest $(PYTEST_ARGS)

check: $(VENV)/.test-installed
	CONVLAB_OFFLINE=1 $(PY) -m pytest tests -m "not browser" $(PYTEST_ARGS)

handouts: $(VENV)/.handouts-installed
	$(PY) -m convlab.handouts

bench: $(VENV)/.lab-installed
	$(PY) benchmarks/bench_conv.py

clean-venv:
	rm -rf $(VENV)
