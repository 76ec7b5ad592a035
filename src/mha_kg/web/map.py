"""The map of linked organisations: /map (the page) and /map.json (the markers).

The page draws the markers with Leaflet over the Natural Earth outline of
Great Britain (both vendored in static/, so it works offline); the table
under it is the text equivalent and the no-script version. `_map.html` is
the partial the home page includes: it renders nothing when the graph holds
no coordinates.
"""

from __future__ import annotations

from flask import Blueprint

from ..linking import geomap
from . import pages, responses

blueprint = Blueprint("map", __name__)

#: The vendored outline (world-atlas 2.0.2, Natural Earth 1:50m), rebuilt by `make outline`, and libraries.
OUTLINE = "world-atlas-2.0.2-countries-50m-gb.geojson"
LEAFLET, MARKERCLUSTER = "1.9.4", "1.5.3"


def map_markers() -> list[geomap.Marker]:
    """One marker per place, read once per store (again after a write)."""
    return responses.per_store("map-markers", lambda: geomap.markers(responses.kg()))


def marker_json(marker: geomap.Marker) -> dict:
    """A marker as the map script and /map.json clients read it, with each organisation's page."""
    return {**marker.__dict__, "organisations": [{"iri": iri, "name": name, "href": pages.href(iri)}
                                                 for iri, name in marker.organisations]}


@blueprint.app_context_processor
def _map_context() -> dict:
    return {"map_markers": map_markers, "map_outline": OUTLINE, "leaflet": LEAFLET,
            "markercluster": MARKERCLUSTER}


@blueprint.get("/map")
def page():
    return pages.page("map.html", markers=map_markers())


@blueprint.get("/map.json")
def points():
    return responses.json_response({"ok": True, "source": "ROR records, via the enrichment graph",
                                    "markers": [marker_json(m) for m in map_markers()]})
