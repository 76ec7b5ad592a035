"""Search: the JSON API at /api/search and the results page at /search.

Both are thin views over mha_kg.search; the search box on every page
(_search.html with static/search.js) completes names through the
reconciliation service's entity suggest.
"""

from __future__ import annotations

from flask import Blueprint, request

from ..errors import bad_request
from ..find import reconcile, search
from . import pages, responses

blueprint = Blueprint("search", __name__)

MAX_QUERY_CHARS = 500


def run_search(default_limit: int) -> dict:
    """Parse q, type and limit and rank the entities: the one body behind the API and the page."""
    q = request.args.get("q", "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise bad_request(f"q is longer than {MAX_QUERY_CHARS} characters")
    limit = request.args.get("limit")
    limit = default_limit if limit in (None, "") else reconcile.parse_limit(limit)
    kg = responses.kg()
    types = [reconcile.resolve_type(kg, t) for t in request.args.getlist("type") if t]
    hits = search.index_for(kg).search(q, types, limit) if q else []
    exact = search.index_for(kg).exact_matches(q, types) if q else set()
    return {"ok": True, "q": q, "types": types, "limit": limit, "results": [
        {"id": reconcile.ident(kg, h.record.iri), "iri": h.record.iri, "name": h.record.name,
         "kind": search.kind_of(h.record), "types": [t["id"] for t in reconcile.type_refs(h.record)],
         "score": round(h.score, 2), "exact": h.record.iri in exact, "matched": h.matched,
         "description": h.record.description, "url": pages.href(h.record.iri)}
        for h in hits]}


@blueprint.get("/api/search")
def api():
    return responses.json_response(run_search(default_limit=10))


@blueprint.get("/search")
def page():
    found = run_search(default_limit=25)
    return pages.page("search.html", found=found, type_names=search.TYPE_NAMES)
