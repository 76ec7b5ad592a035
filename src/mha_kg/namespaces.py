"""Namespaces and the IRIs the project mints (see docs/iris.md).

The Turtle files are written against `DEFAULT_BASE`; a deployment under
another base rewrites them at load time, so every minted IRI is built here
from the configured base and nowhere else.
"""

from __future__ import annotations

import re

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


# ---------------------------------------------------------------------------
# Curated changes (curate/changes.py): one named graph per changeset
# ---------------------------------------------------------------------------

#: A change id is slug-safe: letters, digits, `-`, `_` and `.`, at most 80 characters.
CHANGE_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}"


def change_graph_iri(base: str, change_id: str) -> str:
    """The named graph that holds one changeset: `<base>/graph/change/<id>`."""
    return f"{base}/graph/change/{change_id}"


def change_iri(base: str, change_id: str) -> str:
    """The changeset itself, a prov:Activity: `<base>/id/change/<id>`."""
    return f"{base}/id/change/{change_id}"


def curator_iri(base: str, slug: str) -> str:
    """A curator, the prov:Agent of changesets: `<base>/id/curator/<slug>`."""
    return f"{base}/id/curator/{slug}"


def graph_kind(base: str, iri: str) -> str:
    """'standard' (one of GRAPH_NAMES), 'change' (a changeset's graph) or 'other'.

    The one rule both the live write path and a rebuild follow: standard graphs
    are data (inferred over and validated), change graphs are history (kept and
    queryable, never validated as data nor given to OWL-RL), and any other graph
    name is refused by the curated project.
    """
    if iri in {graph_iri(base, name) for name in GRAPH_NAMES}:
        return "standard"
    prefix = f"{base}/graph/change/"
    if iri.startswith(prefix) and re.fullmatch(CHANGE_ID_PATTERN, iri[len(prefix):]):
        return "change"
    return "other"


def is_change_graph(base: str, iri: str) -> bool:
    return graph_kind(base, iri) == "change"
