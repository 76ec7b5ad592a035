"""The pictures' data and fallbacks, without a browser: the network's layout and JSON, the
static SVG (no-script fallback), the Natural Earth outline and its decoder, the map's markers.

The browser halves (the explorer, the map and the query editor's result views in Chromium)
are in test_pictures_browser.py.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from mha_kg.linking import geomap
from mha_kg.publish import network
from mha_kg.web import map as map_view

from .conftest import ROOT

SVG = "{http://www.w3.org/2000/svg}"
OUTLINE = ROOT / "src" / "mha_kg" / "web" / "static" / map_view.OUTLINE


@pytest.fixture(scope="module")
def drawing(kg) -> network.Network:
    return network.build(kg)


def test_every_node_has_a_position_a_kind_and_a_page(client, drawing):
    data = client.get("/network.json").get_json()
    assert len(data["nodes"]) == len(drawing.nodes) > 40
    assert len(data["edges"]) == len(drawing.edges) > 30
    kinds = {k["kind"] for k in data["kinds"]}
    ids = {n["data"]["id"] for n in data["nodes"]}
    for node in data["nodes"]:
        assert node["data"]["kind"] in kinds
        assert node["data"]["href"].startswith("/id/")
        assert {"x", "y"} == set(node["position"])
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in data["edges"])
    assert {"alliance", "organisation", "partner", "person", "initiative"} == {n["data"]["kind"]
                                                                              for n in data["nodes"]}


def test_no_two_label_boxes_overlap_in_the_layout(drawing):
    boxes = [(node.label, network.label_box(node)) for node in drawing.nodes.values()]
    clashes = [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:]
               if min(network.overlap(box_a, box_b, margin=0)) > 0]
    assert clashes == []


def test_separating_labels_moves_two_nodes_drawn_on_top_of_each_other():
    crowded = network.Network()
    crowded.nodes["a"] = network.Node("a", "Midlands Engine Health", "organisation", 100.0, 100.0)
    crowded.nodes["b"] = network.Node("b", "Midlands Health Alliance", "alliance", 104.0, 102.0)

    def clash() -> float:
        a, b = (network.label_box(crowded.nodes[k]) for k in "ab")
        return min(network.overlap(a, b, margin=0))

    assert clash() > 0
    network.separate_labels(crowded)
    assert clash() <= 0


def test_the_static_picture_is_a_group_of_named_links_not_an_image(client, drawing):
    response = client.get("/picture.svg")
    assert response.status_code == 200 and response.content_type.startswith("image/svg+xml")
    svg = ET.fromstring(response.data)
    assert svg.get("role") == "group" and svg.get("aria-labelledby") == "network-title"
    links = svg.findall(f".//{SVG}a")
    assert len(links) == len(drawing.nodes)
    for link in links:
        assert link.get("href").startswith("/id/") and link.get("aria-label")


def test_the_home_page_has_the_explorer_its_fallback_and_its_table(client, drawing):
    page = BeautifulSoup(client.get("/", headers={"Accept": "text/html"}).data, "html.parser")
    explorer = page.select_one(".explorer[data-network='/network.json']")
    assert explorer is not None and explorer.select_one("label[for=explorer-search]")
    assert len(explorer.select(".explorer-types input[type=checkbox]")) == len(network.KINDS)
    assert "svg" in page.select_one("noscript").decode_contents()
    rows = page.select(".network-table tbody tr")
    assert len(rows) == len(drawing.nodes)
    alliance = next(r for r in rows if r.th.get_text() == "Midlands Health Alliance")
    assert "associated organisation: Midlands Engine" in alliance.get_text()
    scripts = [s["src"] for s in page.select("script[src]")]
    assert any("cytoscape-" in s for s in scripts) and any("leaflet-" in s for s in scripts)


def test_a_graph_without_organisations_gives_an_empty_network_and_no_explorer(tmp_path):
    from mha_kg.web.app import create_app

    from .conftest import make_settings

    tiny = tmp_path / "tiny.ttl"
    tiny.write_text('<http://example.org/a> <http://example.org/knows> "b" .\n', encoding="utf-8")
    app = create_app(make_settings(tmp_path / "state"), files=[str(tiny)])
    client = app.test_client()
    assert client.get("/network.json").get_json()["nodes"] == []
    assert ET.fromstring(client.get("/picture.svg").data).findall(f".//{SVG}a") == []
    home = BeautifulSoup(client.get("/", headers={"Accept": "text/html"}).data, "html.parser")
    assert home.select_one(".explorer") is None and home.select_one("h1") is not None
    assert client.get("/map.json").get_json()["markers"] == []


def test_topojson_arcs_are_decoded_reversed_and_joined(tmp_path):
    topology = {"type": "Topology", "transform": {"scale": [0.5, 0.25], "translate": [-2.0, 50.0]},
                "arcs": [[[0, 0], [4, 0], [0, 4]], [[4, 4], [-4, 0], [0, -4]]],
                "objects": {"countries": {"type": "GeometryCollection", "geometries": [
                    {"type": "Polygon", "id": "826", "arcs": [[0, 1]]},
                    {"type": "Polygon", "id": "250", "arcs": [[~1, ~0]]},
                    {"type": "Polygon", "id": "999", "arcs": [[0, 1]]}]}}}
    source, target = tmp_path / "countries.json", tmp_path / "outline.geojson"
    source.write_text(json.dumps(topology), encoding="utf-8")
    assert geomap.main([str(source), str(target)]) == 0  # what `make outline` runs
    outline = json.loads(target.read_text(encoding="utf-8"))
    assert outline == geomap.outline_from_topojson(topology)
    assert [f["properties"]["name"] for f in outline["features"]] == ["United Kingdom", "France"]
    square = [[-2.0, 50.0], [0.0, 50.0], [0.0, 51.0], [-2.0, 51.0], [-2.0, 50.0]]
    assert outline["features"][0]["geometry"]["coordinates"] == [[square]]
    assert outline["features"][1]["geometry"]["coordinates"] == [[square[::-1]]]


def test_the_shipped_outline_holds_great_britain_and_every_marker_is_on_it(kg):
    outline = json.loads(OUTLINE.read_text(encoding="utf-8"))
    assert OUTLINE.stat().st_size < 60_000
    uk = next(f for f in outline["features"] if f["properties"]["name"] == "United Kingdom")
    polygons = uk["geometry"]["coordinates"]
    great_britain = max(polygons, key=lambda p: len(p[0]))
    lons = [lon for lon, _ in great_britain[0]]
    lats = [lat for _, lat in great_britain[0]]
    assert -6.5 < min(lons) < -4.5 and 1.0 < max(lons) < 2.0
    assert 49.8 < min(lats) < 50.2 and 58.4 < max(lats) < 58.8
    markers = geomap.markers(kg)
    assert len(markers) >= 10
    for marker in markers:  # every city is on the island of Great Britain
        assert inside(marker.lon, marker.lat, great_britain[0]), marker.place


def inside(x: float, y: float, ring: list[list[float]]) -> bool:
    """Even-odd rule: is (x, y) inside the ring?"""
    found = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            found = not found
    return found


def test_the_map_page_has_the_map_and_its_table_with_every_organisation(client, kg):
    page = BeautifulSoup(client.get("/map", headers={"Accept": "text/html"}).data, "html.parser")
    holder = page.select_one(".leaflet-holder[data-markers='/map.json']")
    assert holder is not None and holder["data-outline"].endswith(map_view.OUTLINE)
    assert page.select_one("details.map-table").has_attr("open")
    markers = geomap.markers(kg)
    assert len(page.select(".map-table tbody tr")) == len(markers)
    assert len(page.select(".map-table tbody a")) == sum(len(m.organisations) for m in markers)
    assert client.get("/static/" + map_view.OUTLINE).status_code == 200
