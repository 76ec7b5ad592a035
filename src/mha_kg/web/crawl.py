"""What crawlers look for first: /robots.txt, /sitemap.xml and /favicon.ico.

The sitemap lists every page a person can land on: the site's own pages, each
entity's page, each class listing, each ontology term and each example query
the server would run as configured (an example whose SERVICE is off the
allowlist has no page worth indexing).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint, Response, redirect, request, url_for

from ..publish import documents, ontodoc
from ..publish.describe import curie
from ..query import catalogue
from . import pages, responses

blueprint = Blueprint("crawl", __name__)

#: The site's own pages, listed first in the sitemap.
SITE_PAGES = ("/", "/query", "/types/", "/def", "/dumps/", "/map", "/search")


@blueprint.get("/robots.txt")
def robots():
    site = request.host_url.rstrip("/")
    body = f"User-agent: *\nAllow: /\nDisallow: /sparql\nDisallow: /api/\n\nSitemap: {site}/sitemap.xml\n"
    return Response(body, content_type="text/plain; charset=utf-8")


@blueprint.get("/sitemap.xml")
def sitemap():
    site = request.host_url.rstrip("/")
    entries = "".join(f"<url><loc>{escape(site + path)}</loc></url>\n" for path in site_paths())
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + entries + "</urlset>\n")
    return Response(body, content_type="application/xml; charset=utf-8")


def site_paths() -> list[str]:
    kg = responses.kg()
    paths = list(SITE_PAGES)
    paths += [pages.local_path(iri).replace("/id/", "/page/", 1) for iri in documents.entity_iris(kg)]
    paths += [f"/types/{curie(iri, kg.prefixes)}" for iri in sorted(kg.stats()["entities_by_type"])
              if curie(iri, kg.prefixes)]
    paths += [f"/def/{term.name}" for term in ontodoc.terms(kg)]
    paths += [f"/query/{q.name}" for q in catalogue.load()
              if catalogue.refusal(q, responses.settings()) is None]
    return paths


@blueprint.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; the icon is an SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
