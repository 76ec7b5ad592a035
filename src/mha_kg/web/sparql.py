"""The SPARQL 1.1 Protocol endpoint (query side) at /sparql."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from ..errors import KGError, bad_request, read_only
from ..publish.description import service_description
from ..query import formats, sparql
from . import responses

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint():
    if request.method == "OPTIONS":
        return _preflight()
    if _update_text() is not None:
        return _update()
    query, params = _read_request()
    if query is None:
        return _describe_service()
    named = _param(params, "format") or _param(request.args, "format")
    accept = request.headers.get("Accept")
    offered = {kind: formats.acceptable(accept, named, kind) for kind in ("results", "graph")}
    fmt_result = responses.kg().query(
        query,
        default_graphs=_graphs(params, "default-graph-uri"),
        named_graphs=_graphs(params, "named-graph-uri"),
        time_limit_ms=_int_param(params, "timeout") or _int_param(params, "_timelimit"),
        output=tuple(f.name if f else None for f in offered.values()),
    )
    kind = "results" if fmt_result.kind != "graph" else "graph"
    # none acceptable: for_request raises the 406 that says what would do
    fmt = offered[kind] or formats.for_request(accept, named, kind)
    headers = {"X_Elapsed_Ms": str(fmt_result.elapsed_ms)}
    if fmt_result.truncated:
        headers["X_Truncated"] = f"true; limit={responses.settings()['max_returned_rows']}"
    if fmt_result.body is not None and fmt_result.body_format == fmt.name:
        body = fmt_result.body  # serialised by the query worker
    elif kind == "graph":
        body = formats.write_triples(fmt_result.triples, fmt, responses.kg().prefixes)
    else:
        body = formats.write_results(fmt_result, fmt)
    return responses.respond(body, fmt, **headers)


def _param(params, name: str) -> str | None:
    """A parameter's first value. MultiDict.get raises and catches an exception for a
    missing name, which is most of them on most requests."""
    return params.get(name) if name in params else None


def _update_text() -> str | None:
    """The update of an update request (form `update=` or an application/sparql-update body)."""
    if request.method != "POST":
        return "" if "update" in request.args else None
    media = (request.mimetype or "").lower()
    if media == UPDATE_BODY:
        return _decode(request.get_data())
    if media == FORM and "update" in request.form:
        updates = request.form.getlist("update")
        if len(updates) > 1 or "query" in request.form:
            raise bad_request("send exactly one update, and no query with it")
        return updates[0]
    return None


def _update():
    """Updates are refused unless a write token is configured (then writes.py validates them)."""
    if request.method != "POST":
        raise KGError("an update must be POSTed, never sent with GET", 405)
    if not responses.settings()["write_token"]:
        raise read_only()
    from ..curate import writes
    from .write import change_request

    writes.authorise(responses.settings(), request.headers.get("Authorization"))
    change = writes.update(responses.kg(), _update_text() or "", *change_request())
    return responses.json_response(change.to_json(), 200)


def _read_request():
    """(query text or None, parameters) per the protocol's three ways of asking."""
    params = request.args
    if request.method == "POST":
        media = (request.mimetype or "").lower()
        if media == FORM:
            params = request.form
            if "update" in params:
                raise read_only()
        elif media == QUERY_BODY:
            if "query" in request.args:
                raise bad_request("a query in the body and in the URL: send one")
            return _decode(request.get_data()), request.args
        elif media == UPDATE_BODY:
            raise read_only()
        else:
            raise KGError(f"unsupported media type {media or '(none)'}: send {FORM} or "
                          f"{QUERY_BODY}", 415)
    elif "update" in params:
        raise read_only()
    queries = params.getlist("query")
    if len(queries) > 1:
        raise bad_request("the query parameter is repeated: send exactly one")
    if not queries:
        if request.method == "POST":
            raise bad_request("missing query parameter")
        return None, params
    if sparql.is_update(queries[0]):
        raise read_only()
    return queries[0], params


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_request(f"query is not UTF-8 (byte {exc.start})") from None


def _graphs(params, name: str) -> tuple[str, ...] | None:
    if name not in params:
        return None
    values = params.getlist(name)
    for value in values:
        if not value or any(c in value for c in '<>" {}|\\^`'):
            raise bad_request(f"{name} is not an IRI: {value!r}")
    return tuple(values) or None


def _int_param(params, name: str) -> int | None:
    value = _param(params, name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"{name} must be a whole number of milliseconds") from None


def _describe_service():
    fmt = responses.wants("page", "graph")
    if fmt.name == "html":
        if "query.page" in _endpoints():
            return redirect(url_for("query.page"), code=303)
        fmt = formats.by_name("turtle")
    graph = service_description(responses.kg(), request.base_url)
    if fmt.name == "jsonld":
        body = graph.serialize(format="json-ld").encode()
    else:
        body = graph.serialize(format={"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml",
                                       "trig": "trig", "nquads": "nquads"}[fmt.name]).encode()
    return responses.respond(body, fmt)


def _endpoints() -> set[str]:
    from flask import current_app

    return set(current_app.view_functions)


def _preflight():
    response = responses.respond(b"", formats.by_name("turtle"), status=204)
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, Authorization"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response
