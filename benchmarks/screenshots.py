"""`make screenshots`: the pictures as PNGs under docs/img/, taken in headless Chromium.

Starts `mha-kg serve` on loopback, then photographs the network explorer (first view and
with a node's neighbours open), the map page, and the query editor's bar chart, map and
network views, each from the query docs/pictures.md names. Run it after changing a picture.

    python -m benchmarks.screenshots
"""

from __future__ import annotations

import tempfile
import urllib.parse
from pathlib import Path

from . import servers
from .network_libraries import chromium

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"

#: The CONSTRUCT the network view is shown with (also in docs/pictures.md and the browser test).
CONSTRUCT = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
CONSTRUCT { ?unit org:subOrganizationOf ?parent ; schema:name ?u . ?parent schema:name ?p . }
WHERE { ?unit org:subOrganizationOf ?parent ; schema:name ?u . ?parent schema:name ?p . }"""


def wait(driver, script: str, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script))


def shoot(driver, selector: str, name: str) -> None:
    """Scroll the element into view and save the element's own picture."""
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.screenshot(str(IMG / name))
    print("wrote", IMG / name)


def explorer(driver, base: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(base + "/")
    wait(driver, "return document.querySelector('.explorer').dataset.ready === 'true'")
    shoot(driver, ".explorer", "explorer.png")
    driver.find_element(By.ID, "explorer-search").send_keys("Health Data Research UK Midlands", Keys.ENTER)
    wait(driver, "return !!document.querySelector('.explorer-neighbours h3')")
    shoot(driver, ".explorer", "explorer-neighbours.png")


def map_page(driver, base: str) -> None:
    driver.get(base + "/map")
    wait(driver, "return document.querySelector('.org-map').dataset.ready === 'true'")
    shoot(driver, ".leaflet-holder", "map.png")
    birmingham = "return document.querySelector('.leaflet-marker-icon[title^=\"Birmingham\"]')"
    if not driver.execute_script(birmingham):  # in a cluster: open it first
        driver.execute_script("Array.from(document.querySelectorAll('.map-cluster')).filter(function (m) {"
                              "return m.textContent.indexOf('Birmingham') >= 0; })[0].click()")
        wait(driver, "return !window.mhaLeafletMap._animatingZoom && !!(" + birmingham[7:] + ")")
        driver.execute_script("return new Promise(function (done) { setTimeout(done, 800); })")
    driver.execute_script(birmingham[7:] + ".click()")
    wait(driver, "return !!document.querySelector('.leaflet-popup-content a')")
    driver.execute_script("return new Promise(function (done) { setTimeout(done, 800); })")  # the fade-in
    shoot(driver, ".leaflet-holder", "map-birmingham.png")


def result_view(driver, base: str, name: str, query: str | None = None, example: str | None = None) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get(base + "/query" + ("?" + urllib.parse.urlencode({"query": query}) if query else ""))
    wait(driver, "return document.querySelectorAll('#examples option').length > 15")
    if example:
        Select(driver.find_element(By.ID, "examples")).select_by_value(example)
        driver.find_element(By.ID, "run-example").click()
    else:  # once the editor holds the query of ?query=
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 30).until(lambda d: d.execute_script(
            "var e = document.querySelector('.yasqe .CodeMirror');"
            "return e && e.CodeMirror.getValue() === arguments[0]", query))
        driver.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    wait(driver, "var r = document.querySelector('.yasr_results');"
                 "return r && r.querySelector('svg, canvas, .leaflet-marker-icon')")
    driver.execute_script("return new Promise(function (done) { setTimeout(done, 800); })")
    shoot(driver, ".yasr", name)


def main() -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="mha-kg-shots-"))
    server = servers.start_mha_kg(ROOT, work / "state", work, timeout=600)
    base = server.url.rsplit("/sparql", 1)[0]
    driver = chromium()
    driver.set_window_size(1280, 1100)
    try:
        explorer(driver, base)
        map_page(driver, base)
        result_view(driver, base, "result-chart.png", example="organisations-by-type")
        result_view(driver, base, "result-map.png", example="organisations-on-the-map")
        result_view(driver, base, "result-network.png", query=CONSTRUCT)
    finally:
        driver.quit()
        server.stop()


if __name__ == "__main__":
    main()
