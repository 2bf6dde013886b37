# Two entry points for a fresh machine (see README): `make site` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: site test install test-deps lint bench

# argostranslate without its dependencies: the project imports only argostranslate.package and
# .settings (which need packaging and sentencepiece, in pyproject.toml); the rest of what it asks
# for is stanza, spaCy and torch, gigabytes never imported. `pip install -e '.[full]'` has them.
ARGOS := argostranslate>=1.9,<2
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	$(PIP) install --quiet --no-deps '$(ARGOS)'
	touch $@

install: $(VENV)/.installed

site: install
	$(PY) build.py

# Chromium, Java (for the Nu HTML Checker's vnu.jar) and npm only where missing: a machine whose
# Node.js comes from NodeSource has npm inside it, and asking Debian for its own npm there fails on
# conflicting packages. No package's install script runs: vnu-jar's would fetch a Java runtime.
$(VENV)/.test-installed: $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	missing="$$(command -v chromium >/dev/null || echo chromium) \
	  $$(command -v java >/dev/null || echo default-jre-headless) \
	  $$(command -v npm >/dev/null || echo nodejs npm)"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi
	npm ci --prefix tests --no-audit --no-fund --ignore-scripts
	touch $@

test-deps: $(VENV)/.test-installed

test: test-deps
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2

bench: install
	$(PY) bench/run.py
