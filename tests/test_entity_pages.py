"""Entity IRIs dereference: 303 by Accept, RDF by suffix, HTML pages with neighbours both ways."""

from __future__ import annotations

import pytest
import requests
from bs4 import BeautifulSoup
from rdflib import Graph, URIRef

BASE = "https://w3id.org/mha-kg"
HDR = f"{BASE}/id/organisation/hdr-uk-midlands"
RDF_SUFFIXES = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}


@pytest.mark.parametrize(("accept", "location"), [
    ("text/html,application/xhtml+xml,*/*;q=0.8", "/page/organisation/hdr-uk-midlands"),
    ("text/turtle", "/data/organisation/hdr-uk-midlands.ttl"),
    ("application/ld+json", "/data/organisation/hdr-uk-midlands.jsonld"),
    ("application/n-triples", "/data/organisation/hdr-uk-midlands.nt"),
    ("application/rdf+xml", "/data/organisation/hdr-uk-midlands.rdf"),
])
def test_id_answers_303_by_accept(live_server, accept, location):
    response = requests.get(live_server + "/id/organisation/hdr-uk-midlands", headers={"Accept": accept},
                            allow_redirects=False, timeout=30)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(location)
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("suffix", RDF_SUFFIXES)
def test_data_by_suffix_parses_back_with_the_entitys_statements(client, suffix):
    response = client.get(f"/data/organisation/hdr-uk-midlands.{suffix}")
    assert response.status_code == 200
    graph = Graph().parse(data=response.data.decode(), format=RDF_SUFFIXES[suffix])
    hdr = URIRef(HDR)
    names = {str(o) for o in graph.objects(hdr, URIRef("https://schema.org/name"))}
    assert names == {"Health Data Research UK Midlands"}
    members = set(graph.objects(hdr, URIRef("http://www.w3.org/ns/org#hasMember")))
    assert URIRef(f"{BASE}/id/organisation/university-of-warwick") in members
    # incoming statements too: the alliance lists it as associated
    assert (URIRef(f"{BASE}/id/organisation/midlands-health-alliance"), None, hdr) in graph


def test_entity_page_shows_neighbours_incoming_links_and_alternates(client):
    response = client.get("/page/organisation/hdr-uk-midlands", headers={"Accept": "text/html"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.h1.get_text() == "Health Data Research UK Midlands"
    outgoing = {a.get_text(): a["href"] for a in soup.select("section.outgoing a")}
    assert outgoing["University of Warwick"] == "/id/organisation/university-of-warwick"
    incoming = {a.get_text(): a["href"] for a in soup.select("section.incoming a")}
    assert incoming["Midlands Health Alliance"] == "/id/organisation/midlands-health-alliance"
    assert "inferred" in soup.select_one("section.outgoing").get_text()
    assert soup.select("section.provenance a")
    assert "/query?query=" in soup.select_one("a.query-link")["href"]
    alternates = {link["type"] for link in soup.select('link[rel="alternate"]')}
    wanted = {"text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"}
    assert wanted <= alternates
    assert 'rel="alternate"; type="text/turtle"' in response.headers["Link"]
    assert "This data as" in soup.select_one(".alternates").get_text()
    footer = soup.select_one("footer").get_text()
    assert "Queries took" in footer and "Data licence" in footer and "Data source" in footer


def test_unknown_entity_is_a_404_page(client):
    response = client.get("/id/organisation/no-such-thing", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert BeautifulSoup(response.data, "html.parser").select_one(".error")


def test_hostile_input_is_escaped(client):
    hostile = "<script>alert(1)</script>"
    response = client.get("/query", query_string={"query": hostile}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert b"<script>alert(1)" not in response.data
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.select_one("#yasgui")["data-initial"] == hostile
    page = client.get("/page/organisation/%3Cscript%3E", headers={"Accept": "text/html"})
    assert page.status_code == 404 and b"<script>" not in page.data


def test_class_listing_pages_with_json_and_csv_twins(client, kg):
    total = kg.stats()["entities_by_type"]["https://schema.org/CollegeOrUniversity"]
    first = client.get("/types/schema:CollegeOrUniversity.json?_size=2").get_json()
    assert first["total"] == total and len(first["rows"]) == 2
    second = client.get(first["next"]).get_json()
    assert not {r["iri"] for r in first["rows"]} & {r["iri"] for r in second["rows"]}
    csv_text = client.get("/types/schema:CollegeOrUniversity.csv").data.decode()
    assert "University of Warwick" in csv_text
    html = client.get("/types/schema:CollegeOrUniversity", headers={"Accept": "text/html"})
    assert html.status_code == 200 and b"University of Leicester" in html.data
    assert client.get("/types/schema:Person?_size=abc").status_code == 400
