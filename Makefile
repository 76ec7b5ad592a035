# Two commands do all the set-up: `make serve` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test lint bench bench-pictures screenshots curating-screenshots outline browser virtuoso engines audit-tools audit faults release package package-check clean

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

# The full remote-engine comparison: every entity, over Virtuoso and the Oxigraph server.
engines: $(VENV)/.installed-test virtuoso
	MHA_KG_ENGINES_FULL=1 $(BIN)/pytest -p no:cacheprovider tests/test_engines.py tests/test_remote_store.py

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

test: $(VENV)/.installed-test browser virtuoso audit-tools
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest

# The full audit (docs/audit.md): Lighthouse on every page type, the Nu checker and axe-core on
# every page of the sitemap, linkinator over the whole site, every entity's JSON-LD.
audit: $(VENV)/.installed-test audit-tools
	MHA_KG_AUDIT=full $(BIN)/pytest -p no:cacheprovider tests/test_audit.py

# The engine comparison (docs/performance.md), the search and reconciliation
# figures (docs/search.md), the 60-second load test, the writes under read load
# (docs/security.md) and the editor's accepted edits (docs/performance.md).
SEARCH_SCALES ?= 1 100 1000
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.run $(if $(SCALES),--scales $(SCALES))
	$(BIN)/python -m benchmarks.search_bench --scale $(SEARCH_SCALES)
	$(BIN)/python -m benchmarks.openrefine_bench
	$(BIN)/python -m benchmarks.load --clients 8 --seconds 60
	$(BIN)/python -m benchmarks.writes --writes 10 --readers 2
	$(BIN)/python -m benchmarks.writes --writes 10 --readers 2 --scale 100
	$(BIN)/python -m benchmarks.edits --edits 10

# The write path's fault rounds in full (SECURITY.md): 20 kill -9 rounds with 6 writers
# and 2 readers each; `make test` runs 2 rounds with 3 writers.
faults: $(VENV)/.installed-test
	MHA_KG_FAULT_ROUNDS=20 MHA_KG_FAULT_WRITERS=6 $(BIN)/pytest -q -p no:cacheprovider \
	  tests/test_write_faults.py tests/test_faults.py

# Cytoscape.js against sigma.js + graphology (docs/pictures.md); npm packs both into a temp folder.
bench-pictures: $(VENV)/.installed-test browser
	$(BIN)/python -m benchmarks.network_libraries --runs 15 --site

# The PNGs of the explorer, the map and the query editor's result views in docs/img/.
screenshots: $(VENV)/.installed-test browser
	$(BIN)/python -m benchmarks.screenshots

# Rebuild the map's coastline from Natural Earth as npm's world-atlas ships it.
OUTLINE := src/mha_kg/web/static/world-atlas-2.0.2-countries-50m-gb.geojson
outline: $(VENV)/.installed
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent world-atlas@2.0.2 >/dev/null && \
	  tar xzf world-atlas-2.0.2.tgz && cd - >/dev/null && \
	  $(BIN)/python -m mha_kg.linking.geomap $$tmp/package/countries-50m.json $(OUTLINE) && rm -rf $$tmp

# The screenshots of docs/curating.md, taken by the curator's story in headless Chromium.
curating-screenshots: $(VENV)/.installed-test browser
	MHA_KG_SCREENSHOTS=1 $(BIN)/pytest -q -p no:cacheprovider tests/test_curate_browser.py

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
