"""The browser side of OpenRefine's flow, in a real headless Chromium on another origin.

OpenRefine's pages (on their own port) call the service from the browser in
two places: registration and property proposals go through jQuery's
XMLHttpRequest (so CORS and the browser's URL parser apply: the unencoded
`?type=` loses everything from "#"), and the preview card is shown in an
`<iframe sandbox="">`. A page served from another loopback port does the
same here, so the browser, not the test, decides what reaches the service.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from . import openrefine as orf

ORG = "http://www.w3.org/ns/org#"

#: The XMLHttpRequest jQuery's `$.ajax(url, {dataType: "json"})` makes; returns status and body.
XHR = """
const done = arguments[arguments.length - 1];
const xhr = new XMLHttpRequest();
xhr.open("GET", arguments[0]);
xhr.setRequestHeader("Accept", "application/json, text/javascript, */*; q=0.01");
xhr.onload = () => done({status: xhr.status, body: xhr.responseText});
xhr.onerror = () => done({status: 0, body: ""});
xhr.send();
"""


@pytest.fixture(scope="module")
def openrefine_page(live_server) -> Iterator[str]:
    """A stand-in for OpenRefine's page: another origin, framing the preview card as OpenRefine does."""
    service = orf.register(live_server + "/reconcile")
    frame = orf.preview_url(service, "organisation/university-of-warwick")
    body = (f'<!doctype html><title>OpenRefine</title><iframe id="preview" sandbox="" src="{frame}" '
            f'width="{service["preview"]["width"]}" height="{service["preview"]["height"]}"></iframe>')

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _wait(driver, condition, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_from_another_origin_register_and_proposals_through_the_browser(driver, openrefine_page, live_server):
    driver.set_script_timeout(20)
    driver.get(openrefine_page)
    manifest = driver.execute_async_script(XHR, live_server + "/reconcile/")
    assert manifest["status"] == 200 and json.loads(manifest["body"])["versions"] == ["0.2"]
    endpoint = json.loads(manifest["body"])["extend"]["propose_properties"]
    url = endpoint["service_url"] + endpoint["service_path"] + "?type=" + f"{ORG}OrganizationalUnit"
    proposed = driver.execute_async_script(XHR, url)
    assert proposed["status"] == 200
    answer = json.loads(proposed["body"])
    assert answer["type"] == "http://www.w3.org/ns/org"  # the browser cut the type at "#"
    assert {"ror", "parent", "people", "website"} <= {p["id"] for p in answer["properties"]}


def test_the_preview_card_shows_in_openrefines_sandboxed_frame(driver, openrefine_page):
    from selenium.webdriver.common.by import By

    driver.get(openrefine_page)
    driver.switch_to.frame(_wait(driver, lambda d: d.find_element(By.ID, "preview")))
    try:
        heading = _wait(driver, lambda d: d.find_elements(By.TAG_NAME, "h1"))
        assert heading[0].text == "University of Warwick"
    finally:
        driver.switch_to.default_content()
