"""The ontology's IRI (/def) and each term's IRI (/def/<Term>): documentation for people, RDF for clients.

These IRIs are served directly with content negotiation (`Vary: Accept`)
rather than by 303, as schema.org does for its terms: the document is the
definition. Suffixes (/def.ttl, /def/Person.jsonld) ask for a format.
"""

from __future__ import annotations

from flask import Blueprint

from ..errors import not_acceptable, not_found
from ..publish import ontodoc
from ..publish.void import about
from ..query import formats
from . import pages, responses

blueprint = Blueprint("ontology", __name__)


def _format(suffix: str | None) -> formats.Format:
    if suffix is None:
        return responses.wants("page", "graph")
    fmt = formats.by_name(suffix)
    if fmt.kind not in ("graph", "dataset"):
        raise not_acceptable(f".{suffix} cannot carry RDF; use .ttl, .jsonld, .nt or .rdf")
    return fmt


@blueprint.get("/def")
@blueprint.get("/def.<suffix>")
def ontology(suffix: str | None = None):
    fmt = _format(suffix)
    kg = responses.kg()
    if fmt.name != "html":
        return pages.rdf(ontodoc.ontology_triples(kg), fmt)
    links = pages.alternates(lambda f: f"/def.{f.suffix}")
    return pages.page("ontology.html", links, terms=ontodoc.terms(kg), ontology_iri=kg.ontology,
                      header=about(kg))


@blueprint.get("/def/<name>")
def term(name: str):
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, None
    fmt = _format(suffix)
    kg = responses.kg()
    found = next((t for t in ontodoc.terms(kg) if t.name == stem), None)
    if found is None:
        raise not_found(f"the ontology has no term {stem!r}; see /def")
    if fmt.name != "html":
        return pages.rdf(ontodoc.term_triples(kg, found.iri), fmt)
    links = pages.alternates(lambda f: f"/def/{stem}.{f.suffix}")
    return pages.page("term.html", links, term=found)
