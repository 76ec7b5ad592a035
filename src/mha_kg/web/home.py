"""The home page: what the graph is, what is in it, and the alliance as a network to explore."""

from __future__ import annotations

from flask import Blueprint, Response
from markupsafe import Markup

from ..curate import release
from ..publish import network
from ..query import catalogue
from . import pages, responses

blueprint = Blueprint("home", __name__)

#: Types counted on the home page, in the vocabulary contract's words.
HOME_TYPES = (
    ("http://www.w3.org/ns/org#Organization", "organisation", "organisations"),
    ("https://schema.org/CollegeOrUniversity", "university", "universities"),
    ("https://schema.org/MedicalOrganization", "NHS trust", "NHS trusts"),
    ("http://www.w3.org/ns/org#OrganizationalCollaboration", "collaboration", "collaborations"),
    ("http://www.w3.org/ns/org#OrganizationalUnit", "organisational unit", "organisational units"),
    ("http://xmlns.com/foaf/0.1/Person", "person", "people"),
    ("http://www.w3.org/ns/org#Membership", "post or membership", "posts and memberships"),
    ("https://schema.org/ResearchProject", "research initiative", "research initiatives"),
    ("https://schema.org/ItemList", "list", "lists"),
    ("https://schema.org/PropertyValue", "figure", "figures"),
)

#: The vendored network library (docs/pictures.md says why this one).
CYTOSCAPE = "3.34.4"


def drawing() -> network.Network:
    """The laid-out network, built once per store (again after a write)."""
    return responses.per_store("network", lambda: network.build(responses.kg()))


def picture_svg() -> str:
    """The static drawing: the no-script fallback and /picture.svg, once per store."""
    return responses.per_store("picture", lambda: network.svg(drawing(), pages.href))


@blueprint.app_context_processor
def _network_context() -> dict:
    return {"cytoscape": CYTOSCAPE}


@blueprint.get("/")
def index():
    stats = responses.kg().stats()
    counts = []
    for iri, one, many in HOME_TYPES:
        n = stats["entities_by_type"].get(iri, 0)
        counts.append((iri, one if n == 1 else many, n))
    return pages.page("home.html", counts=counts, triples=stats["triples"], graphs=stats["graphs"],
                      picture=Markup(picture_svg()),  # network.svg escapes every label
                      connections=network.connections(drawing()), kinds=network.KINDS,
                      queries=catalogue.load(),
                      releases=list(reversed(release.all_releases(responses.settings())))[:3])


@blueprint.get("/picture.svg")
def picture():
    return Response(picture_svg(), content_type="image/svg+xml; charset=utf-8")


@blueprint.get("/network.json")
def network_json():
    return responses.json_response(network.as_json(drawing(), pages.href))
