"""Namespaces and the IRIs the project mints (see docs/iris.md).

The Turtle files are written against `DEFAULT_BASE`; a deployment under
another base rewrites them at load time, so every minted IRI is built here
from the configured base and nowhere else.
"""

from __future__ import annotations

import re
import unicodedata

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


#: The graphs a curator may write: every standard graph but the computed closure.
WRITABLE_GRAPHS = tuple(name for name in GRAPH_NAMES if name != "inferred")

#: A change id (client-chosen or minted): slug-safe, so it can name a graph, an IRI and a file.
CHANGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")


def change_graph_iri(base: str, change_id: str) -> str:
    """The named graph holding one changeset's history (PROV-O), `<base>/graph/change/<id>`."""
    return graph_iri(base, f"change/{change_id}")


def change_iri(base: str, change_id: str) -> str:
    """The changeset itself, `<base>/id/change/<id>`."""
    return f"{base}/id/change/{change_id}"


def curator_iri(base: str, slug: str) -> str:
    return f"{base}/id/curator/{slug}"


def graph_kind(base: str, iri: str) -> str | None:
    """The graph-name rule: "standard", "change", or None (refused).

    Written once, here: the live write path refuses what is None, and the
    build validates and infers over the standard graphs only, so a change
    graph is stored and queryable but never judged as alliance data.

    >>> graph_kind("https://w3id.org/mha-kg", "https://w3id.org/mha-kg/graph/data")
    'standard'
    >>> graph_kind("https://w3id.org/mha-kg", "https://w3id.org/mha-kg/graph/change/c-1")
    'change'
    >>> graph_kind("https://w3id.org/mha-kg", "http://example.org/notes") is None
    True
    """
    prefix = f"{base}/graph/"
    if not iri.startswith(prefix):
        return None
    name = iri[len(prefix):]
    if name in GRAPH_NAMES:
        return "standard"
    if name.startswith("change/") and CHANGE_ID.fullmatch(name[len("change/"):]):
        return "change"
    return None


def ontology_iri(base: str) -> str:
    return f"{base}/def"


def slug(text: str) -> str:
    """Lower-case ASCII words joined by `-`, the slugs of docs/iris.md (accents folded).

    >>> slug("Université de Keele")
    'universite-de-keele'
    >>> slug("Ada  Lovelace (MHA)")
    'ada-lovelace-mha'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))
