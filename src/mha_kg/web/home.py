"""The home page: what the graph is, what is in it, and a picture of the alliance."""

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


def picture_svg() -> str:
    """The network drawing, built once per store (again after a write)."""
    return responses.per_store("picture", lambda: network.svg(network.build(responses.kg()), pages.href))


@blueprint.get("/")
def index():
    stats = responses.kg().stats()
    counts = []
    for iri, one, many in HOME_TYPES:
        n = stats["entities_by_type"].get(iri, 0)
        counts.append((iri, one if n == 1 else many, n))
    return pages.page("home.html", counts=counts, triples=stats["triples"], graphs=stats["graphs"],
                      picture=Markup(picture_svg()),  # network.svg escapes every label
                      queries=catalogue.load(),
                      releases=list(reversed(release.all_releases(responses.settings())))[:3])


@blueprint.get("/picture.svg")
def picture():
    return Response(picture_svg(), content_type="image/svg+xml; charset=utf-8")
