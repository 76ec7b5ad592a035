"""The releases in DCAT 3: a `dcat:DatasetSeries` whose members are the releases.

Each release is a `dcat:Dataset` `dcat:inSeries` the series, with `dcat:version`,
`dcterms:issued` and `dcat:previousVersion`; each of its files is a
`dcat:Distribution` with its download URL on this server, `dcat:byteSize`,
`dcat:mediaType` (the IANA media-type IRI, as DCAT 3 recommends) and an
`spdx:checksum` (SHA-256), the checksum property DCAT 3 adopted from SPDX.
The same graph is served at /releases/ and merged into the VoID description.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, XSD

from .release import Release, release_iri, series_iri

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # DCAT 3 terms (DatasetSeries, inSeries, version...)
SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


def series_graph(releases: list[Release], base: str, site: str, about: dict,
                 only: str | None = None) -> Graph:
    """The series and its releases (or only release `only`), with download URLs under `site`."""
    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dcterms", DCTERMS), ("spdx", SPDX), ("foaf", FOAF),
                              ("rdfs", RDFS), ("xsd", XSD)):
        graph.bind(prefix, namespace)
    series = URIRef(series_iri(base))
    graph.add((series, RDF.type, DCAT.DatasetSeries))
    graph.add((series, DCTERMS.title, Literal(f"{about['title']}: releases")))
    graph.add((series, DCTERMS.description, Literal(
        "Numbered releases that never change, each with dumps in every RDF format, SHA-256 checksums "
        "and a changelog against the previous one.", lang="en")))
    graph.add((series, FOAF.page, URIRef(f"{site}/releases/")))
    if about.get("license"):
        graph.add((series, DCTERMS.license, URIRef(about["license"])))
    if releases:
        graph.add((series, DCAT.first, URIRef(release_iri(base, releases[0].version))))
        graph.add((series, DCAT.last, URIRef(release_iri(base, releases[-1].version))))
    for release in releases:
        if only in (None, release.version):
            _release(graph, release, series, base, site, about)
    return graph


def _release(graph: Graph, release: Release, series: URIRef, base: str, site: str, about: dict) -> None:
    node = URIRef(release_iri(base, release.version))
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCAT.inSeries, series))
    graph.add((series, DCAT.seriesMember, node))
    graph.add((node, DCTERMS.title, Literal(f"{release.title} {release.version}")))
    graph.add((node, DCAT.version, Literal(release.version)))
    graph.add((node, DCTERMS.issued, Literal(release.issued, datatype=XSD.dateTime)))
    graph.add((node, FOAF.page, URIRef(f"{site}/releases/{release.version}/")))
    if release.previous:
        graph.add((node, DCAT.previousVersion, URIRef(release_iri(base, release.previous))))
    if about.get("license"):
        graph.add((node, DCTERMS.license, URIRef(about["license"])))
    for file in release.files:
        dist = URIRef(f"{release_iri(base, release.version)}#{file.name}")
        graph.add((node, DCAT.distribution, dist))
        graph.add((dist, RDF.type, DCAT.Distribution))
        graph.add((dist, DCTERMS.title, Literal(file.name)))
        graph.add((dist, DCAT.accessURL, URIRef(f"{site}/releases/{release.version}/")))
        graph.add((dist, DCAT.downloadURL, URIRef(f"{site}/releases/{release.version}/{file.name}")))
        graph.add((dist, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + file.media_type)))
        graph.add((dist, DCAT.byteSize, Literal(file.bytes, datatype=XSD.nonNegativeInteger)))
        graph.add((dist, DCTERMS.issued, Literal(release.issued, datatype=XSD.dateTime)))
        checksum = BNode()
        graph.add((dist, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(file.sha256, datatype=XSD.hexBinary)))
