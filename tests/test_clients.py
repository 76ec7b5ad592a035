"""Real SPARQL clients against the real server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from .conftest import PROTOCOL_DATA

D1 = "http://example.org/protocol/data1"


def reference_graph(name: str) -> set:
    data = Dataset()
    data.parse(PROTOCOL_DATA, format="trig")
    return set(data.graph(URIRef(name)))


def test_sparqlwrapper_select_json(protocol_server):
    client = SPARQLWrapper(protocol_server + "/sparql")
    client.setQuery(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{D1}> {{ ?s ?p ?o }} }}")
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert len(rows) == len(reference_graph(D1))


def test_sparqlwrapper_construct_turtle(protocol_server):
    client = SPARQLWrapper(protocol_server + "/sparql")
    client.setQuery(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{D1}> {{ ?s ?p ?o }} }}")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert set(graph) == reference_graph(D1)


def test_sparqlwrapper_ask_by_post(protocol_server):
    client = SPARQLWrapper(protocol_server + "/sparql")
    client.setMethod("POST")
    client.setQuery("ASK { ?s <http://xmlns.com/foaf/0.1/name> \"Bob\" }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


def test_rdflib_sparqlstore(protocol_server):
    graph = Graph(store=SPARQLStore(protocol_server + "/sparql", returnFormat="json"))
    query = f"SELECT ?o WHERE {{ GRAPH <{D1}> {{ ?s <http://xmlns.com/foaf/0.1/name> ?o }} }}"
    rows = list(graph.query(query))
    assert [str(row[0]) for row in rows] == ["Bob"]
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
