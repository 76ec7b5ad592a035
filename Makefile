# Two commands do all the set-up: `make serve` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test lint bench browser faults clean release package package-check

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
# figures (docs/search.md), the 60-second load test and the writes under read load
# (docs/security.md).
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.run $(if $(SCALES),--scales $(SCALES))
	$(BIN)/python -m benchmarks.search_bench --scale 1 100
	$(BIN)/python -m benchmarks.load --clients 8 --seconds 60
	$(BIN)/python -m benchmarks.writes --writes 10 --readers 2

# The write path's fault rounds in full (SECURITY.md): 20 kill -9 rounds with 6 writers
# and 2 readers each; `make test` runs 2 rounds with 3 writers.
faults: $(VENV)/.installed-test
	MHA_KG_FAULT_ROUNDS=20 MHA_KG_FAULT_WRITERS=6 $(BIN)/pytest -q -p no:cacheprovider \
	  tests/test_write_faults.py tests/test_faults.py

# A numbered release of the data (docs/releases.md): make release VERSION=1.1.0 (or VERSION=auto).
release: $(VENV)/.installed
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=MAJOR.MINOR.PATCH (or auto)" >&2; exit 2; }
	$(BIN)/mha-kg release $(VERSION)

# The wheel and sdist in dist/, built offline; they carry the ontology, shapes, data and source text.
package: $(VENV)/.installed-test
	$(BIN)/python -m build --no-isolation --outdir dist .

# The packaging test with every dependency installed from the package index, as pipx does
# (make test runs it offline, borrowing the test environment's dependencies).
package-check: $(VENV)/.installed-test
	MHA_KG_PACKAGE_FROM_INDEX=1 $(BIN)/pytest -q -p no:cacheprovider tests/test_package.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) .mha-kg .pytest_cache dist
