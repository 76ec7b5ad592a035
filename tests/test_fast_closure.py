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


CHAINS = b"""
    @prefix : <http://example.org/> .
    @prefix owl: <http://www.w3.org/2002/07/owl#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    :p rdfs:subPropertyOf :q . :q owl:inverseOf :r . :q rdfs:range :D . :D rdfs:subClassOf :E .
    :a :p _:b . _:b :p :c . :c :p "lit" . _:x a :D .
"""


def test_the_closure_written_into_a_graph_is_the_closure_with_its_blank_nodes():
    """add_fast_closure goes through Oxigraph's parser, which relabels blank nodes: an answer
    naming one must keep the labels of the asserted triples."""
    oxs = ox.Store()
    oxs.load(CHAINS, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:g:data"))
    expected = set(infer.fast_closure(oxs, ["urn:g:data"]))
    assert any(isinstance(t.subject, ox.BlankNode) for t in expected)
    documents = infer.add_fast_closure(oxs, ["urn:g:data"], "urn:g:inferred")
    written = {q.triple for q in oxs.quads_for_pattern(None, None, None, ox.NamedNode("urn:g:inferred"))}
    assert written == expected
    assert {q.triple for text in documents for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)} == expected
    blanks = {t for q in oxs.quads_for_pattern(None, None, None, ox.NamedNode("urn:g:data"))
              for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
    assert {t.subject for t in written if isinstance(t.subject, ox.BlankNode)} <= blanks
