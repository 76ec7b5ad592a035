"""Dumps of the whole dataset in every RDF format, and the JSON-LD context.

Triple formats (Turtle, JSON-LD, N-Triples, RDF/XML) merge the asserted
graphs; quad formats (TriG, N-Quads) keep every named graph. `inferred=True`
adds the OWL-RL closure. Turtle is sorted and grouped by subject, with prefixes
declared, so a dump diffs cleanly.
"""

from __future__ import annotations

import json

from rdflib import Dataset

from ..build.store import ASSERTED_GRAPHS
from ..kg import KnowledgeGraph
from ..query import formats

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
    """The dump in one format, its statements in a fixed order: the same data gives the same
    bytes (and so the same checksum in DCAT and in a release) whichever engine holds it."""
    quads = sorted(kg.quads(export_graphs(kg, inferred)), key=str)
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


#: The entities a framed export is a list of; everything else they point at is embedded.
FRAMED_TYPES = ("http://www.w3.org/ns/org#Organization", "http://xmlns.com/foaf/0.1/Person",
                "https://schema.org/ResearchProject")


def framed_jsonld(kg: KnowledgeGraph, inferred: bool = False) -> bytes:
    """JSON-LD for web developers: one object per organisation, person and project.

    Nodes that are not entities themselves (lists and their items, figures,
    posts, places) are embedded where they are used, each once per entity;
    other entities stay references (`{"@id": ...}`), so the output is a tree
    per entity and never a cycle. Compacted with the published context.
    """
    context = jsonld_context(kg)["@context"]
    flat = json.loads(export(kg, formats.by_name("jsonld"), inferred=inferred))
    nodes = {node["@id"]: node for node in flat.get("@graph", [flat]) if "@id" in node}
    values = " ".join(f"<{t}>" for t in FRAMED_TYPES)
    entities = sorted({row["s"].value for row in kg.select(
        f"SELECT DISTINCT ?s WHERE {{ VALUES ?t {{ {values} }} ?s a ?t FILTER(isIRI(?s)) }}")})
    by_iri = {_expand(node_id, context): node_id for node_id in nodes}
    is_entity = {by_iri[iri] for iri in entities if iri in by_iri}

    def embed(value, seen: frozenset):
        if isinstance(value, list):
            return [embed(v, seen) for v in value]
        if isinstance(value, dict) and set(value) == {"@id"}:
            ref = value["@id"]
            if ref in nodes and ref not in is_entity and ref not in seen:
                return embed(nodes[ref], seen | {ref})
            return value
        if isinstance(value, dict):
            return {k: v if k.startswith("@") else embed(v, seen) for k, v in value.items()}
        return value

    graph = [embed(nodes[node_id], frozenset({node_id})) for node_id in sorted(is_entity)]
    return json.dumps({"@context": context, "@graph": graph}, indent=1, ensure_ascii=False).encode()


def _expand(node_id: str, context: dict) -> str:
    prefix, colon, local = node_id.partition(":")
    namespace = context.get(prefix) if colon else None
    return namespace + local if isinstance(namespace, str) and not local.startswith("//") else node_id
