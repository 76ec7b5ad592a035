# Two commands do all the set-up: `make serve` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test lint bench browser clean

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

test: $(VENV)/.installed-test browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest

# The engine comparison (docs/performance.md), the search and reconciliation
# figures (docs/search.md) and the 60-second load test (docs/security.md).
SEARCH_SCALES ?= 1 100 1000
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.run $(if $(SCALES),--scales $(SCALES))
	$(BIN)/python -m benchmarks.search_bench --scale $(SEARCH_SCALES)
	$(BIN)/python -m benchmarks.load --clients 8 --seconds 60

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) .mha-kg .pytest_cache
