"""Cytoscape.js against sigma.js + graphology for the network explorer: bundle size and time to
first render of the home page's network in headless Chromium (docs/pictures.md has the figures).

Both libraries come from the npm registry (`npm pack` into a temporary folder); each draws the
same elements, with the server's positions, into a 1000 x 750 box on a page that inlines the
data, so only parsing, evaluating and drawing are timed: from navigation start to the first
frame after the library's own "rendered" event. Pages load afresh each time; medians are given.

    python -m benchmarks.network_libraries --runs 15

With --site (as `make bench-pictures` runs it) it also starts `mha-kg serve` and times the
explorer on the real home page: everything included (the page, its scripts, /network.json,
the drawing).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import shutil
import statistics
import subprocess
import tarfile
import tempfile
import threading
from pathlib import Path

from mha_kg import settings as settings_mod
from mha_kg.kg import KnowledgeGraph
from mha_kg.publish import network

from . import servers

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"cytoscape": ("cytoscape@3.34.4", ["dist/cytoscape.min.js"]),
            "sigma": ("sigma@3.0.3", ["dist/sigma.min.js"]),
            "graphology": ("graphology@0.26.0", ["dist/graphology.umd.min.js"])}

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name}</title>
<link rel="icon" href="data:,"></head><body>
<div id="box" style="width:1000px;height:750px"></div>
<script>window.DATA = {data};</script>{scripts}<script>{draw}</script></body></html>"""

DRAW = {
    "cytoscape": """
var cy = cytoscape({container: document.getElementById('box'), elements: DATA,
  layout: {name: 'preset', fit: true}, style: [{selector: 'node', style: {label: 'data(label)',
  'text-wrap': 'wrap', 'text-valign': 'bottom', 'font-size': 12, width: 18, height: 18}}]});
cy.one('render', function () { requestAnimationFrame(function () {
  window.labels = cy.nodes().filter(function (n) { return n.renderedBoundingBox(
    {includeNodes: false, includeEdges: false, includeLabels: true}).w > 0; }).length;
  window.rendered = performance.now(); }); });""",
    "sigma": """
var graph = new graphology.Graph();
DATA.nodes.forEach(function (n) { graph.addNode(n.data.id, {x: n.position.x, y: -n.position.y, size: 6,
  label: n.data.name}); });
DATA.edges.forEach(function (e) { if (!graph.hasEdge(e.data.source, e.data.target)) {
  graph.addEdge(e.data.source, e.data.target); } });
var renderer = new Sigma(graph, document.getElementById('box'), {renderLabels: true});
renderer.once('afterRender', function () { requestAnimationFrame(function () {
  window.labels = renderer.displayedNodeLabels.size;  // sigma hides labels its grid finds crowded
  window.rendered = performance.now(); }); });
renderer.refresh();""",
}


def fetch_packages(folder: Path) -> dict[str, list[Path]]:
    """npm pack each library into `folder` and return its dist files."""
    found = {}
    for name, (spec, files) in PACKAGES.items():
        target = folder / name
        if not target.exists():
            tarball = subprocess.run(["npm", "pack", spec, "--silent"], cwd=folder, check=True,
                                     capture_output=True, text=True).stdout.strip().splitlines()[-1]
            with tarfile.open(folder / tarball) as archive:
                archive.extractall(target, filter="data")
        found[name] = [target / "package" / f for f in files]
    return found


def sizes(files: list[Path]) -> tuple[int, int]:
    """(bytes, gzip -9 bytes) of the files together."""
    raw = b"".join(f.read_bytes() for f in files)
    return len(raw), len(gzip.compress(raw, 9))


def home_network() -> dict:
    """The home page's network as the explorer receives it."""
    state = Path(tempfile.mkdtemp(prefix="mha-kg-bench-state-"))
    graph = KnowledgeGraph.open(settings_mod.load({"state_dir": str(state), "project_dir": str(ROOT)},
                                                  environ={}), log=lambda _: None)
    try:
        return network.as_json(network.build(graph), lambda iri: iri)
    finally:
        graph.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def chromium(software_gl: bool = True):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    profile = tempfile.mkdtemp(prefix="mha-kg-bench-")
    flags = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,850",
             f"--user-data-dir={profile}"]
    # The test suite's Chromium runs with --disable-gpu and no software WebGL, as a GPU-less CI does.
    flags += ["--enable-unsafe-swiftshader"] if software_gl else ["--disable-gpu"]
    for flag in flags:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def first_render_ms(driver, url: str, runs: int) -> tuple[list[float], int]:
    """Times to the first rendered frame, and how many node labels that frame shows."""
    from selenium.webdriver.support.ui import WebDriverWait

    times = []
    for _ in range(runs):
        driver.get("about:blank")
        driver.get(url)
        times.append(WebDriverWait(driver, 30).until(lambda d: d.execute_script("return window.rendered")))
        errors = driver.get_log("browser") if hasattr(driver, "get_log") else []
        severe = [e for e in errors if e.get("level") == "SEVERE"]
        if severe:
            raise RuntimeError(f"{url}: {severe[0]['message']}")
    return times, driver.execute_script("return window.labels")


def home_page_ms(driver, base: str, runs: int) -> list[float]:
    """Navigation start to the explorer's first drawing on the home page, each load afresh."""
    from selenium.webdriver.support.ui import WebDriverWait

    times = []
    for _ in range(runs):
        driver.get("about:blank")
        driver.get(base + "/")
        times.append(float(WebDriverWait(driver, 30).until(lambda d: d.execute_script(
            "var e = document.querySelector('.explorer'); return e && e.getAttribute('data-drawn-ms')"))))
    return times


def main() -> None:
    from selenium.common.exceptions import TimeoutException

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--site", action="store_true", help="also time the explorer on mha-kg's home page")
    parser.add_argument("--no-software-gl", action="store_true",
                        help="run Chromium as the tests do (--disable-gpu, no SwiftShader WebGL)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="mha-kg-netlibs-"))
    files = fetch_packages(folder)
    data = home_network()
    candidates = {"cytoscape": files["cytoscape"], "sigma": files["graphology"] + files["sigma"]}
    for name, scripts in candidates.items():
        tags = "".join(f'<script src="{p.relative_to(folder)}"></script>' for p in scripts)
        (folder / f"{name}.html").write_text(PAGE.format(name=name, data=json.dumps(data), scripts=tags,
                                                        draw=DRAW[name]), encoding="utf-8")
    server, base = serve(folder)
    driver = chromium(software_gl=not args.no_software_gl)
    try:
        print(f"home network: {len(data['nodes'])} nodes, {len(data['edges'])} edges; {args.runs} runs each")
        print("| library | bundle (min.js) | gzip -9 | first render, median | min | max | labels shown |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, scripts in candidates.items():
            raw, packed = sizes(scripts)
            try:
                times, labels = first_render_ms(driver, f"{base}/{name}.html", args.runs)
            except (RuntimeError, TimeoutException) as error:  # a library that cannot draw here is a result
                print(f"| {name} | {raw / 1024:.0f} KiB | {packed / 1024:.0f} KiB | fails: "
                      f"{str(error).splitlines()[0][:120]} | | | |")
                continue
            label = "Cytoscape.js 3.34.4" if name == "cytoscape" else "sigma.js 3.0.3 + graphology 0.26.0"
            print(f"| {label} | {raw / 1024:.0f} KiB | {packed / 1024:.0f} KiB | "
                  f"{statistics.median(times):.0f} ms | {min(times):.0f} ms | {max(times):.0f} ms | "
                  f"{labels} of {len(data['nodes'])} |")
        if args.site:
            site = servers.start_mha_kg(ROOT, folder / "state", folder, timeout=600)
            try:
                times = home_page_ms(driver, site.url.rsplit("/sparql", 1)[0], args.runs)
            finally:
                site.stop()
            print(f"explorer on mha-kg's home page: first drawing {statistics.median(times):.0f} ms median "
                  f"after navigation start ({min(times):.0f}-{max(times):.0f} ms, {args.runs} loads)")
    finally:
        driver.quit()
        server.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
