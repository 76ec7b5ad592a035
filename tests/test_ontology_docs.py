"""The ontology's IRI documents every class and property of ontology/mha.ttl, and serves it as RDF."""

from __future__ import annotations

from bs4 import BeautifulSoup
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from .conftest import ROOT

MHA = "https://w3id.org/mha-kg/def/"


def ontology_terms() -> list[tuple[str, str, str]]:
    graph = Graph().parse(ROOT / "ontology" / "mha.ttl")
    terms = []
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in graph.subjects(RDF.type, kind):
            if str(term).startswith(MHA):
                terms.append((str(term)[len(MHA):], str(graph.value(term, RDFS.label)),
                              str(graph.value(term, RDFS.comment))))
    return terms


def test_every_term_is_documented_with_label_and_comment(client):
    response = client.get("/def", headers={"Accept": "text/html"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.data, "html.parser")
    terms = ontology_terms()
    assert len(terms) > 20
    for name, label, comment in terms:
        section = soup.find(id=name)
        assert section is not None, name
        assert section.select_one(".label").get_text() == label
        assert section.select_one(".comment").get_text() == comment


def test_ontology_and_terms_as_rdf(client):
    graph = Graph().parse(data=client.get("/def", headers={"Accept": "text/turtle"}).data.decode(),
                          format="turtle")
    source = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):  # the ontology graph is every file in ontology/
        source.parse(path)
    assert len(graph) == len(source)
    term = Graph().parse(data=client.get("/def/Person.jsonld").data.decode(), format="json-ld")
    assert str(term.value(predicate=RDFS.label, subject=next(iter(term.subjects())))) == "person"
    page = client.get("/def/Person", headers={"Accept": "text/html"})
    assert page.status_code == 200 and b"A person named by the source." in page.data
    assert client.get("/def/NoSuchTerm", headers={"Accept": "text/html"}).status_code == 404
