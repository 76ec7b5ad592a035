"""Where the linked organisations are: markers from ROR's coordinates, and the coastline to put them on.

`markers` groups the organisations by place (several share Birmingham, several
London), which is how the map clusters them: one marker per city, listing
every organisation there. `outline_from_topojson` turns Natural Earth's
countries, as the npm package `world-atlas` ships them in TopoJSON, into the
small GeoJSON file the site serves (`make outline` rebuilds it; see
docs/pictures.md): Great Britain and its neighbours only, coordinates
rounded to 0.01 degree (about 1 km), so the map works offline from a file of
a few tens of kilobytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..kg import KnowledgeGraph

POINTS_QUERY = """
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?org ?name ?place ?lat ?lon WHERE {
  GRAPH ?g { ?org schema:location ?loc . }
  ?org a org:Organization ; schema:name ?name .
  ?loc schema:name ?place ; schema:geo ?geo .
  ?geo schema:latitude ?lat ; schema:longitude ?lon .
} ORDER BY ?place ?name
"""


@dataclass
class Marker:
    place: str
    lat: float
    lon: float
    organisations: list[tuple[str, str]] = field(default_factory=list)  # (IRI, name)


def markers(kg: KnowledgeGraph) -> list[Marker]:
    """One marker per place and coordinates, with the organisations located there."""
    found: dict[tuple[str, float, float], Marker] = {}
    for row in kg.select(POINTS_QUERY):
        lat, lon = float(row["lat"].value), float(row["lon"].value)
        key = (row["place"].value, lat, lon)
        marker = found.setdefault(key, Marker(*key))
        entry = (row["org"].value, row["name"].value)
        if entry not in marker.organisations:
            marker.organisations.append(entry)
    return sorted(found.values(), key=lambda m: (-m.lat, m.lon))


#: The countries kept from Natural Earth (ISO 3166 numeric ids in world-atlas) and the box they are cut to.
OUTLINE_COUNTRIES = {"826": "United Kingdom", "372": "Ireland", "833": "Isle of Man", "250": "France"}
OUTLINE_BOX = (-11.0, 49.0, 3.0, 61.0)  # west, south, east, north


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs -> lists of (lon, lat): undo the delta encoding and the quantisation."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[list[float]]:
    """One closed ring from arc indexes (~i is arc i reversed); shared end points kept once."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return [[round(lon, 2), round(lat, 2)] for lon, lat in points]


def in_box(polygon: list[list[list[float]]], box: tuple[float, float, float, float] = OUTLINE_BOX) -> bool:
    """Does a polygon (outer ring first) have a point inside the box? Keeps France's north, drops the rest."""
    west, south, east, north = box
    return any(west <= lon <= east and south <= lat <= north for lon, lat in polygon[0])


def outline_from_topojson(topology: dict, countries: dict[str, str] = OUTLINE_COUNTRIES) -> dict:
    """A GeoJSON FeatureCollection of the chosen countries' polygons that touch the outline box."""
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("id") not in countries:
            continue
        parts = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        polygons = [[ring(arcs, r) for r in part] for part in parts]
        polygons = [p for p in polygons if in_box(p) and len(p[0]) >= 4]
        features.append({"type": "Feature", "id": geometry["id"],
                         "properties": {"name": countries[geometry["id"]]},
                         "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str]) -> int:
    """`python -m mha_kg.linking.geomap countries-50m.json OUT.geojson`: rebuild the shipped outline."""
    import json

    source, target = argv
    with open(source, encoding="utf-8") as handle:
        outline = outline_from_topojson(json.load(handle))
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(outline, handle, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
