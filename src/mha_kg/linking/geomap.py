"""A map of the linked organisations, drawn as SVG from the coordinates ROR gives.

No tile server and no coastline data (the site works offline): points are
projected equirectangularly, x scaled by cos(mean latitude) so Britain keeps
its shape, over a graticule of whole degrees. Organisations at the same
coordinates (several in Birmingham, several in London) share one marker and
are listed in a column beside the map, joined to it by a leader line, so the
crowded Midlands stays legible; each name links to its page.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

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
WIDTH, HEIGHT, PAD, MAP_WIDTH = 720, 760, 40, 380
LEGEND_X = MAP_WIDTH + 60


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


def project(points: list[Marker]) -> Callable[[float, float], tuple[float, float]]:
    """(lat, lon) -> (x, y) in the drawing, fitting every point inside the padding."""
    lats = [m.lat for m in points] or [52.5]
    lons = [m.lon for m in points] or [-1.5]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    south, north = min(lats) - 0.5, max(lats) + 0.5
    west, east = (min(lons) - 0.5) * scale_x, (max(lons) + 0.5) * scale_x
    ratio = min((MAP_WIDTH - 2 * PAD) / (east - west), (HEIGHT - 2 * PAD) / (north - south))

    def to_xy(lat: float, lon: float) -> tuple[float, float]:
        return (round(PAD + (lon * scale_x - west) * ratio, 1), round(PAD + (north - lat) * ratio, 1))

    to_xy.bounds = (south, north, west / scale_x, east / scale_x)  # type: ignore[attr-defined]
    return to_xy


def svg(points: list[Marker], href: Callable[[str], str]) -> str:
    """The map as an SVG document; every label is escaped, every organisation a link."""
    to_xy = project(points)
    south, north, west, east = to_xy.bounds  # type: ignore[attr-defined]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="org-map" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'width="{WIDTH}" height="{HEIGHT}" role="group" aria-labelledby="map-title">',
           '<title id="map-title">Map of the linked organisations (coordinates from ROR)</title>',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f4f7fb"/>']
    for lat in range(math.ceil(south), math.floor(north) + 1):
        (x1, y), (x2, _) = to_xy(lat, west), to_xy(lat, east)
        out.append(f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#d5dde8"/>'
                   f'<text x="4" y="{y - 2}" font-size="10" fill="#8895a7">{lat}°N</text>')
    for lon in range(math.ceil(west), math.floor(east) + 1):
        (x, y1), (_, y2) = to_xy(north, lon), to_xy(south, lon)
        out.append(f'<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#d5dde8"/>'
                   f'<text x="{x + 2}" y="{HEIGHT - 4}" font-size="10" fill="#8895a7">'
                   f'{abs(lon)}°{"W" if lon < 0 else "E"}</text>')
    top = 0.0
    for marker in sorted(points, key=lambda m: to_xy(m.lat, m.lon)[1]):
        x, y = to_xy(marker.lat, marker.lon)
        label_y = max(y, top + 14)
        top = label_y + 12 * len(marker.organisations) + 4
        out.append(f'<g class="marker"><circle cx="{x}" cy="{y}" r="5" fill="#b3261e">'
                   f'<title>{escape(marker.place)} ({marker.lat}, {marker.lon})</title></circle>'
                   f'<polyline points="{x},{y} {LEGEND_X - 8},{label_y - 4}" fill="none" '
                   f'stroke="#b3261e" stroke-opacity="0.4"/>'
                   f'<text x="{LEGEND_X}" y="{label_y}" font-size="12" '
                   f'font-weight="bold">{escape(marker.place)}</text>')
        for i, (iri, name) in enumerate(marker.organisations, start=1):
            out.append(f'<a href={quoteattr(href(iri))}><text x="{LEGEND_X + 8}" y="{label_y + 12 * i}" '
                       f'font-size="11" fill="#0b57d0">{escape(name)}</text></a>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
