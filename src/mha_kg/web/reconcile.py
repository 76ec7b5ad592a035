"""The Reconciliation Service API 0.2 at /reconcile: manifest, queries, suggest, preview, extend.

Thin views over mha_kg.find.reconcile. Every answer carries CORS headers (the
`cors` setting, on by default) and may be wrapped in a JSONP callback for
older clients; errors are 4xx with a one-line JSON reason.

The service URL answers queries *and* data extension (`extend=`), with or
without a trailing slash: OpenRefine POSTs both to the URL the user pasted,
and a redirect would turn its POST into a GET.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, render_template, request

from ..errors import bad_request
from ..find import reconcile
from . import responses

blueprint = Blueprint("reconcile", __name__)

_CALLBACK = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
#: The preview card is meant to be framed by other sites (OpenRefine shows it in an iframe).
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors *"


def _answer(data) -> Response:
    """JSON, or JSONP when a (safe) callback name is given."""
    callback = request.values.get("callback")
    if not callback:
        return responses.json_response(data)
    if len(callback) > 100 or not _CALLBACK.fullmatch(callback):
        raise bad_request("callback must be a JavaScript identifier")
    body = f"/**/{callback}({json.dumps(data, ensure_ascii=True)});"
    return Response(body, content_type="application/javascript; charset=utf-8")


def _service_url() -> str:
    return request.url_root.rstrip("/") + "/reconcile"


def _batch_size() -> int:
    return responses.settings()["reconcile_batch_size"]


def _extend_max_ids() -> int:
    return responses.settings()["reconcile_extend_max_ids"]


def _limit(default: int = 10) -> int:
    value = request.values.get("limit")
    return default if value in (None, "") else reconcile.parse_limit(value)


@blueprint.route("/reconcile", methods=["GET", "POST", "OPTIONS"])
@blueprint.route("/reconcile/", methods=["GET", "POST", "OPTIONS"])
def service():
    if request.method == "OPTIONS":
        return _preflight()
    kg = responses.kg()
    if "queries" in request.values:
        queries = reconcile.parse_batch(request.values["queries"], _batch_size())
        return _answer(reconcile.reconcile_batch(kg, queries))
    if "extend" in request.values:
        return _extension()
    if "query" in request.values:
        raw = request.values["query"]
        try:
            value = json.loads(raw) if raw.lstrip().startswith("{") else raw
        except json.JSONDecodeError as exc:
            raise bad_request(f"query is not valid JSON: {exc}") from None
        return _answer({"result": reconcile.reconcile(kg, reconcile.parse_query(value))})
    if request.method == "POST":
        raise bad_request("send the queries form field (a JSON object of named queries) or extend")
    root = request.url_root.rstrip("/")
    return _answer(reconcile.manifest(kg, _service_url(), root, _batch_size()))


@blueprint.route("/reconcile/suggest/<kind>", methods=["GET", "OPTIONS"])
def suggest(kind: str):
    if request.method == "OPTIONS":
        return _preflight()
    prefix = request.args.get("prefix", "")
    limit = _limit()
    if kind == "entity":
        types = request.args.getlist("type")
        return _answer(reconcile.suggest_entities(responses.kg(), prefix, types, limit))
    if kind == "type":
        return _answer(reconcile.suggest_types(responses.kg(), prefix, limit))
    if kind == "property":
        return _answer(reconcile.suggest_properties(prefix, limit))
    raise bad_request(f"no suggest service {kind!r}: entity, type or property")


@blueprint.route("/reconcile/preview", methods=["GET", "OPTIONS"])
def preview():
    if request.method == "OPTIONS":
        return _preflight()
    entity = reconcile.preview(responses.kg(), request.args.get("id", ""))
    body = render_template("reconcile_preview.html", entity=entity)
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


@blueprint.route("/reconcile/extend", methods=["GET", "POST", "OPTIONS"])
def extend():
    if request.method == "OPTIONS":
        return _preflight()
    return _extension()


def _extension() -> Response:
    """The data extension asked for by the `extend` parameter (form field or query string)."""
    raw = request.values.get("extend")
    if raw is None:
        raise bad_request("send the extend parameter: {\"ids\": [...], \"properties\": [{\"id\": ...}]}")
    ids, properties = reconcile.parse_extend(raw, _extend_max_ids())
    return _answer(reconcile.extend(responses.kg(), ids, properties))


@blueprint.route("/reconcile/propose_properties", methods=["GET", "OPTIONS"])
def propose_properties():
    if request.method == "OPTIONS":
        return _preflight()
    return _answer(reconcile.propose_properties(responses.kg(), request.args.get("type"), _limit(50)))


def _preflight() -> Response:
    response = Response(b"", status=204)
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response
