# Two entry points (see README): `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
INDEX  ?= index
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run install cluster index serve test test-fast browser readers test-readers bench clean

run: index
	$(BIN)/vnsearch search "xa dac biet kho khan" --index $(INDEX) --limit 3
	$(BIN)/vnsearch serve --index $(INDEX) --host $(HOST) --port $(PORT)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The optional Xapian cluster (GPL-2+; README "Cluster"): the bindings (the `cluster` extra)
# and Debian's xapian-tools. Only the tests install it; `make run` stays free of it.
cluster: install $(VENV)/.cluster-installed

$(VENV)/.cluster-installed: pyproject.toml
	bash scripts/ensure-xapian.sh
	$(BIN)/pip install --quiet -e '.[test,cluster]'
	touch $@

index: install readers
	$(BIN)/vnsearch build seeds --index $(INDEX)

test: install cluster browser test-readers
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# The quick loop while editing: every module's logic, without the tests marked `slow`
# (browser, real server and build processes, OCR, bench runs; pyproject.toml registers the marker).
test-fast: install cluster
	$(BIN)/python -m pytest -q -m "not slow"

# Debian's chromium for the browser test (installs it when missing; needs root).
browser:
	bash scripts/ensure-chromium.sh

# Debian's tesseract-ocr (+ vie) for scans (installs it when missing; needs root).
# `make run` works without it: only scanned files then fail, naming the package.
readers:
	-bash scripts/ensure-readers.sh

test-readers:
	bash scripts/ensure-readers.sh --test

clean:
	rm -rf $(VENV) $(INDEX)/gen-* $(INDEX)/.build-* $(INDEX)/current $(INDEX)/ocr-cache .pytest_cache
