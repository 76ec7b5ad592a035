# Two commands do all the set-up: `make serve` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test lint bench browser virtuoso engines clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp files re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(VENV)/.installed $@

serve: $(VENV)/.installed
	$(BIN)/mha-kg serve --host $(HOST) --port $(PORT)

# Debian's Chromium and ChromeDriver drive the browser tests.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

# Debian's OpenLink Virtuoso: the remote-engine tests start one on loopback (tests/engines.py).
virtuoso:
	@command -v virtuoso-t >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource-7-bin >/dev/null; }

test: $(VENV)/.installed-test browser virtuoso
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest

# The full remote-engine comparison: every entity, over Virtuoso and the Oxigraph server.
engines: $(VENV)/.installed-test virtuoso
	MHA_KG_ENGINES_FULL=1 $(BIN)/pytest -p no:cacheprovider tests/test_engines.py tests/test_remote_store.py

# The engine comparison (docs/performance.md), the search and reconciliation
# figures (docs/search.md) and the 60-second load test (docs/security.md).
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.run $(if $(SCALES),--scales $(SCALES))
	$(BIN)/python -m benchmarks.search_bench --scale 1 100
	$(BIN)/python -m benchmarks.load --clients 8 --seconds 60

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) .mha-kg .pytest_cache
