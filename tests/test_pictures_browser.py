"""The pictures in a real headless Chromium: the network explorer on the home page, the map,
and the query editor's chart, map and network views, each driven by mouse and by keyboard.

Debian's chromium and chromium-driver drive them (`make browser`); MHA_KG_SKIP_BROWSER=1 skips.
"""

from __future__ import annotations

import csv
import io

import pytest
import requests

from .conftest import wait_for
from .test_browser import script_errors

pytestmark = pytest.mark.browser

UNITS_PREFIXES = "PREFIX org: <http://www.w3.org/ns/org#>\nPREFIX schema: <https://schema.org/>\n"
UNITS = "?unit org:subOrganizationOf ?parent ; schema:name ?u . ?parent schema:name ?p ."
CONSTRUCT_UNITS = f"{UNITS_PREFIXES}CONSTRUCT {{ {UNITS} }}\nWHERE {{ {UNITS} }}"
SELECT_UNITS = f"{UNITS_PREFIXES}SELECT DISTINCT ?unit ?parent WHERE {{ {UNITS} }}"


def explorer(driver, live_server):
    driver.get(live_server + "/")
    wait_for(driver, lambda d: d.execute_script(
        "var e = document.querySelector('.explorer'); return e && e.dataset.ready === 'true'"))
    return driver


def outside_requests(driver, live_server: str) -> list[str]:
    """Every resource the page loaded from anywhere but this server (vendored means none)."""
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded, "the page loaded no resources at all"
    return [url for url in loaded if not url.startswith(live_server + "/") and not url.startswith("data:")]


def panel_heading(driver) -> str:
    return driver.execute_script(
        "var h = document.querySelector('.explorer-neighbours h3'); return h ? h.textContent : ''")


def test_no_two_labels_overlap_in_the_explorers_first_view(driver, live_server):
    explorer(driver, live_server)
    boxes = driver.execute_script("""
        var cy = window.mhaExplorer, view = cy.extent();
        return cy.nodes().map(function (n) {
          var b = n.renderedBoundingBox({includeNodes: false, includeEdges: false, includeLabels: true});
          return [n.data('name'), b.x1, b.y1, b.x2, b.y2, cy.width(), cy.height()];
        });""")
    assert len(boxes) > 40
    for name, x1, y1, x2, y2, width, height in boxes:  # every label drawn and inside the first view
        assert x2 - x1 > 10 and y2 - y1 > 5, name
        assert x1 >= 0 and y1 >= 0 and x2 <= width and y2 <= height, name
    clashes = [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
               if min(a[3], b[3]) > max(a[1], b[1]) and min(a[4], b[4]) > max(a[2], b[2])]
    assert clashes == []
    assert outside_requests(driver, live_server) == []
    assert script_errors(driver) == []


def test_clicking_a_node_opens_its_neighbours(driver, live_server):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    explorer(driver, live_server)
    canvas = driver.find_element(By.CSS_SELECTOR, ".explorer-canvas")
    driver.execute_script("arguments[0].scrollIntoView()", canvas)
    x, y, width, height = driver.execute_script("""
        var cy = window.mhaExplorer;
        var p = cy.nodes().filter(function (n) {
          return n.data('name') === 'Health Data Research UK Midlands'; })[0].renderedPosition();
        return [p.x, p.y, cy.width(), cy.height()];""")
    offset = int(x - width / 2), int(y - height / 2)  # selenium offsets from the element's centre
    ActionChains(driver).move_to_element_with_offset(canvas, *offset).click().perform()
    wait_for(driver, lambda d: panel_heading(d).startswith("Health Data Research UK Midlands"))
    neighbours = driver.find_element(By.CSS_SELECTOR, ".explorer-neighbours").text
    for partner in ("University of Warwick", "University of Leicester", "Health Data Research UK"):
        assert partner in neighbours
    faded = driver.execute_script("return window.mhaExplorer.nodes('.faded').length")
    assert faded > 20
    assert script_errors(driver) == []


def test_the_explorer_works_by_keyboard(driver, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    explorer(driver, live_server)
    search = driver.find_element(By.ID, "explorer-search")
    search.send_keys("simon ball", Keys.ENTER)
    wait_for(driver, lambda d: panel_heading(d).startswith("Simon Ball"))
    first = driver.find_element(By.CSS_SELECTOR, ".explorer-neighbours li button")
    target = first.text
    first.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: panel_heading(d).startswith(target))
    focused = driver.switch_to.active_element  # the keyboard stays in the list, on the new node's name
    assert focused.tag_name == "a" and focused.text == target
    page = driver.find_element(By.CSS_SELECTOR, ".explorer-neighbours h3 a").get_attribute("href")
    assert "/id/" in page
    search.clear()
    search.send_keys("no such node", Keys.ENTER)
    assert "No node" in driver.find_element(By.ID, "explorer-status").text

    canvas = driver.find_element(By.CSS_SELECTOR, ".explorer-canvas")
    zoom, pan = driver.execute_script("return [window.mhaExplorer.zoom(), window.mhaExplorer.pan().x]")
    canvas.send_keys("+")
    canvas.send_keys(Keys.ARROW_LEFT)
    zoomed, panned = driver.execute_script("return [window.mhaExplorer.zoom(), window.mhaExplorer.pan().x]")
    assert zoomed > zoom and panned != pan
    assert script_errors(driver) == []


def test_a_type_can_be_hidden_and_shown_again(driver, live_server):
    from selenium.webdriver.common.by import By

    explorer(driver, live_server)
    people = "return window.mhaExplorer.nodes('[kind = \"person\"]').filter(':visible').length"
    shown = driver.execute_script(people)
    assert shown >= 5
    box = driver.find_element(By.CSS_SELECTOR, ".explorer-types input[value=person]")
    box.click()
    assert driver.execute_script(people) == 0
    assert driver.execute_script("return window.mhaExplorer.nodes(':visible').length") > 30
    box.click()
    assert driver.execute_script(people) == shown


def test_the_map_draws_the_coastline_and_a_marker_per_city_that_opens_by_keyboard(driver, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    places = requests.get(live_server + "/map.json", timeout=30).json()["markers"]
    driver.get(live_server + "/map")
    wait_for(driver, lambda d: d.execute_script(
        "var m = document.querySelector('.org-map'); return m && m.dataset.ready === 'true'"))
    assert len(driver.find_elements(By.CSS_SELECTOR, ".leaflet-overlay-pane path")) >= 3
    assert driver.execute_script("return window.mhaLeafletMap.mhaMarkers.getLayers().length") == len(places)
    assert outside_requests(driver, live_server) == []  # no tiles: the coastline is a file of this site
    icons = driver.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon")
    shown = sum(int(i.find_element(By.CSS_SELECTOR, "[aria-hidden=true]").get_attribute("textContent"))
                for i in icons)
    assert shown == sum(len(p["organisations"]) for p in places)  # clusters add up their cities
    assert no_two_overlap([i.rect for i in icons])
    birmingham = next(p for p in places if p["place"] == "Birmingham")

    def birmingham_marker(d):  # found afresh each time: Leaflet redraws markers while it zooms
        return d.execute_script("""
            var map = window.mhaLeafletMap;
            if (map._animatingZoom) { return null; }
            return Array.from(document.querySelectorAll('.leaflet-marker-icon')).filter(function (m) {
              return (m.title || '').indexOf('Birmingham:') === 0
                && getComputedStyle(m).opacity === '1'; })[0];""")

    if not birmingham_marker(driver):  # in a cluster at the first zoom: Enter zooms into it
        group = next(i for i in icons if "Birmingham" in i.get_attribute("textContent"))
        assert group.get_attribute("role") == "button"
        group.send_keys(Keys.ENTER)
        wait_for(driver, lambda d: d.execute_script(  # the keyboard lands on a marker the cluster held
            "return document.activeElement.classList.contains('leaflet-marker-icon')"))
    marker = wait_for(driver, birmingham_marker)
    assert marker.get_attribute("tabindex") == "0" and marker.get_attribute("role") == "button"
    marker.send_keys(Keys.ENTER)
    popup = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content a"))
    names = sorted(a.get_attribute("textContent") for a in popup)
    assert names == sorted(o["name"] for o in birmingham["organisations"])
    wait_for(driver, lambda d: d.execute_script(  # the popup has faded in
        "return getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"))
    popup[0].click()
    wait_for(driver, lambda d: "/page/organisation/" in d.current_url)
    assert script_errors(driver) == []


def no_two_overlap(rects: list[dict]) -> bool:
    return not any(min(a["x"] + a["width"], b["x"] + b["width"]) > max(a["x"], b["x"])
                   and min(a["y"] + a["height"], b["y"] + b["height"]) > max(a["y"], b["y"])
                   for i, a in enumerate(rects) for b in rects[i + 1:])


def editor_holds(driver, text: str) -> None:
    """Wait until the editor is set up with the query of ?query= (so the run button runs it)."""
    wait_for(driver, lambda d: text in d.execute_script(
        "var e = document.querySelector('.yasqe .CodeMirror'); return e ? e.CodeMirror.getValue() : ''"))


def run_example(driver, live_server, name: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get(live_server + "/query")
    wait_for(driver, lambda d: d.execute_script(
        "return document.querySelectorAll('#examples option').length > 15"))
    Select(driver.find_element(By.ID, "examples")).select_by_value(name)
    driver.find_element(By.ID, "run-example").click()


def test_a_grouped_count_is_drawn_as_a_bar_chart_with_the_table_a_tab_away(driver, live_server):
    from selenium.webdriver.common.by import By

    answer = list(csv.reader(io.StringIO(requests.get(
        live_server + "/query/organisations-by-type.csv", timeout=30).text)))[1:]
    run_example(driver, live_server, "organisations-by-type")
    bars = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".result-chart rect.bar"))
    assert len(bars) == len(answer) == 4
    widths = [float(b.get_attribute("width")) for b in bars]
    counts = [int(count) for _, count in answer]
    assert widths.index(max(widths)) == counts.index(max(counts))
    label = driver.find_element(By.CSS_SELECTOR, ".result-chart svg").get_attribute("aria-label")
    assert "CollegeOrUniversity 17" in label
    driver.find_element(By.CSS_SELECTOR, ".yasr .select_table").click()
    rows = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr"))
    assert len(rows) == 4
    assert script_errors(driver) == []


def test_rows_with_coordinates_are_drawn_on_the_map(driver, live_server):
    from selenium.webdriver.common.by import By

    answer = list(csv.DictReader(io.StringIO(requests.get(
        live_server + "/query/organisations-on-the-map.csv", timeout=30).text)))
    run_example(driver, live_server, "organisations-on-the-map")
    wait_for(driver, lambda d: d.execute_script(
        "var m = document.querySelector('.result-map'); return m && m.dataset.ready === 'true'"))
    wait_for(driver, lambda d: d.execute_script("return !!window.mhaResultMap"))
    markers = driver.execute_script("return window.mhaResultMap.mhaMarkers.getLayers().length")
    assert markers == len({(r["lat"], r["lon"]) for r in answer}) > 10
    assert len(driver.find_elements(By.CSS_SELECTOR, ".result-map .leaflet-overlay-pane path")) >= 3
    assert script_errors(driver) == []


WKT_POINTS = """PREFIX schema: <https://schema.org/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
SELECT ?organisation ?name ?coordinates WHERE {
  ?organisation schema:name ?name ; schema:location/schema:geo ?geo .
  ?geo schema:latitude ?lat ; schema:longitude ?lon .
  BIND (STRDT(CONCAT("Point(", STR(?lon), " ", STR(?lat), ")"), geo:wktLiteral) AS ?coordinates)
}"""


def test_wkt_points_as_wikidata_gives_them_are_drawn_on_the_map(driver, live_server):
    from selenium.webdriver.common.by import By

    answer = requests.get(live_server + "/sparql", timeout=30,
                          params={"format": "json", "query": WKT_POINTS}).json()["results"]["bindings"]
    assert answer and answer[0]["coordinates"]["value"].startswith("Point(")
    driver.get(live_server + "/query?" + requests.compat.urlencode({"query": WKT_POINTS}))
    editor_holds(driver, "wktLiteral")
    driver.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    wait_for(driver, lambda d: d.execute_script("return !!window.mhaResultMap"))
    places = driver.execute_script("""return window.mhaResultMap.mhaMarkers.getLayers().map(function (m) {
        var p = m.getLatLng(); return [p.lat, p.lng]; });""")
    points = (b["coordinates"]["value"].removeprefix("Point(").rstrip(")").split() for b in answer)
    expected = {(float(lat), float(lon)) for lon, lat in points}  # WKT puts longitude first
    assert {tuple(p) for p in places} == expected
    assert all(49 < lat < 59 and -6 < lon < 2 for lat, lon in expected)
    assert script_errors(driver) == []


def test_construct_results_are_drawn_as_a_network(driver, live_server):
    from selenium.webdriver.common.by import By

    params = {"format": "json", "query": SELECT_UNITS}
    pairs = requests.get(live_server + "/sparql", timeout=30, params=params).json()
    pairs = {(b["unit"]["value"], b["parent"]["value"]) for b in pairs["results"]["bindings"]}
    assert len(pairs) > 5
    driver.get(live_server + "/query?" + requests.compat.urlencode({"query": CONSTRUCT_UNITS}))
    editor_holds(driver, "CONSTRUCT")
    driver.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    wait_for(driver, lambda d: d.execute_script("return !!window.mhaResultNetwork"))
    nodes, edges, names = driver.execute_script("""
        var cy = window.mhaResultNetwork;
        var names = cy.nodes().map(function (n) { return n.data('name'); });
        return [cy.nodes().length, cy.edges().length, names];""")
    assert edges == len(pairs)
    assert nodes == len({iri for pair in pairs for iri in pair})
    assert "Health Data Research UK Midlands" in names
    canvas = driver.find_element(By.CSS_SELECTOR, ".result-network")
    zoom = driver.execute_script("return window.mhaResultNetwork.zoom()")
    canvas.send_keys("-")
    assert driver.execute_script("return window.mhaResultNetwork.zoom()") < zoom
    assert script_errors(driver) == []


def test_without_scripts_the_static_picture_and_the_tables_remain(driver, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        driver.get(live_server + "/")
        svg = driver.find_element(By.CSS_SELECTOR, ".network svg")
        assert svg.size["width"] > 300 and svg.size["height"] > 200
        links = driver.find_elements(By.CSS_SELECTOR, ".network svg a.node")
        assert len(links) > 40 and all(link.get_attribute("aria-label") for link in links)
        assert not driver.find_element(By.CSS_SELECTOR, ".explorer").is_displayed()
        assert len(driver.find_elements(By.CSS_SELECTOR, ".network-table tbody tr")) == len(links)
        links[0].send_keys(Keys.ENTER)  # a node of the drawing is reached and followed by keyboard
        wait_for(driver, lambda d: "/page/" in d.current_url)
        driver.get(live_server + "/map")
        assert not driver.find_element(By.CSS_SELECTOR, ".leaflet-holder").is_displayed()
        assert len(driver.find_elements(By.CSS_SELECTOR, ".map-table tbody tr")) > 10
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
