"""What every human page shares: local links, the footer's facts, alternates and timing.

Not a page family itself: the application factory calls `install` once,
which puts the `href` and `curie` filters and the footer context on the app.
"""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, render_template, request, url_for
from jinja2 import TemplateNotFound

from ..publish.describe import curie
from ..publish.void import about
from ..query import catalogue, formats
from . import responses

#: The RDF formats a page offers in its "This data as ..." line (triples only).
ALTERNATE_FORMATS = ("turtle", "jsonld", "ntriples", "rdfxml")


def install(app: Flask) -> None:
    app.add_template_filter(href, "href")
    app.add_template_filter(lambda iri: curie(iri, responses.kg().prefixes), "curie")
    app.context_processor(_footer_context)
    app.add_template_global(example_refusal)


def elapsed_ms() -> float:
    """Milliseconds since the request arrived (app.Request notes when)."""
    return round((time.perf_counter() - request.started) * 1000, 1)


def site_about() -> dict:
    """Title, licence and source from the ontology header, read once per store."""
    return responses.per_store("about", lambda: about(responses.kg()))


def _footer_context() -> dict:
    return {"about": site_about(), "elapsed_ms": elapsed_ms, "base_iri": responses.kg().base}


def example_refusal(query: catalogue.NamedQuery) -> str | None:
    """Why this server would refuse an example (templates show it as text, not as a link)."""
    return catalogue.refusal(query, responses.settings())


def local_path(iri: str) -> str | None:
    """The path on this server that serves an IRI under the base, or None."""
    base = responses.kg().base
    if iri.startswith(base + "/") and iri[len(base):].startswith(("/id/", "/def", "/graph/", "/dataset",
                                                                           "/releases/")):
        return iri[len(base):]
    if iri == responses.kg().ontology:
        return "/def"
    return None


def href(iri: str | None) -> str:
    """Where a link to an IRI should go: this server for our IRIs, the IRI itself otherwise."""
    if not iri:
        return "#"
    return local_path(iri) or iri


def alternates(path_for) -> list[tuple[formats.Format, str]]:
    """(format, URL) for each RDF alternate of a page; `path_for(fmt)` builds the URL."""
    return [(formats.by_name(name), path_for(formats.by_name(name))) for name in ALTERNATE_FORMATS]


def page(templates: str | list[str], links: list[tuple[formats.Format, str]] = (), status: int = 200,
         **context) -> Response:
    """Render a page with its alternates as <link rel=alternate> and a Link header."""
    names = [templates] if isinstance(templates, str) else templates
    body = render_template(_first_existing(names), alternates=links, **context)
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    if links:
        response.headers["Link"] = ", ".join(
            f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for fmt, url in links)
    response.headers["Vary"] = "Accept"
    return response


def _first_existing(names: list[str]) -> str:
    """The first template that exists: per-kind overrides fall back (entity-person.html -> entity.html)."""
    env = current_app.jinja_env
    for name in names:
        try:
            env.get_template(name)
            return name
        except TemplateNotFound:
            continue
    return names[-1]


def jsonld_context() -> dict:
    """The published JSON-LD @context (/context.jsonld), which every JSON-LD answer is compacted with."""
    from ..publish.exports import jsonld_context as context_of

    return context_of(responses.kg())["@context"]


def rdf(triples, fmt: formats.Format) -> Response:
    """Triples in an RDF format, JSON-LD compacted with the published context."""
    kg = responses.kg()
    context = jsonld_context() if fmt.name == "jsonld" else None
    body = formats.write_triples(triples, fmt, kg.prefixes, context=context)
    response = responses.respond(body, fmt)
    if fmt.name == "jsonld":
        response.headers["Link"] = (f'<{url_for("exports.context", _external=False)}>; '
                                    'rel="http://www.w3.org/ns/json-ld#context"')
    return response
