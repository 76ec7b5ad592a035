"""Facts from linked ROR records, in the `enrichment` graph, each traceable to its record.

For every organisation linked to a ROR IRI (curated or reconciled) whose
record is in the dump, the enrichment graph says about OUR entity:

- `schema:foundingDate` (xsd:gYear) from `established`, only where the source
  text states no founding date (NIHR SPCR's "Established in 2006" stays the
  only one for it);
- `schema:location`, a `schema:Place` (`<base>/id/place/<city>`) with
  `schema:geo` `schema:GeoCoordinates` (xsd:decimal latitude and longitude);
- `foaf:homepage` and `schema:url`, only where the graph states no homepage;
- `dcterms:type`, ROR's organisation types ("education", "healthcare" ...);
- parent and child organisations: `schema:parentOrganization` /
  `schema:subOrganization` when the related record is linked to one of our
  entities, else `dcterms:isPartOf` / `dcterms:hasPart` to the ROR IRI (a
  link target only: no inverse is declared, so no statement lands on it).

Provenance: one `prov:Entity` per record (`<base>/id/enrichment/ror/<id>`),
`prov:wasDerivedFrom` the ROR IRI, with the file and git blob it was read
from and the date; the organisation is `prov:wasDerivedFrom` it. Pages mark
statements of this graph as coming from ROR.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, XSD

from ..namespaces import SCHEMA
from .common import date_literal, homepages, iri, new_graph, slug
from .ror import ror_links
from .rordump import RorRecord

ROR_PREFIX = "https://ror.org/"


@dataclass
class Outcome:
    graph: Graph
    enriched: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # facts left out: the source states its own
    missing: list[str] = field(default_factory=list)  # linked ROR ids not in the dump


def build(data: Graph, links: Graph, records: list[RorRecord], base: str, date: str) -> Outcome:
    by_id = {r.id: r for r in records}
    pairs = ror_links(links)
    ours = {ror: entity for entity, ror in pairs}
    outcome = Outcome(new_graph())
    for entity, ror in pairs:
        record = by_id.get(ror)
        if record is None:
            outcome.missing.append(ror)
            continue
        _enrich(outcome, data, entity, record, ours, base, date)
        outcome.enriched.append(str(entity))
    return outcome


def _enrich(outcome: Outcome, data: Graph, entity: URIRef, record: RorRecord, ours: dict[str, URIRef],
            base: str, date: str) -> None:
    graph = outcome.graph
    prov = iri(base, "enrichment", "ror", record.id.removeprefix(ROR_PREFIX))
    for p, o in ((RDF.type, PROV.Entity), (PROV.wasDerivedFrom, URIRef(record.id)),
                 (RDFS.label, Literal(f"ROR record {record.id} ({record.name}), schema {record.schema}")),
                 (DCTERMS.source, Literal(record.source)), (DCTERMS.created, date_literal(date)),
                 (DCTERMS.subject, entity)):
        graph.add((prov, p, o))
    graph.add((entity, PROV.wasDerivedFrom, prov))
    if record.established:
        if data.value(entity, SCHEMA.foundingDate) is None:
            graph.add((entity, SCHEMA.foundingDate, Literal(str(record.established), datatype=XSD.gYear)))
        else:
            outcome.kept.append(f"{entity} schema:foundingDate (ROR says {record.established})")
    if record.city and record.lat is not None and record.lon is not None:
        _place(graph, base, entity, record, prov)
    if record.websites and not homepages(data, entity):
        graph.add((entity, FOAF.homepage, URIRef(record.websites[0])))
        graph.add((entity, SCHEMA.url, URIRef(record.websites[0])))
    for kind in record.types:
        graph.add((entity, DCTERMS.type, Literal(kind)))
    for relation, related, _ in record.relationships:
        mine = ours.get(related)
        if relation == "parent":
            graph.add((entity, *((SCHEMA.parentOrganization, mine) if mine
                                 else (DCTERMS.isPartOf, URIRef(related)))))
        elif relation == "child":
            graph.add((entity, *((SCHEMA.subOrganization, mine) if mine
                                 else (DCTERMS.hasPart, URIRef(related)))))


def _place(graph: Graph, base: str, entity: URIRef, record: RorRecord, prov: URIRef) -> None:
    place = iri(base, "place", slug(record.city))
    geo = URIRef(f"{place}/geo")
    graph.add((entity, SCHEMA.location, place))
    graph.add((place, RDF.type, SCHEMA.Place))
    graph.add((place, SCHEMA.name, Literal(record.city)))
    graph.add((place, SCHEMA.addressCountry, Literal(record.country)))
    graph.add((place, SCHEMA.geo, geo))
    graph.add((place, PROV.wasDerivedFrom, prov))
    graph.add((geo, RDF.type, SCHEMA.GeoCoordinates))
    graph.add((geo, SCHEMA.latitude, Literal(str(float(record.lat)), datatype=XSD.decimal)))
    graph.add((geo, SCHEMA.longitude, Literal(str(float(record.lon)), datatype=XSD.decimal)))
