"""Namespaces and the IRIs the project mints (see docs/iris.md).

The Turtle files are written against `DEFAULT_BASE`; a deployment under
another base rewrites them at load time, so every minted IRI is built here
from the configured base and nowhere else.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD

DEFAULT_BASE = "https://w3id.org/mha-kg"

SCHEMA = Namespace("https://schema.org/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

#: Prefixes used in exports, on pages and offered to query editors.
STANDARD_PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "sh": str(SH),
    "void": str(VOID),
    "dcat": str(DCAT),
}

#: The named graphs, in load order. Each `data/<name>/` folder feeds its graph.
GRAPH_NAMES = ("ontology", "data", "links", "memberships", "enrichment", "inferred")


def project_prefixes(base: str) -> dict[str, str]:
    """The project's own prefixes under a base, as used in its Turtle files."""
    return {
        "mha": f"{base}/def/",
        "o": f"{base}/id/organisation/",
        "person": f"{base}/id/person/",
        "project": f"{base}/id/project/",
        "role": f"{base}/id/role/",
        "post": f"{base}/id/post/",
        "list": f"{base}/id/list/",
        "figure": f"{base}/id/figure/",
        "source": f"{base}/id/source/",
    }


def all_prefixes(base: str) -> dict[str, str]:
    return {**STANDARD_PREFIXES, **project_prefixes(base)}


def graph_iri(base: str, name: str) -> str:
    return f"{base}/graph/{name}"


def ontology_iri(base: str) -> str:
    return f"{base}/def"
