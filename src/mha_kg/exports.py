"""Dumps of the whole dataset in every RDF format, and the JSON-LD context.

Triple formats (Turtle, JSON-LD, N-Triples, RDF/XML) merge the asserted
graphs; quad formats (TriG, N-Quads) keep every named graph. `inferred=True`
adds the OWL-RL closure. Turtle is sorted and grouped by subject, with prefixes
declared, so a dump diffs cleanly.
"""

from __future__ import annotations

from rdflib import Dataset

from . import formats
from .kg import KnowledgeGraph
from .store import ASSERTED_GRAPHS

#: Short names in the published JSON-LD context, besides the prefixes.
CONTEXT_TERMS = {
    "name": "schema:name",
    "label": "rdfs:label",
    "description": "schema:description",
    "alternateName": "schema:alternateName",
    "url": {"@id": "schema:url", "@type": "@id"},
    "homepage": {"@id": "foaf:homepage", "@type": "@id"},
    "sameAs": {"@id": "schema:sameAs", "@type": "@id"},
    "exactMatch": {"@id": "skos:exactMatch", "@type": "@id"},
    "memberOf": {"@id": "org:memberOf", "@type": "@id"},
    "hasMember": {"@id": "org:hasMember", "@type": "@id"},
    "subOrganizationOf": {"@id": "org:subOrganizationOf", "@type": "@id"},
    "worksFor": {"@id": "schema:worksFor", "@type": "@id"},
    "jobTitle": "schema:jobTitle",
    "givenName": "schema:givenName",
    "familyName": "schema:familyName",
    "honorificPrefix": "schema:honorificPrefix",
    "wasDerivedFrom": {"@id": "prov:wasDerivedFrom", "@type": "@id"},
}


def jsonld_context(kg: KnowledgeGraph) -> dict:
    """The @context published at /context.jsonld and used by every JSON-LD output."""
    return {"@context": {**kg.prefixes, **CONTEXT_TERMS}}


def export_graphs(kg: KnowledgeGraph, inferred: bool) -> list[str]:
    names = [kg.graph(name) for name in ASSERTED_GRAPHS]
    if inferred:
        names.append(kg.graph("inferred"))
    present = set(kg.graph_names())
    if kg.build is not None and not any(kg.graph(n) in present for n in ASSERTED_GRAPHS):
        return sorted(present)  # a store of user files: their graphs are the dataset
    return [name for name in names if name in present]


def export(kg: KnowledgeGraph, fmt: formats.Format, inferred: bool = False) -> bytes:
    quads = kg.quads(export_graphs(kg, inferred))
    if fmt.kind == "dataset":
        return formats.write_triples(quads, fmt, kg.prefixes)
    if fmt.name == "turtle":
        return pretty_turtle(quads, kg.prefixes)
    context = jsonld_context(kg)["@context"] if fmt.name == "jsonld" else None
    return formats.write_triples(quads, fmt, kg.prefixes, context=context)


def pretty_turtle(quads: list, prefixes: dict[str, str]) -> bytes:
    """Turtle as people write it: prefixes, subjects grouped, a stable order.

    Oxigraph's writer keeps every literal's lexical form as stored (rdflib's
    rewrites `"53"^^xsd:decimal` as `53.0`, a different literal) and groups
    consecutive statements of a subject, so sorting first gives a dump that
    diffs cleanly from one build to the next.
    """
    import pyoxigraph as ox

    triples = sorted({q.triple for q in quads}, key=_turtle_order)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def _turtle_order(triple) -> tuple:
    import pyoxigraph as ox

    subject, predicate = triple.subject, triple.predicate
    return (isinstance(subject, ox.BlankNode), subject.value,
            predicate.value != RDF_TYPE, predicate.value, str(triple.object))


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def as_rdflib(quads: list) -> Dataset:
    """The quads as an rdflib Dataset (tests compare exports with it)."""
    import pyoxigraph as ox

    data = Dataset()
    data.parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode(), format="nquads")
    return data
