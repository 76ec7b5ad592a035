"""Queries a worker has answered cheaply run in the server process next time.

The worker processes keep the promise that any query can be stopped; the
inline path may only take queries already seen to finish within
`inline_query_ms` on the same read-only store, must give the same answer
in every format, and must keep the row cap.
"""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from mha_kg.errors import KGError
from mha_kg.kg import KnowledgeGraph
from mha_kg.query import sparql, workers
from mha_kg.query.inline import MAX_INLINE_QUERY_CHARS, CheapQueries

from .conftest import make_settings

ORGS = ("SELECT ?o ?name WHERE { ?o a <http://www.w3.org/ns/org#Organization> ; "
        "<https://schema.org/name> ?name }")
DESCRIBE = "DESCRIBE ?o WHERE { ?o <https://schema.org/name> ?n } LIMIT 2"


def open_kg(state_dir, **overrides) -> KnowledgeGraph:
    return KnowledgeGraph.open(make_settings(state_dir, **overrides), log=lambda _: None)


def stop_workers(kg: KnowledgeGraph) -> None:
    """After this, only a query answered in the server process can succeed."""
    kg.engine.pool.close()


def test_a_repeated_cheap_query_is_answered_without_a_worker(state_dir):
    kg = open_kg(state_dir, inline_query_ms=10_000)
    try:
        first = kg.query(ORGS)
        stop_workers(kg)
        again = kg.query(ORGS)
        assert sorted(again.records(), key=str) == sorted(first.records(), key=str)
        assert len(again) > 10
        with pytest.raises(KGError) as refused:  # a query never seen still needs a worker
            kg.query(ORGS + " LIMIT 1")
        assert refused.value.status == 503
    finally:
        kg.close()


def test_nothing_runs_inline_when_the_threshold_is_zero(state_dir):
    kg = open_kg(state_dir, inline_query_ms=0)
    try:
        kg.query(ORGS)
        stop_workers(kg)
        with pytest.raises(KGError) as refused:
            kg.query(ORGS)
        assert refused.value.status == 503
    finally:
        kg.close()


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv", "csv"])
def test_inline_answers_equal_the_workers_in_every_results_format(state_dir, fmt):
    kg = open_kg(state_dir, inline_query_ms=10_000)
    try:
        by_worker = kg.query(ORGS, output=(fmt, "ntriples")).body
        stop_workers(kg)
        inline = kg.query(ORGS, output=(fmt, "ntriples")).body
        assert solutions(inline, fmt) == solutions(by_worker, fmt)
    finally:
        kg.close()


@pytest.mark.parametrize("fmt", ["ntriples", "turtle", "jsonld", "rdfxml", "nquads", "trig"])
def test_inline_graph_answers_equal_the_workers(state_dir, fmt, monkeypatch):
    """Every graph format, the prefixes of Turtle and TriG included; those written without
    prefixes come from Oxigraph's writer in one call, never read triple by triple."""
    kg = open_kg(state_dir, inline_query_ms=10_000)
    try:
        by_worker = kg.query(DESCRIBE, output=("json", fmt)).body
        stop_workers(kg)
        if fmt not in ("turtle", "trig"):
            monkeypatch.setattr(workers, "collect", lambda *_: pytest.fail("read triple by triple"))
        inline = kg.query(DESCRIBE, output=("json", fmt)).body
        assert by_worker and parse_triples(inline, fmt) == parse_triples(by_worker, fmt)
        if fmt in ("turtle", "trig"):
            assert b"@prefix schema:" in inline
    finally:
        kg.close()


def test_the_row_cap_holds_inline(state_dir):
    kg = open_kg(state_dir, inline_query_ms=10_000, max_returned_rows=3)
    try:
        first = kg.query(ORGS, output=("json", "ntriples"))
        stop_workers(kg)
        again = kg.query(ORGS, output=("json", "ntriples"))
        assert first.truncated and again.truncated
        assert len(solutions(again.body, "json")) == 3
    finally:
        kg.close()


def test_cheap_queries_are_bounded_and_skip_long_texts():
    cheap = CheapQueries(threshold_ms=5, size=2)
    cheap.record("a", "q", 1.0, truncated=False)
    cheap.record("slow", "q", 6.0, truncated=False)
    cheap.record("long", "q" * (MAX_INLINE_QUERY_CHARS + 1), 1.0, truncated=False)
    assert cheap.get("slow", 100) is None and cheap.get("long", 100) is None
    cheap.record("b", "q", 1.0, truncated=False)
    cheap.get("a", 100)  # used: "b" is now the least recently used
    cheap.record("c", "q", 1.0, truncated=True)
    assert cheap.get("b", 100) is None
    assert cheap.get("a", 100).elapsed_ms == 1.0 and cheap.get("c", 100).truncated


def test_a_time_limit_below_what_the_query_took_sends_it_to_a_worker():
    cheap = CheapQueries(threshold_ms=50)
    cheap.record("q", "q", 20.0, truncated=False)
    assert cheap.get("q", 20) is not None
    assert cheap.get("q", 19) is None


def test_remembered_checks_follow_the_settings(settings):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    with pytest.raises(KGError) as refused:
        sparql.check(query, {**settings, "service_allowlist": []})
    assert refused.value.status == 403
    allowed = sparql.check(query, {**settings, "service_allowlist": ["http://127.0.0.1:9/sparql"]})
    assert allowed.services == ("http://127.0.0.1:9/sparql",)
    with pytest.raises(KGError) as again:  # the refusal was not remembered as a pass
        sparql.check(query, {**settings, "service_allowlist": []})
    assert again.value.status == 403


def solutions(body: bytes, fmt: str) -> list:
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        return sorted(map(tuple, rows[1:]))
    parsed = ox.parse_query_results(body, format={"json": ox.QueryResultsFormat.JSON,
                                                  "xml": ox.QueryResultsFormat.XML,
                                                  "tsv": ox.QueryResultsFormat.TSV}[fmt])
    names = [v.value for v in parsed.variables]
    return sorted((tuple(str(s[n]) for n in names) for s in parsed), key=str)


def parse_triples(body: bytes, fmt: str = "ntriples") -> set:
    from mha_kg.query import formats

    return {str(q.triple) for q in ox.parse(body, format=formats.by_name(fmt).oxigraph)}
