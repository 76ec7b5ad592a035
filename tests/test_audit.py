"""The site as audited by tools nobody here wrote, on every page type (issue 19).

Targets: the Nu HTML checker finds no error; axe-core finds no violation;
Lighthouse scores accessibility, best practices and SEO at 100; linkinator
finds no broken internal link; every entity page's embedded JSON-LD is, as a
graph, its /data/ document.

`make test` runs the reduced-but-real form: each page type once (Lighthouse
on three of them, which costs ~7 s a page), the links of those pages one level
deep. `make audit` (MHA_KG_AUDIT=full) runs Lighthouse on every page type,
Nu and axe on every page the crawl finds, and linkinator over the whole site.
"""

from __future__ import annotations

import os
import re

import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic

from tests.audit import auditors

FULL = os.environ.get("MHA_KG_AUDIT") == "full"

#: The full audit visits every page of the site (about 550) with axe: minutes, not seconds.
AUDIT_TIMEOUT = pytest.mark.timeout(1800 if FULL else 300)

#: One page of each type the issue names.
PAGE_TYPES = {
    "home": "/",
    "organisation": "/page/organisation/university-of-warwick",  # the most kinds of statement
    "person": "/page/person/simon-ball",
    "project": "/page/project/discoverable-biobank-data",
    "query editor": "/query",
    "example query": "/query/figures",
    "search": "/search?q=university",
    "map": "/map",
    "ontology": "/def",
    "term": "/def/Post",
    "types": "/types/",
    "type listing": "/types/schema:Person",
    "downloads": "/dumps/",
}

#: The page types Lighthouse audits in `make test`; `make audit` audits them all.
LIGHTHOUSE_REDUCED = ("home", "person", "query editor")


@pytest.fixture(scope="module")
def tools():
    missing = auditors.missing_tools()
    assert not missing, f"audit tools missing: {', '.join(missing)}; run `make audit-tools`"


@pytest.fixture(scope="module")
def site_pages(live_server) -> list[str]:
    """The pages audited: one per type, or in the full audit every page the crawl reaches."""
    pages = [live_server + path for path in PAGE_TYPES.values()]
    if FULL:
        pages += sorted(set(_crawled_pages(live_server)) - set(pages))
    return pages


def _crawled_pages(site: str) -> list[str]:
    """Every HTML page of the site: the sitemap's (each entity, type, term and example)."""
    sitemap = requests.get(site + "/sitemap.xml", timeout=30).text
    return [re.sub(r"^https?://[^/]+", site, url) for url in re.findall(r"<loc>([^<]+)</loc>", sitemap)]


def test_the_auditors_catch_what_they_are_run_for(tools, driver):
    """The tools fail on the faults this issue found, so a clean report means something."""
    invalid = (b'<!DOCTYPE html><html lang="en"><title>t</title><input type="search" role="combobox"'
               b' aria-expanded="false" aria-label="q">')
    errors = auditors.nu_errors_in({"search box of old": invalid})
    assert errors and all(error.startswith("search box of old:1: ") for error in errors), errors
    assert any("on element “input”" in error for error in errors), errors
    driver.get("data:text/html,<!DOCTYPE html><html lang=en><title>t</title><main><h1>t</h1>"
               "<input type=text><p style='color:%23777;background:%23f3f3f3'>inferred</p></main>")
    driver.execute_script(auditors.AXE_JS.read_text(encoding="utf-8"))
    found = auditors.run_axe(driver)
    assert any(line.startswith("label:") for line in found), found
    assert any(line.startswith("color-contrast:") for line in found), found


def test_linkinator_reports_a_broken_link(tools, live_server):
    broken, checked = auditors.broken_links([live_server + "/page/person/nobody"], live_server, recurse=False)
    assert checked == 1 and broken and "(404)" in broken[0]


def test_every_page_type_answers_200(live_server):
    for path in PAGE_TYPES.values():
        response = requests.get(live_server + path, timeout=30)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("text/html")


def test_nu_html_checker_finds_no_error(tools, site_pages):
    errors = auditors.nu_errors(site_pages)
    assert errors == [], "\n".join(errors[:40])


@AUDIT_TIMEOUT
@pytest.mark.browser
def test_axe_finds_no_violation(tools, driver, site_pages):
    violations = []
    for url in site_pages:
        violations += auditors.axe_violations(driver, url)
    assert violations == [], "\n".join(violations[:40])


@AUDIT_TIMEOUT
@pytest.mark.browser
def test_lighthouse_scores_100(tools, live_server):
    if os.environ.get("MHA_KG_SKIP_BROWSER") == "1":
        pytest.skip("MHA_KG_SKIP_BROWSER=1")
    names = PAGE_TYPES if FULL else LIGHTHOUSE_REDUCED
    urls = [live_server + PAGE_TYPES[name] for name in names]
    report = auditors.lighthouse(urls)
    assert sorted(report) == sorted(urls)
    shortfalls = auditors.lighthouse_shortfalls(report)
    assert shortfalls == [], "\n".join(shortfalls)


def test_no_internal_link_is_broken(tools, live_server, site_pages):
    """Every link from the audited pages; in the full audit from every page of the sitemap and on,
    recursively (a crawl from the home page alone reaches a different share of the site each run)."""
    broken, checked = auditors.broken_links(site_pages, live_server, recurse=FULL)
    assert broken == [], "\n".join(broken[:40])
    assert checked > (1500 if FULL else 150), "the crawl checked too few links to mean anything"


def test_embedded_jsonld_is_the_data_document(live_server):
    """Every entity page (one per kind in `make test`) embeds its /data/ document as JSON-LD."""
    paths = _entity_paths(live_server)
    assert len(paths) > (400 if FULL else 5)
    for path in paths:
        page = requests.get(f"{live_server}/page/{path}", timeout=30).text
        embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        assert embedded, f"/page/{path} embeds no JSON-LD"
        from_page = Graph().parse(data=embedded.group(1), format="json-ld")
        document = Graph().parse(data=requests.get(f"{live_server}/data/{path}.ttl", timeout=30).text,
                                 format="turtle")
        assert len(document) > 3
        assert isomorphic(from_page, document), f"/page/{path}: embedded JSON-LD differs from /data/"


def _entity_paths(site: str) -> list[str]:
    pages = [url.split("/page/", 1)[1] for url in _crawled_pages(site) if "/page/" in url]
    if FULL:
        return pages
    one_per_kind: dict[str, str] = {}
    for path in pages:
        one_per_kind.setdefault(path.split("/", 1)[0], path)
    return sorted(one_per_kind.values())
