"""The map of linked organisations: /map (page), /map.svg (the drawing), /map.json (the points).

The drawing is built once per app (the data never changes while serving).
`_map.html` is a partial other pages can include: it renders `map_svg()`
when the graph holds coordinates, and nothing otherwise.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from markupsafe import Markup

from ..linking import geomap
from . import pages, responses

blueprint = Blueprint("map", __name__)


def map_markers() -> list[geomap.Marker]:
    cached = current_app.extensions.get("mha_map_markers")
    if cached is None:
        cached = current_app.extensions["mha_map_markers"] = geomap.markers(responses.kg())
    return cached


def map_svg() -> Markup:
    """The SVG for pages to embed; geomap escapes every label and attribute."""
    cached = current_app.extensions.get("mha_map_svg")
    if cached is None:
        cached = current_app.extensions["mha_map_svg"] = Markup(geomap.svg(map_markers(), pages.href))
    return cached


@blueprint.app_context_processor
def _map_context() -> dict:
    return {"map_svg": map_svg}


@blueprint.get("/map")
def page():
    return pages.page("map.html", markers=map_markers())


@blueprint.get("/map.svg")
def drawing():
    return Response(str(map_svg()), content_type="image/svg+xml; charset=utf-8")


@blueprint.get("/map.json")
def points():
    return responses.json_response({"ok": True, "source": "ROR records, via the enrichment graph",
                                    "markers": [m.__dict__ for m in map_markers()]})
