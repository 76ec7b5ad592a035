"""The OWL-RL closure lives in its own graph, answers the contract, and leaves the reasoner's noise out."""

from __future__ import annotations

import pytest

OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def count(kg, where: str) -> int:
    return int(kg.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")[0]["n"].value)


def test_inferred_graph_is_separate_and_not_empty(kg):
    assert count(kg, f"GRAPH <{kg.graph('inferred')}> {{ ?s ?p ?o }}") > 100
    assert count(kg, f"GRAPH <{kg.graph('data')}> {{ ?s a <http://www.w3.org/ns/org#Organization> }}") == 0
    assert count(kg, "?s a <http://www.w3.org/ns/org#Organization>") > 20


@pytest.mark.parametrize("noise", [
    f"?s a <{OWL}Thing>",
    f"?s a <{RDFS}Resource>",
    f"?s <{OWL}sameAs> ?s",
    f"?s <{OWL}sameAs> ?o",
    f"?c <{RDFS}subClassOf> ?c",
    f"?p <{RDFS}subPropertyOf> ?p",
    "?d a <http://www.w3.org/2000/01/rdf-schema#Datatype>",
    "<http://www.w3.org/2001/XMLSchema#integer> ?p ?o",
])
def test_reasoner_noise_never_reaches_answers(kg, noise):
    assert count(kg, noise) == 0


def test_no_statement_is_made_about_an_external_iri(kg):
    """Links point out; nothing, asserted or inferred, has ROR or Wikidata as its subject."""
    assert count(kg, 'FILTER(STRSTARTS(STR(?s), "https://ror.org/") || '
                     'STRSTARTS(STR(?s), "http://www.wikidata.org/")) ?s ?p ?o') == 0
