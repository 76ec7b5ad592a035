"""Search: the labelled messy names, the JSON API, the results page, and the index following the store."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import requests
from benchmarks.search_bench import evaluate, labelled
from bs4 import BeautifulSoup

from mha_kg.find import search
from mha_kg.kg import KnowledgeGraph

from .conftest import make_settings


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


def _scored_one_by_one(index: search.Index, query: str, limit: int) -> list[tuple[str, float]]:
    """The ranking by `Index._score`, candidate after candidate: what `search` computes at once."""
    best: dict[int, float] = {}
    for query_tokens in index._readings(query):
        sims = index._similar(query_tokens)
        for v in index._candidates(sims):
            entry = index.variants[v].entry
            best[entry] = max(best.get(entry, -1.0), index._score(query_tokens, index.variants[v], sims))
    ranked = sorted(best.items(), key=lambda es: (-es[1], index.records[es[0]].name))
    return [(index.records[e].iri, score) for e, score in ranked[:limit]]


@pytest.fixture(scope="module")
def generated_index(tmp_path_factory) -> search.Index:
    """The index of a generated graph (scale 3): names that share words, people, descriptions."""
    from benchmarks import generate

    root = tmp_path_factory.mktemp("generated")
    project = generate.write_project(3, root / "project", seed=5)
    settings = make_settings(root / "state", project_dir=str(project), validate=False)
    generated = KnowledgeGraph.open(settings, log=lambda _: None)
    try:
        return search.Index(search.collect(generated))
    finally:
        generated.close()


def _probe_names(index: search.Index) -> list[str]:
    names = [r.name for r in index.records[::7]] + [row["query"] for row in labelled()]
    return [*names, "J Smith", "prof a b jones", "uni hosp", "Univ. of Leicestre"]  # initials, typos


def test_vectorised_scores_equal_scoring_each_candidate(generated_index):
    index, compared = generated_index, 0
    names = _probe_names(index)
    for name in names:
        expected = _scored_one_by_one(index, name, 10)
        found = [(h.record.iri, h.score) for h in index.search(name, [], 10)]
        assert [iri for iri, _ in found] == [iri for iri, _ in expected], name
        assert all(abs(a - b) < 1e-6 for (_, a), (_, b) in zip(found, expected, strict=True)), name
        compared += bool(found)
    assert compared > len(names) // 2


def test_fuzzy_lookup_of_many_words_equals_extract_one_by_one(generated_index):
    """`_fuzzy` (one cdist for many words) lists what process.extract lists for each word, in order."""
    from rapidfuzz import fuzz, process

    # and an index where a word has more than 50 close words, many of them equally close
    typos = sorted({w[:i] + c + w[i + 1:] for w in ("leicester", "warwick") for i in range(len(w))
                    for c in "aeiouxyz"})
    crowded = search.Index([search.Record(f"https://example.org/{i}", names={"name": [f"Centre {w}"]})
                            for i, w in enumerate(typos)])
    for index in (generated_index, crowded):
        words = [*index.vocabulary[::5], "univrsity", "leicestre", "hospitl", "warwik", "zzzzzz", "leicester"]
        found = index._fuzzy(words)
        for word in words:
            extracted = process.extract(word, index.vocabulary, scorer=fuzz.ratio, score_cutoff=80, limit=50)
            assert found[word] == [(t, score) for t, score, _ in extracted], word
    assert len(crowded._fuzzy(["leicester"])["leicester"]) == 50


def test_a_prepared_batch_ranks_as_queries_one_by_one(generated_index):
    names = _probe_names(generated_index)
    alone = [[(h.record.iri, h.score, h.matched) for h in generated_index.search(n, [], 10)] for n in names]
    prepared = search.Index(generated_index.records)
    prepared.prepare(names)
    assert [[(h.record.iri, h.score, h.matched) for h in prepared.search(n, [], 10)] for n in names] == alone


def test_round_hundredths_rounds_as_python_does():
    values = np.concatenate([np.random.default_rng(3).uniform(0, 100, 20000),
                             np.arange(0, 100, 0.005), [0.125, 2.675, 1.005, 99.995]])
    assert search.round_hundredths(values).tolist() == [round(v, 2) for v in values.tolist()]
