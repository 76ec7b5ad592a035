"""VoID and DCAT descriptions of the dataset, and the "about" fields every page shows.

Title, description, licence and source are read from the ontology header
(the ODK habit of keeping the licence there), so the pages, the footer, the
VoID description and `/-/metadata.json` all say the same thing and none of
them hard-codes it.

`linksets(kg)` counts the `schema:sameAs` links from the graph to each
external dataset (ROR, Wikidata, ORCID...); it is the hook the linking code
feeds simply by adding links to the graph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from urllib.parse import urlsplit

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, VOID, XSD

from ..kg import KnowledgeGraph
from ..query import formats

DUMP_NAME = "mha-kg"

#: SPDX terms, as DCAT 3 uses them for a distribution's checksum (spdx:checksum).
SPDX = Namespace("http://spdx.org/rdf/terms#")

#: External datasets a link can point into, by the start of their IRIs.
KNOWN_TARGETS = {
    "https://ror.org/": "Research Organization Registry (ROR)",
    "http://www.wikidata.org/entity/": "Wikidata",
    "https://orcid.org/": "ORCID",
    "https://odsportal.digital.nhs.uk/": "NHS Organisation Data Service",
    "https://directory.spineservices.nhs.uk/ORD/2-0-0/organisations/": "NHS Organisation Data Service (ODS)",
    "https://www.grid.ac/institutes/": "GRID",
    "https://isni.org/isni/": "ISNI",
    "https://doi.org/10.13039/": "Crossref Funder Registry (FundRef)",
}


def about(kg: KnowledgeGraph) -> dict[str, str | None]:
    """Title, description, licence, source and version from the ontology header."""
    rows = kg.select(
        "PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX owl: <http://www.w3.org/2002/07/owl#> "
        f"SELECT ?title ?description ?license ?source ?version WHERE {{ "
        f"OPTIONAL {{ <{kg.ontology}> dcterms:title ?title }} "
        f"OPTIONAL {{ <{kg.ontology}> dcterms:description ?description }} "
        f"OPTIONAL {{ <{kg.ontology}> dcterms:license ?license }} "
        f"OPTIONAL {{ <{kg.ontology}> dcterms:source ?source }} "
        f"OPTIONAL {{ <{kg.ontology}> owl:versionInfo ?version }} }} LIMIT 1")
    row = rows[0] if rows else {}
    found = {key: (row.get(key).value if row.get(key) is not None else None)
             for key in ("title", "description", "license", "source", "version")}
    # The ontology's title names the ontology; the dataset is the graph it describes.
    title = (found["title"] or "").removesuffix(" ontology").strip()
    found["title"] = title or "Midlands Health Alliance knowledge graph"
    return found


def linksets(kg: KnowledgeGraph) -> list[dict]:
    """Links to other datasets: (target namespace, label, count) per external namespace."""
    rows = kg.select("SELECT ?o WHERE { ?s <https://schema.org/sameAs> ?o FILTER(isIRI(?o)) }")
    counts: dict[str, int] = {}
    for row in rows:
        iri = row["o"].value
        if iri.startswith(kg.base + "/"):
            continue
        target = next((ns for ns in KNOWN_TARGETS if iri.startswith(ns)), None)
        if target is None:
            parts = urlsplit(iri)
            target = f"{parts.scheme}://{parts.netloc}/"
        counts[target] = counts.get(target, 0) + 1
    return [{"target": t, "title": KNOWN_TARGETS.get(t, t), "triples": n,
             "predicate": "https://schema.org/sameAs"} for t, n in sorted(counts.items())]


def dump_formats() -> list[formats.Format]:
    """Every RDF format a dump is offered in (triples and quads)."""
    return formats.for_kind("graph")


def dataset_iri(kg: KnowledgeGraph) -> str:
    return f"{kg.base}/dataset"


def void_graph(kg: KnowledgeGraph, site: str,
               dump_body: Callable[[formats.Format], bytes] | None = None) -> Graph:
    """The VoID + DCAT description, with URLs of the server at `site` (no trailing slash).

    With `dump_body` (the bytes of the dump in a format), each distribution states its
    `dcat:byteSize` and SHA-256 `spdx:checksum`, so a download can be checked.
    """
    info = about(kg)
    stats = kg.stats()
    graph = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF),
                       ("spdx", SPDX)):
        graph.bind(prefix, ns)
    ds = URIRef(dataset_iri(kg))
    graph.add((ds, RDF.type, VOID.Dataset))
    graph.add((ds, RDF.type, DCAT.Dataset))
    graph.add((ds, DCTERMS.title, Literal(info["title"])))
    if info["description"]:
        graph.add((ds, DCTERMS.description, Literal(info["description"])))
    for key, prop in (("license", DCTERMS.license), ("source", DCTERMS.source)):
        if info[key]:
            graph.add((ds, prop, URIRef(info[key])))
    graph.add((ds, FOAF.homepage, URIRef(site + "/")))
    graph.add((ds, VOID.sparqlEndpoint, URIRef(site + "/sparql")))
    graph.add((ds, VOID.uriSpace, Literal(kg.base + "/id/")))
    graph.add((ds, VOID.vocabulary, URIRef(kg.ontology)))
    graph.add((ds, VOID.triples, Literal(stats["triples"], datatype=XSD.integer)))
    entities = kg.select(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o "
                         f"FILTER(STRSTARTS(STR(?s), \"{kg.base}/id/\")) }}")
    graph.add((ds, VOID.entities, Literal(int(entities[0]["n"].value), datatype=XSD.integer)))
    graph.add((ds, VOID.classes, Literal(len(stats["entities_by_type"]), datatype=XSD.integer)))
    graph.add((ds, VOID.properties, Literal(len(stats["properties"]), datatype=XSD.integer)))
    # Blank nodes named in a fixed order, so the same data always serialises to the same bytes
    # (the strong ETag of /.well-known/void is the hash of its body).
    for index, (class_iri, count) in enumerate(sorted(stats["entities_by_type"].items())):
        part = BNode(f"class-partition-{index:03d}")
        graph.add((ds, VOID.classPartition, part))
        graph.add((part, VOID["class"], URIRef(class_iri)))
        graph.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    for example in example_resources(kg):
        graph.add((ds, VOID.exampleResource, URIRef(example)))
    for fmt in dump_formats():
        url = URIRef(f"{site}/dumps/{DUMP_NAME}.{fmt.suffix}")
        graph.add((ds, VOID.dataDump, url))
        dist = URIRef(f"{site}/dumps/{DUMP_NAME}.{fmt.suffix}#distribution")
        graph.add((ds, DCAT.distribution, dist))
        graph.add((dist, RDF.type, DCAT.Distribution))
        graph.add((dist, DCAT.downloadURL, url))
        graph.add((dist, DCAT.mediaType, Literal(fmt.media_type)))
        graph.add((dist, DCTERMS.title, Literal(f"{info['title']} ({fmt.label})")))
        if info["license"]:
            graph.add((dist, DCTERMS.license, URIRef(info["license"])))
        if dump_body is not None:
            add_size_and_checksum(graph, dist, dump_body(fmt))
    for index, link in enumerate(linksets(kg)):
        linkset = URIRef(f"{dataset_iri(kg)}#linkset-{index + 1}")
        graph.add((ds, VOID.subset, linkset))
        graph.add((linkset, RDF.type, VOID.Linkset))
        graph.add((linkset, VOID.subjectsTarget, ds))
        graph.add((linkset, VOID.objectsTarget, URIRef(link["target"])))
        graph.add((linkset, VOID.linkPredicate, URIRef(link["predicate"])))
        graph.add((linkset, VOID.triples, Literal(link["triples"], datatype=XSD.integer)))
        graph.add((linkset, DCTERMS.title, Literal(f"Links to {link['title']}")))
    return graph


def add_size_and_checksum(graph: Graph, distribution: URIRef, body: bytes) -> None:
    """dcat:byteSize and a SHA-256 spdx:checksum of a distribution's bytes (as DCAT 3 recommends)."""
    graph.add((distribution, DCAT.byteSize, Literal(len(body), datatype=XSD.nonNegativeInteger)))
    digest = hashlib.sha256(body).hexdigest()
    checksum = BNode(f"checksum-{digest[:16]}")
    graph.add((distribution, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(digest, datatype=XSD.hexBinary)))


def example_resources(kg: KnowledgeGraph) -> list[str]:
    """A few resources worth looking at first: the alliance and its associated organisations."""
    rows = kg.select(
        "SELECT DISTINCT ?o WHERE { ?mha ?p ?o . ?p <http://www.w3.org/2000/01/rdf-schema#label> "
        "\"associated organisation\"@en } ORDER BY ?o LIMIT 3")
    examples = [r["o"].value for r in rows]
    if not examples:
        rows = kg.select(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "
                         f"\"{kg.base}/id/\")) }} ORDER BY ?s LIMIT 3")
        examples = [r["s"].value for r in rows]
    return examples
