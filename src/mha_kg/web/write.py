"""The SPARQL 1.1 Graph Store Protocol at /rdf-graph-store, and the answer to refused writes.

GET reads a graph (no token needed: the data is public anyway); PUT, POST and
DELETE need the write token and go through writes.py, which validates every
change against the SHACL shapes before it commits. `?graph=<iri>` names the
graph; `?default` (or no parameter) is the data graph.

Every write, here or a SPARQL Update at /sparql, may say who made it and why
(`curator`, `source`, `comment`) and carry a client-chosen `change_id`, as
URL or form parameters: retrying with the same id after a lost answer is a
no-op that answers the original outcome (SECURITY.md).
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..curate import writes
from ..errors import bad_request
from ..query import formats
from . import responses

blueprint = Blueprint("write", __name__)


@blueprint.route("/rdf-graph-store", methods=["GET", "PUT", "POST", "DELETE"])
def graph_store():
    graph = _graph_param()
    kg = responses.kg()
    if request.method == "GET":
        fmt = responses.wants("graph")
        return responses.respond(formats.write_triples(writes.read_graph(kg, graph), fmt, kg.prefixes),
                                 fmt)
    writes.authorise(responses.settings(), request.headers.get("Authorization"))
    meta, change_id = change_request()
    if request.method == "DELETE":
        change = writes.delete_graph(kg, graph, meta, change_id)
    else:
        change = writes.replace_graph(kg, graph, request.get_data(), request.mimetype,
                                      merge=request.method == "POST", meta=meta, change_id=change_id)
    status = 201 if change.created else 200
    return responses.json_response(change.to_json(), status)


def change_request() -> tuple[writes.Meta, str | None]:
    """Who made a write and why, and the client's change id, from the URL or the form."""
    def one(name: str) -> str | None:
        values = request.args.getlist(name) + (request.form.getlist(name) if request.form else [])
        if len(values) > 1:
            raise bad_request(f"give {name} once")
        return values[0].strip() or None if values else None

    meta = writes.Meta(curator=one("curator") or writes.NO_META.curator, source=one("source"),
                       comment=one("comment"))
    return meta, writes.check_change_id(one("change_id"))


@blueprint.app_errorhandler(writes.Invalid)
def invalid(error: writes.Invalid) -> Response:
    """422 with the SHACL report: Turtle when asked for, JSON otherwise."""
    accepted = request.headers.get("Accept", "")
    if "text/turtle" in accepted:
        body = error.report.graph.serialize(format="turtle").encode("utf-8")
        response = Response(body, status=422, content_type="text/turtle; charset=utf-8")
    else:
        response = responses.json_response(error.to_json(), 422)
    return response


def _graph_param() -> str | None:
    graphs = request.args.getlist("graph")
    if len(graphs) > 1 or (graphs and "default" in request.args):
        raise bad_request("name one graph: ?graph=<iri> or ?default")
    if graphs and not graphs[0]:
        raise bad_request("graph is empty: give an IRI")
    return graphs[0] if graphs else None
