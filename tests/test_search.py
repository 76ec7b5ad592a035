"""Search: the labelled messy names, the JSON API, the results page, and the index following the store."""

from __future__ import annotations

import doctest

import requests
from benchmarks.search_bench import evaluate, labelled
from bs4 import BeautifulSoup

from mha_kg.find import search
from mha_kg.kg import KnowledgeGraph


def test_labelled_set_is_big_enough_and_names_real_entities(kg):
    rows = labelled()
    positives = [r for r in rows if r["expected"]]
    assert len(positives) >= 40 and len(rows) - len(positives) >= 20
    known = {search.index_for(kg).records[i].iri for i in range(len(search.index_for(kg)))}
    assert {f"{kg.base}/id/{r['expected']}" for r in positives} <= known


def test_top1_at_least_95_percent_and_no_false_match(kg):
    result = evaluate(kg)
    assert result["top1_accuracy"] >= 0.95, result["misses"]
    assert result["false_matches"] == 0, result["misses"]
    assert result["match_precision"] == 1.0


def test_normalisation_examples_hold():
    assert doctest.testmod(search).failed == 0


def test_api_search_json(live_server):
    response = requests.get(live_server + "/api/search", params={"q": "uni warwik", "limit": 3}, timeout=30)
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["ok"] is True and len(body["results"]) <= 3
    top = body["results"][0]
    assert top["id"] == "organisation/university-of-warwick"
    assert top["url"] == "/id/organisation/university-of-warwick"
    assert set(top) >= {"id", "iri", "name", "kind", "types", "score", "exact", "description", "url"}
    people = requests.get(live_server + "/api/search", params={"q": "warwick", "type": "foaf:Person"},
                          timeout=30).json()["results"]
    assert all("http://xmlns.com/foaf/0.1/Person" in r["types"] for r in people)
    bad = requests.get(live_server + "/api/search", params={"q": "x", "limit": "-1"}, timeout=30)
    assert bad.status_code == 400 and "negative" in bad.json()["error"]


def test_search_page_lists_results_with_links(live_server):
    response = requests.get(live_server + "/search", params={"q": "Prof Gkoutos"}, timeout=30)
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    first = soup.select_one("ol.search-results li a")
    assert first.get_text(strip=True) == "Georgios Gkoutos"
    assert requests.get(live_server + first["href"], timeout=30).status_code == 200
    assert soup.select_one("form.site-search input[name=q]") is not None  # the header box on every page


def test_index_follows_the_store(settings, tmp_path):
    ttl = tmp_path / "one.ttl"
    ttl.write_text('<https://example.org/a> a <http://www.w3.org/ns/org#Organization> ; '
                   '<http://www.w3.org/2000/01/rdf-schema#label> "Aardvark Institute" .\n')
    quiet = {**settings, "state_dir": str(tmp_path / "state"), "validate": False, "infer": False}
    first = KnowledgeGraph.open(quiet, [str(ttl)], log=lambda _: None)
    try:
        assert search.index_for(first).search("aardvark")[0].record.name == "Aardvark Institute"
        assert search.index_for(first) is search.index_for(first)  # cached per store
    finally:
        first.close()
    ttl.write_text(ttl.read_text().replace("Aardvark", "Zebra"))
    second = KnowledgeGraph.open(quiet, [str(ttl)], log=lambda _: None)
    try:
        index = search.index_for(second)
        assert index.fingerprint == second.build.fingerprint != first.build.fingerprint
        assert [h.record.name for h in index.search("zebra")] == ["Zebra Institute"]
        assert search.rebuild(second) is not index
    finally:
        second.close()
