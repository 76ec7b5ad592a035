"""What a /data/ document says about itself, as DBpedia's and Wikidata's data documents do.

A client that fetched `/data/organisation/x.ttl` should learn from the document
itself what it is about (`foaf:primaryTopic`), under which licence it may reuse
it, where the facts come from and when they last changed, without a second
request. The triples name the format-neutral document (`/data/organisation/x`),
so every serialisation, and the JSON-LD embedded in the entity's page, carry
the same graph.
"""

from __future__ import annotations

from datetime import datetime

import pyoxigraph as ox

from ..kg import KnowledgeGraph
from ..namespaces import DCTERMS, FOAF, RDF, XSD

#: The properties a data document describes itself with, in the order they are written.
SELF_DESCRIPTION = ("rdf:type foaf:Document", "foaf:primaryTopic", "dcterms:license", "dcterms:source",
                    "dcterms:modified", "dcterms:isPartOf")


def self_description(document: str, topic: str, about: dict, modified: datetime | None,
                     dataset: str | None = None) -> list[ox.Triple]:
    """The triples by which `document` (the URL it is served at) describes itself.

    >>> [str(t.predicate) for t in self_description("http://h/data/x", "http://b/id/x", {}, None)]
    ['<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>', '<http://xmlns.com/foaf/0.1/primaryTopic>']
    """
    doc = ox.NamedNode(document)
    triples = [ox.Triple(doc, ox.NamedNode(RDF + "type"), ox.NamedNode(FOAF + "Document")),
               ox.Triple(doc, ox.NamedNode(FOAF + "primaryTopic"), ox.NamedNode(topic))]
    for key in ("license", "source"):
        if about.get(key):
            triples.append(ox.Triple(doc, ox.NamedNode(DCTERMS + key), ox.NamedNode(about[key])))
    if modified is not None:
        stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
        triples.append(ox.Triple(doc, ox.NamedNode(DCTERMS + "modified"),
                                 ox.Literal(stamp, datatype=ox.NamedNode(XSD + "dateTime"))))
    if dataset:
        triples.append(ox.Triple(doc, ox.NamedNode(DCTERMS + "isPartOf"), ox.NamedNode(dataset)))
    return triples


def entity_iris(kg: KnowledgeGraph) -> list[str]:
    """Every resource the graph minted under the base, each of which has a page (for the sitemap)."""
    rows = kg.select(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && "
                     f"STRSTARTS(STR(?s), \"{kg.base}/id/\")) }} ORDER BY ?s")
    return [row["s"].value for row in rows]
