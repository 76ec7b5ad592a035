# Two commands do all the set-up: `make serve` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test lint bench browser audit-tools audit clean

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

# The site's auditors (tests/test_audit.py): Lighthouse, axe-core, the Nu HTML checker and
# linkinator from npm (pinned in tests/audit/package-lock.json; install scripts off, so nothing
# downloads a browser or a JRE), run on Debian's Node.js, Java and Chromium.
AUDIT := tests/audit
audit-tools: browser $(AUDIT)/node_modules/.installed
$(AUDIT)/node_modules/.installed: $(AUDIT)/package.json $(AUDIT)/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null && command -v java >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm default-jre-headless >/dev/null; }
	cd $(AUDIT) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

test: $(VENV)/.installed-test browser audit-tools
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest

# The full audit (docs/audit.md): Lighthouse on every page type, the Nu checker and axe-core on
# every page of the sitemap, linkinator over the whole site, every entity's JSON-LD.
audit: $(VENV)/.installed-test audit-tools
	MHA_KG_AUDIT=full $(BIN)/pytest -p no:cacheprovider tests/test_audit.py

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
