# Two commands: `make lab` (start the course) and `make test` (run every test).
# `make check` is the fast tier while you work: the package tests, no notebooks, no browser,
# no JupyterHub, nbgrader or Voilà.
# Both create .venv if it is missing and reinstall only when pyproject.toml changed.
# `make lab` opens the lessons in the system's language; `make lab LAB_LANG=ko` (or en) chooses.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Two workers, one file each (nbval and the browser suite need whole files); the slowest
# tests are listed at the end, to see where the suite's minutes go.
PYTEST_ARGS ?= -n 2 --dist loadfile --durations=25
LAB_LANG ?=
# After each install: the classroom settings into .venv, so a plain `jupyter lab` has them too.
SETTINGS := $(PY) -m convlab.lab --install-settings >/dev/null

.PHONY: lab test check handouts bench bench-zoo webfont clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.lab-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	$(SETTINGS)
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	$(SETTINGS)
	@touch $@ $(VENV)/.lab-installed $(VENV)/.handouts-installed

$(VENV)/.handouts-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[handouts]"
	$(SETTINGS)
	@touch $@ $(VENV)/.lab-installed

# The classroom settings in .venv are copied again whenever they change, not only when
# pyproject.toml does: a plain `jupyter lab` in an older .venv would keep the old ones.
CLASSROOM_SETTINGS := $(shell find convlab/course/jupyter_settings -name '*.json')

$(VENV)/.settings-installed: $(CLASSROOM_SETTINGS) | $(VENV)/.lab-installed
	$(SETTINGS)
	@touch $@

lab: $(VENV)/.lab-installed $(VENV)/.settings-installed
	$(PY) -m convlab.lab $(if $(LAB_LANG),--lang $(LAB_LANG))

test: $(VENV)/.test-installed $(VENV)/.settings-installed
	CONVLAB_OFFLINE=1 $(PY) -m pytest $(PYTEST_ARGS)

check: $(VENV)/.test-installed $(VENV)/.settings-installed
	CONVLAB_OFFLINE=1 $(PY) -m pytest tests -m "not browser and not classroom" $(PYTEST_ARGS)

handouts: $(VENV)/.handouts-installed
	$(PY) -m convlab.handouts

bench: $(VENV)/.lab-installed
	$(PY) benchmarks/bench_conv.py

# torchvision's model zoo layer by layer, and a training step with the convolutions swapped.
# A quick run: make bench-zoo ZOO_ARGS="resnet18 --batches 1 --passes 1"
bench-zoo: $(VENV)/.lab-installed
	$(PY) benchmarks/bench_zoo.py $(ZOO_ARGS)

# Rebuild convlab/course/jupyter_custom/ConvlabKorean.woff (the Hangul of NanumGothic that
# JupyterLab serves) from koreanize-matplotlib's NanumGothic.ttf.
webfont: $(VENV)/.handouts-installed
	$(PY) -c "from convlab.figures.fonts import write_web_font; print(write_web_font())"

clean-venv:
	rm -rf $(VENV)
