"""Curated links from external-ids.csv: verified identifiers only, never from memory.

Each row whose entity is in the graph (by exact name or alternate name, see
`common.find_entity`) becomes, in the `links` graph:

- for ror, wikidata, grid, isni, fundref and ods: `schema:sameAs` and
  `skos:exactMatch` to the canonical IRI (never `owl:sameAs`, which would
  copy statements onto the external IRI);
- for website: `foaf:homepage` and `schema:url`, only where the graph states
  no homepage already;
- a link record (`<base>/id/link/<scheme>/<entity>`), an `rdf:Statement`
  naming the link it records, with where it was verified (`dcterms:source`,
  `prov:wasDerivedFrom`), the quoted evidence and the date.

Rows whose entity is not in the graph are skipped and reported: "UK Clinical
Research Collaboration" is not linked to the UKCRC Tissue Directory, whose
name merely contains "UKCRC".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS

from ..namespaces import SCHEMA
from .common import date_literal, find_entity, homepages, iri, names_index, new_graph, read_csv

SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
IDENTIFIER_SCHEMES = ("ror", "wikidata", "grid", "isni", "fundref", "ods")


@dataclass
class Outcome:
    graph: Graph
    linked: list[tuple[str, str, str]] = field(default_factory=list)  # entity, scheme, iri
    skipped: list[tuple[str, str]] = field(default_factory=list)  # entity, why


def build(reference: Path, data: Graph, base: str, date: str) -> Outcome:
    """The curated links graph for the entities of `data` (data + memberships files)."""
    index = names_index(data)
    graph = new_graph()
    graph.bind("sssom", SSSOM)
    graph.bind("semapv", SEMAPV)
    source_doc = iri(base, "source", "reference-external-ids")
    graph.add((source_doc, RDF.type, URIRef("https://w3id.org/mha-kg/def/SourceDocument")))
    graph.add((source_doc, DCTERMS.title, Literal(
        "Reference data: verified external identifiers (shared/reference/external-ids.csv)")))
    outcome = Outcome(graph)
    for row in read_csv(reference / "external-ids.csv"):
        entity = find_entity(row["entity"], index)
        if entity is None:
            outcome.skipped.append((row["entity"], "not an entity of the graph"))
            continue
        target = URIRef(row["iri"])
        if row["scheme"] in IDENTIFIER_SCHEMES:
            graph.add((entity, SCHEMA.sameAs, target))
            graph.add((entity, SKOS.exactMatch, target))
            predicate = SKOS.exactMatch
        elif row["scheme"] == "website":
            if homepages(data, entity):
                outcome.skipped.append((row["entity"], "website: the graph states a homepage already"))
                continue
            graph.add((entity, FOAF.homepage, target))
            graph.add((entity, SCHEMA.url, target))
            predicate = FOAF.homepage
        else:
            outcome.skipped.append((row["entity"], f"unknown scheme {row['scheme']!r}"))
            continue
        _record(graph, base, entity, predicate, target, row, date, source_doc)
        outcome.linked.append((str(entity), row["scheme"], row["iri"]))
    return outcome


def _record(graph: Graph, base: str, entity: URIRef, predicate: URIRef, target: URIRef, row: dict,
            date: str, source_doc: URIRef) -> None:
    """The provenance of one link, as a reified statement (no RDF-star needed)."""
    record = iri(base, "link", row["scheme"], str(entity).rsplit("/", 1)[1])
    graph.add((record, RDF.type, RDF.Statement))
    graph.add((record, RDF.type, PROV.Entity))
    graph.add((record, RDF.subject, entity))
    graph.add((record, RDF.predicate, predicate))
    graph.add((record, RDF.object, target))
    graph.add((record, RDFS.label, Literal(f"{row['scheme']} link of {row['entity']}")))
    graph.add((record, SSSOM.mapping_justification, SEMAPV.ManualMappingCuration))
    graph.add((record, DCTERMS.source, Literal(row["source"])))
    graph.add((record, DCTERMS.description, Literal(row["evidence"])))
    graph.add((record, DCTERMS.created, date_literal(date)))
    graph.add((record, PROV.wasDerivedFrom, source_doc))
