"""The fast closure entails exactly what owlrl does (minus its noise), on the real data and more."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import OWL, RDF

from mha_kg.build import dataset, infer, store


def _fast(graph: Graph) -> set:
    return set(infer.materialise(graph))


def test_fast_closure_equals_owlrl_on_the_shipped_dataset(settings):
    inputs = dataset.project_inputs(settings)
    asserted = dataset.graph_of(dataset.load(inputs), inputs.base, *store.ASSERTED_GRAPHS)
    slow = set(infer.closure(asserted))
    assert slow, "the shipped data entails something"
    assert _fast(asserted) == slow


def test_fast_closure_follows_chains_of_inverses_subproperties_and_classes():
    data = Graph().parse(format="turtle", data="""
        @prefix : <http://example.org/> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        :p rdfs:subPropertyOf :q . :q owl:inverseOf :r . :r owl:equivalentProperty :s .
        :s rdfs:domain :D . :D rdfs:subClassOf :E . :E owl:equivalentClass :F .
        :t a owl:SymmetricProperty ; rdfs:range :D .
        :a :p :b . :c :t "lit" . :c :t :d .
    """)
    assert _fast(data) == set(infer.closure(data))


def test_rich_schemas_fall_back_to_owlrl():
    g = "urn:g"
    oxs = ox.Store()
    prop = ox.NamedNode("http://example.org/p")
    oxs.add(ox.Quad(prop, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(OWL.TransitiveProperty)),
                    ox.NamedNode(g)))
    assert infer.fast_closure(oxs, [g]) is None
    chained = Graph().parse(format="turtle", data="""
        @prefix : <http://example.org/> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        :p a owl:TransitiveProperty . :a :p :b . :b :p :c .""")
    assert set(infer.materialise(chained)) == set(infer.closure(chained))
