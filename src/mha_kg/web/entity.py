"""Entity IRIs dereference: /id/... answers 303 to /page/... (HTML) or /data/....ttl (RDF).

The convention is the one DBpedia and the W3C "Cool URIs" note describe: the
IRI names the thing, and a 303 See Other sends a browser to a document about
it and an RDF client to data about it, chosen by `Accept` (or `?format=`).
Both documents can be asked for directly. Class listings live at /types/.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, redirect, request
from markupsafe import Markup

from ..curate import release, tombstones
from ..errors import KGError, bad_request, not_acceptable, not_found
from ..publish import describe, documents, void
from ..query import formats
from . import pages, responses
from .releases import shown_value

blueprint = Blueprint("entity", __name__)

PAGE_SIZE = 50


def entity_iri(rest: str) -> str:
    if not rest or any(c in rest for c in '<>" {}|\\^`'):
        raise not_found(f"no such entity: /id/{rest}")
    return f"{responses.kg().base}/id/{rest}"


def split_suffix(rest: str) -> tuple[str, formats.Format | None]:
    """('organisation/x', turtle) for 'organisation/x.ttl'; slugs never contain dots."""
    stem, dot, suffix = rest.rpartition(".")
    if not dot or "/" in suffix:
        return rest, None
    fmt = formats.by_name(suffix)
    if fmt.kind not in ("graph", "dataset"):
        raise not_acceptable(f".{suffix} cannot carry RDF; use .ttl, .jsonld, .nt or .rdf")
    return stem, fmt


def absent(iri: str, page: bool) -> KGError:
    """A published IRI never 404s: merged, it redirects; removed, it is 410 Gone with its tombstone."""
    kg = responses.kg()
    kept = tombstones.replaced_by(kg, iri)
    if kept is not None:
        abort(redirect(pages.href(kept), code=301))
    gone = tombstones.gone(kg, iri)
    if gone is None:
        return not_found(f"the graph says nothing about {iri}")
    if page:
        abort(pages.page("gone.html", status=410, gone=gone))
    return KGError(f"{iri} was removed by change {gone.change.id} on {gone.change.ended}", 410)


@blueprint.get("/id/<path:rest>")
def identify(rest: str):
    iri = entity_iri(rest)
    if not describe.exists(responses.kg(), iri) or tombstones.replaced_by(responses.kg(), iri):
        raise absent(iri, responses.wants("page", "graph").name == "html")
    fmt = responses.wants("page", "graph")
    target = f"/page/{rest}" if fmt.name == "html" else f"/data/{rest}.{fmt.suffix}"
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.get("/page/<path:rest>")
def page(rest: str):
    iri = entity_iri(rest)
    found = describe.describe(responses.kg(), iri)
    if found is None or tombstones.replaced_by(responses.kg(), iri):
        raise absent(iri, page=True)
    kind = rest.split("/", 1)[0]
    links = pages.alternates(lambda fmt: f"/data/{rest}.{fmt.suffix}")
    query = f"SELECT ?property ?value WHERE {{\n  <{iri}> ?property ?value\n}}"
    history = release.history(release.all_releases(responses.settings()), iri)
    embedded = formats.write_triples(data_document(rest, iri), formats.by_name("jsonld"),
                                     context=pages.jsonld_context())
    return pages.page([f"entity-{kind}.html", "entity.html"], links, entity=found, query=query,
                      history=history, value=shown_value,
                      jsonld=script_safe(embedded), canonical=request.host_url + f"page/{rest}")


@blueprint.get("/data/<path:rest>")
def data(rest: str):
    stem, fmt = split_suffix(rest)
    iri = entity_iri(stem)
    fmt = fmt or responses.wants("graph")
    if fmt.kind not in ("graph", "dataset"):
        raise not_acceptable(f"{fmt.label} cannot carry RDF")
    return pages.rdf(data_document(stem, iri), fmt)


def data_document(rest: str, iri: str) -> list:
    """What /data/<rest> serves: the resource's statements both ways and the document's own
    description (topic, licence, source, modified). The entity's page embeds the same graph."""
    triples = describe.triples(responses.kg(), iri)
    if not triples or tombstones.replaced_by(responses.kg(), iri):
        raise absent(iri, page=False)
    site = request.host_url.rstrip("/")
    triples = sorted(triples, key=str)  # the same order, and so the same page, on any engine
    return triples + documents.self_description(
        f"{site}/data/{rest}", iri, pages.site_about(), responses.data_modified(),
        void.dataset_iri(responses.kg()))


def script_safe(jsonld: bytes) -> Markup:
    """JSON-LD to embed in a <script> element: `<` written as \\u003c (the same JSON) so no
    string in the data can close the element."""
    return Markup(jsonld.decode("utf-8").replace("<", "\\u003c"))


@blueprint.get("/types/")
def types():
    stats = responses.kg().stats()["entities_by_type"]
    return pages.page("types.html", classes=sorted(stats.items(), key=lambda kv: kv[0]))


@blueprint.get("/types/<name>")
def listing(name: str):
    stem, _, suffix = name.rpartition(".") if name.endswith((".json", ".csv")) else (name, "", "")
    class_iri = _expand(stem)
    size = _int_arg("_size", PAGE_SIZE, 1, 1000)
    offset = _int_arg("_next", 0, 0, 10**9)
    rows, total = describe.instances(responses.kg(), class_iri, offset, size)
    following = offset + size if offset + size < total else None
    if suffix == "json":
        return responses.json_response({
            "class": class_iri, "total": total, "offset": offset, "size": size,
            "rows": [{"iri": v.iri, "label": v.label} for v in rows],
            "next": f"/types/{name}?_size={size}&_next={following}" if following is not None else None})
    if suffix == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["iri", "label"])
        writer.writerows([v.iri, v.label] for v in rows)
        return responses.respond(buffer.getvalue().encode(), formats.by_name("csv"))
    return pages.page("listing.html", class_iri=class_iri, name=stem, rows=rows, total=total,
                      offset=offset, size=size, following=following)


def _expand(name: str) -> str:
    """A class from its CURIE (schema:Person) as the listing URLs name it."""
    prefix, colon, local = name.partition(":")
    namespaces = responses.kg().prefixes
    if not colon or prefix not in namespaces or not local:
        raise not_found(f"no such class {name!r}: name it as prefix:Local, e.g. schema:Person")
    return namespaces[prefix] + local


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise bad_request(f"{name} must be a whole number from {low} to {high}")
    return int(raw)
