"""Dumps of the dataset in every RDF format, the JSON-LD context, and VoID/DCAT.

A dump is built once per format through `exports.export` (the same code as
`mha-kg export`) and kept in memory: the data never changes while serving.
"""

from __future__ import annotations

import json
import threading

from flask import Blueprint, redirect, request
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from ..curate.release import all_releases, series_iri
from ..curate.series import DCAT, series_graph
from ..errors import not_found
from ..publish import void
from ..publish.exports import export, framed_jsonld, jsonld_context
from ..query import formats
from . import pages, responses

blueprint = Blueprint("exports", __name__)
_LOCK = threading.Lock()


def dump_bytes(fmt: formats.Format, inferred: bool) -> bytes:
    return responses.per_store(f"dump-{fmt.name}-{inferred}",
                               lambda: export(responses.kg(), fmt, inferred=inferred))


@blueprint.get("/dumps/")
def dumps():
    return pages.page("dumps.html", dump_formats=void.dump_formats(), name=void.DUMP_NAME)


@blueprint.get("/dumps/<name>")
def dump(name: str):
    stem, _, suffix = name.rpartition(".")
    if stem not in (void.DUMP_NAME, f"{void.DUMP_NAME}-inferred"):
        raise not_found(f"no dump named {name!r}; see /dumps/")
    fmt = next((f for f in void.dump_formats() if f.suffix == suffix), None)
    if fmt is None:
        raise not_found(f"no dump in .{suffix}; offered: "
                        + ", ".join(f".{f.suffix}" for f in void.dump_formats()))
    body = dump_bytes(fmt, inferred=stem.endswith("-inferred"))
    return responses.respond(body, fmt, Content_Disposition=f'attachment; filename="{name}"')


@blueprint.get("/dumps/mha-kg-framed.jsonld")
def framed_dump():
    """One JSON-LD object per organisation, person and project (`mha-kg export --framed`)."""
    body = responses.per_store("dump-framed", lambda: framed_jsonld(responses.kg(), inferred=True))
    return responses.respond(body, formats.by_name("jsonld"),
                             Content_Disposition='attachment; filename="mha-kg-framed.jsonld"')


@blueprint.get("/context.jsonld")
def context():
    body = json.dumps(jsonld_context(responses.kg()), indent=1).encode()
    return responses.respond(body, formats.by_name("jsonld"))


@blueprint.get("/.well-known/void")
@blueprint.get("/.well-known/void.<suffix>")
def well_known_void(suffix: str | None = None):
    fmt = formats.by_name(suffix) if suffix else responses.wants("graph")
    formats.ensure_kind(fmt, "graph")
    site = request.host_url.rstrip("/")
    graph = void.void_graph(responses.kg(), site,
                            dump_body=lambda dump_format: dump_bytes(dump_format, inferred=False))
    return graph_response(graph + release_series(site, versions_of=void.dataset_iri(responses.kg())), fmt)


def release_series(site: str, only: str | None = None, versions_of: str | None = None) -> Graph:
    """The DCAT 3 dataset series of the releases made so far (curate/series.py); with
    `versions_of`, that dataset links the series (rdfs:seeAlso) and each release (dcat:hasVersion)."""
    kg = responses.kg()
    graph = series_graph(all_releases(kg.settings), kg.base, site, pages.site_about(), only)
    if versions_of:
        dataset, series = URIRef(versions_of), URIRef(series_iri(kg.base))
        graph.add((dataset, RDFS.seeAlso, series))
        for member in list(graph.objects(series, DCAT.seriesMember)):
            graph.add((dataset, DCAT.hasVersion, member))
    return graph


def graph_response(graph: Graph, fmt: formats.Format):
    """An rdflib graph in a graph format; JSON-LD compacted with the published context."""
    if fmt.name == "jsonld":
        body = graph.serialize(format="json-ld", context=jsonld_context(responses.kg())["@context"])
    else:
        body = graph.serialize(format={"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml",
                                       "trig": "trig", "nquads": "nquads"}[fmt.name])
    return responses.respond(body.encode("utf-8"), fmt)


@blueprint.get("/dataset")
def dataset():
    return redirect("/.well-known/void", code=303)
