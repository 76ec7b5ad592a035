"""The map of linked organisations: /map (page), /map.svg (the drawing), /map.json (the points).

The drawing is built once per app (the data never changes while serving).
`_map.html` is a partial other pages can include: it renders `map_svg()`
when the graph holds coordinates, and nothing otherwise.
"""

from __future__ import annotations

from flask import Blueprint, Response
from markupsafe import Markup

from ..linking import geomap
from . import pages, responses

blueprint = Blueprint("map", __name__)


def map_markers() -> list[geomap.Marker]:
    return responses.per_store("map-markers", lambda: geomap.markers(responses.kg()))


def map_svg() -> Markup:
    """The SVG for pages to embed; geomap escapes every label and attribute."""
    return responses.per_store("map-svg", lambda: Markup(geomap.svg(map_markers(), pages.href)))


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
