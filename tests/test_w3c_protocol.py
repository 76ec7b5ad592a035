"""The query side of the W3C SPARQL 1.1 Protocol test suite, against `mha-kg serve FILE...`.

Each test is one entry of the suite's manifest (w3c/rdf-tests, sparql11/
protocol/manifest.ttl), with the manifest's name, sent over real HTTP to a
real server on loopback. The suite's data0.rdf ... data3.rdf are the graphs of
tests/fixtures/protocol/dataset.trig; expected answers are computed from that
file with rdflib, never typed in.
"""

from __future__ import annotations

import io

import pytest
import requests
from rdflib import Dataset, Graph, URIRef

from .conftest import PROTOCOL_DATA

EX = "http://example.org/protocol/"
D1, D2, D3 = EX + "data1", EX + "data2", EX + "data3"
COUNT = "SELECT (COUNT(*) AS ?count) WHERE { ?s ?p ?o }"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def reference() -> Dataset:
    data = Dataset()
    data.parse(PROTOCOL_DATA, format="trig")
    return data


def size(reference: Dataset, *graphs: str) -> int:
    return sum(len(reference.graph(URIRef(g))) for g in graphs)


def count(response: requests.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["count"]["value"])


def test_query_get(protocol_server):
    r = requests.get(protocol_server + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert r.status_code == 200
    assert r.json()["boolean"] is True


def test_query_post_form(protocol_server):
    r = requests.post(protocol_server + "/sparql", data={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_query_post_direct(protocol_server):
    r = requests.post(protocol_server + "/sparql", data=b"ASK { ?s ?p ?o }",
                      headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_query_dataset_default_graph(protocol_server, reference):
    r = requests.get(protocol_server + "/sparql",
                     params={"query": COUNT, "default-graph-uri": D1}, timeout=30)
    assert count(r) == size(reference, D1)


def test_query_dataset_default_graphs_get(protocol_server, reference):
    r = requests.get(protocol_server + "/sparql",
                     params=[("query", COUNT), ("default-graph-uri", D1), ("default-graph-uri", D2)],
                     timeout=30)
    assert count(r) == size(reference, D1, D2)


def test_query_dataset_default_graphs_post(protocol_server, reference):
    r = requests.post(protocol_server + "/sparql",
                      data=[("query", COUNT), ("default-graph-uri", D1), ("default-graph-uri", D2)],
                      timeout=30)
    assert count(r) == size(reference, D1, D2)


NAMED = "SELECT ?g (COUNT(*) AS ?count) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def named_counts(response: requests.Response) -> dict[str, int]:
    assert response.status_code == 200, response.text
    return {b["g"]["value"]: int(b["count"]["value"]) for b in response.json()["results"]["bindings"]}


@pytest.mark.parametrize("method", ["get", "post"])
def test_query_dataset_named_graphs(protocol_server, reference, method):
    params = [("query", NAMED), ("named-graph-uri", D1), ("named-graph-uri", D2)]
    send = requests.get if method == "get" else requests.post
    r = send(protocol_server + "/sparql", **{"params" if method == "get" else "data": params},
             timeout=30)
    assert named_counts(r) == {D1: size(reference, D1), D2: size(reference, D2)}


def test_query_dataset_full(protocol_server, reference):
    query = "SELECT ?g ?x WHERE { { ?s ?p ?x } UNION { GRAPH ?g { ?s ?p ?x } } }"
    r = requests.get(protocol_server + "/sparql", params=[
        ("query", query), ("default-graph-uri", D3), ("named-graph-uri", D1), ("named-graph-uri", D2)],
        timeout=30)
    rows = r.json()["results"]["bindings"]
    in_default = [b for b in rows if "g" not in b]
    assert len(in_default) == size(reference, D3)
    assert {b["g"]["value"] for b in rows if "g" in b} == {D1, D2}


def test_query_multiple_dataset(protocol_server, reference):
    """The protocol's dataset overrides the query's FROM NAMED."""
    query = (f"SELECT ?g (COUNT(*) AS ?count) FROM NAMED <{D1}> "
             "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    r = requests.get(protocol_server + "/sparql", params={"query": query, "named-graph-uri": D2},
                     timeout=30)
    assert named_counts(r) == {D2: size(reference, D2)}


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
])
def test_query_content_type_select(protocol_server, accept, media):
    r = requests.get(protocol_server + "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"},
                     headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == media


@pytest.mark.parametrize("accept", ["application/sparql-results+xml", "application/sparql-results+json"])
def test_query_content_type_ask(protocol_server, accept):
    r = requests.get(protocol_server + "/sparql", params={"query": "ASK {}"}, headers={"Accept": accept},
                     timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].split(";")[0] == accept


@pytest.mark.parametrize("form", ["DESCRIBE <http://example.org/protocol/bob>",
                                  "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <http://example.org/protocol/data1> "
                                  "{ ?s ?p ?o } }"])
@pytest.mark.parametrize("accept, parser", [
    ("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
    ("application/n-triples", "nt"), ("application/ld+json", "json-ld")])
def test_query_content_type_describe_construct(protocol_server, reference, form, accept, parser):
    r = requests.get(protocol_server + "/sparql", params={"query": form}, headers={"Accept": accept},
                     timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].split(";")[0] == accept
    graph = Graph().parse(io.BytesIO(r.content), format=parser)
    assert set(graph) == set(reference.graph(URIRef(D1)))


def test_bad_query_method(protocol_server):
    assert requests.put(protocol_server + "/sparql", data={"query": "ASK {}"}, timeout=30).status_code == 405


def test_bad_multiple_queries(protocol_server):
    r = requests.get(protocol_server + "/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")],
                     timeout=30)
    assert r.status_code == 400 and "repeated" in r.text


def test_bad_query_wrong_media_type(protocol_server):
    r = requests.post(protocol_server + "/sparql", data=b"ASK {}", headers={"Content-Type": "text/plain"},
                      timeout=30)
    assert r.status_code == 415


def test_bad_query_missing_form_type(protocol_server):
    r = requests.post(protocol_server + "/sparql", data=b"query=ASK%20%7B%7D", headers={"Content-Type": ""},
                      timeout=30)
    assert 400 <= r.status_code < 500


def test_bad_query_missing_direct_type(protocol_server):
    r = requests.post(protocol_server + "/sparql", data=b"ASK {}", timeout=30)
    assert 400 <= r.status_code < 500


def test_bad_query_non_utf8(protocol_server):
    r = requests.post(protocol_server + "/sparql", data="ASK { ?s ?p \"é\" }".encode("utf-16"),
                      headers={"Content-Type": "application/sparql-query; charset=UTF-16"}, timeout=30)
    assert r.status_code == 400 and "UTF-8" in r.text


def test_bad_query_syntax(protocol_server):
    r = requests.get(protocol_server + "/sparql", params={"query": "ASK {"}, timeout=30)
    assert r.status_code == 400 and "syntax error" in r.text


@pytest.mark.parametrize("how", ["get", "post-form", "post-direct"])
def test_bad_update(protocol_server, how):
    update = "INSERT DATA { <http://example.org/x> <http://example.org/y> 1 }"
    if how == "get":
        r = requests.get(protocol_server + "/sparql", params={"update": update}, timeout=30)
    elif how == "post-form":
        r = requests.post(protocol_server + "/sparql", data={"update": update}, timeout=30)
    else:
        r = requests.post(protocol_server + "/sparql", data=update.encode(),
                          headers={"Content-Type": "application/sparql-update"}, timeout=30)
    assert 400 <= r.status_code < 500
    ask = requests.get(protocol_server + "/sparql", params={"query": "ASK { <http://example.org/x> ?p ?o }"},
                       timeout=30)
    assert ask.json()["boolean"] is False
