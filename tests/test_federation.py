"""Federated queries without the internet: a second endpoint on loopback plays Wikidata.

The second server serves tests/fixtures/wikidata/russell-group.ttl; the main
server allows only that endpoint. The example query's Wikidata endpoint is
swapped for the fixture's, and its answer must be the join the fixture and
the curated links give. A SERVICE to any other address is refused with 403,
and a listening socket there sees no connection.
"""

from __future__ import annotations

import socket

import pytest
import requests
from rdflib import Graph, Literal, URIRef

from mha_kg.linking import common
from mha_kg.query import catalogue

from .conftest import FIXTURES, SHARED, serve

FIXTURE = FIXTURES / "wikidata" / "russell-group.ttl"
WIKIDATA = "https://query.wikidata.org/sparql"
P463 = URIRef("http://www.wikidata.org/prop/direct/P463")


@pytest.fixture(scope="module")
def servers(tmp_path_factory, state_dir, kg):
    with serve(str(FIXTURE), state_dir=tmp_path_factory.mktemp("wikidata")) as wikidata, \
            serve("--setting", "service_allowlist", f"{wikidata}/sparql", state_dir=state_dir) as main:
        yield main, wikidata


def expected_answer() -> set[tuple[str, str]]:
    """(our name, Wikidata IRI) from the fixture and the reference file, not from the server."""
    fixture = Graph().parse(FIXTURE)
    groups = set(fixture.subjects(URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
                                  Literal("Russell Group", lang="en")))
    members = {str(s) for s, _, o in fixture.triples((None, P463, None)) if o in groups}
    return {(row["entity"], row["iri"]) for row in common.read_csv(SHARED / "reference" / "external-ids.csv")
            if row["scheme"] == "wikidata" and row["iri"] in members}


def select(url: str, query: str) -> requests.Response:
    return requests.post(url + "/sparql", data={"query": query},
                         headers={"Accept": "application/sparql-results+json"}, timeout=60)


def test_the_example_query_joins_our_links_with_the_fixture(servers):
    main, wikidata = servers
    text = catalogue.get("wikidata-russell-group").text
    assert WIKIDATA in text
    response = select(main, text.replace(WIKIDATA, f"{wikidata}/sparql"))
    assert response.status_code == 200, response.text
    got = {(b["name"]["value"], b["wikidata"]["value"]) for b in response.json()["results"]["bindings"]}
    assert got == expected_answer()
    assert len(got) >= 3


def test_a_service_off_the_allowlist_is_refused_and_never_contacted(servers):
    main, _ = servers
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        response = select(main, query)
        assert response.status_code == 403
        assert "service_allowlist" in response.text
        listener.settimeout(0.5)
        with pytest.raises(TimeoutError):
            listener.accept()


def test_wikidata_is_off_by_default(client):
    response = client.get("/sparql", query_string={"query": catalogue.get("wikidata-russell-group").text})
    assert response.status_code == 403
