"""Linked-data publishing conventions (issue 19): what DBpedia and Wikidata do and crawlers expect.

Embedded JSON-LD and rel=canonical on entity pages, RDFa naming its subject,
/data/ documents that describe themselves, validators with conditional GET,
robots.txt and a sitemap, DCAT distributions with their size and checksum,
and no link to an example the server would refuse.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
import requests
from bs4 import BeautifulSoup
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from tests.conftest import FIXTURES, make_settings, serve

SPDX = Namespace("http://spdx.org/rdf/terms#")
PERSON = "person/simon-ball"
BASE = "https://w3id.org/mha-kg"


def parse(response, fmt: str = "turtle") -> Graph:
    return Graph().parse(data=response.get_data(as_text=True), format=fmt)


def test_entity_page_embeds_its_data_document_and_names_its_subject(client):
    page = client.get(f"/page/{PERSON}")
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert soup.find("link", rel="canonical")["href"] == f"http://localhost/page/{PERSON}"
    assert soup.find("article", class_="entity")["about"] == f"{BASE}/id/{PERSON}"
    assert "foaf.Person" not in soup.find("article")["typeof"]
    embedded = Graph().parse(data=soup.find("script", type="application/ld+json").string, format="json-ld")
    document = parse(client.get(f"/data/{PERSON}.ttl"))
    assert len(document) > 10
    assert isomorphic(embedded, document)


def test_embedded_jsonld_cannot_close_its_script_element(client):
    from mha_kg.web.entity import script_safe

    assert str(script_safe(b'{"name": "</script><b>x"}')) == '{"name": "\\u003c/script>\\u003cb>x"}'


@pytest.mark.parametrize("suffix,fmt", [("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt"),
                                        ("rdf", "xml")])
def test_data_document_describes_itself(client, suffix, fmt):
    graph = parse(client.get(f"/data/{PERSON}.{suffix}"), fmt)
    doc = URIRef(f"http://localhost/data/{PERSON}")
    assert (doc, RDF.type, FOAF.Document) in graph
    assert (doc, FOAF.primaryTopic, URIRef(f"{BASE}/id/{PERSON}")) in graph
    assert (doc, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in graph
    assert graph.value(doc, DCTERMS.source) is not None
    assert (doc, DCTERMS.isPartOf, URIRef(f"{BASE}/dataset")) in graph
    modified = graph.value(doc, DCTERMS.modified)
    assert isinstance(modified, Literal) and modified.datatype == XSD.dateTime


def test_every_format_of_a_data_document_is_the_same_graph(client):
    turtle = parse(client.get(f"/data/{PERSON}.ttl"))
    for suffix, fmt in (("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml")):
        assert isomorphic(turtle, parse(client.get(f"/data/{PERSON}.{suffix}"), fmt)), suffix


@pytest.mark.parametrize("path", [f"/data/{PERSON}.ttl", "/dumps/mha-kg.nt", "/.well-known/void",
                                  "/sitemap.xml", "/sparql?query=SELECT+%3Fs+%7B%3Fs+a+%3Fo%7D+LIMIT+3"])
def test_data_answers_revalidate_with_a_strong_etag(client, path):
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "max-age=300"
    assert first.headers["Last-Modified"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_security_headers_fit_what_is_answered(client):
    """A document says who may frame it and what it may load; a data answer, that it is not
    to be sniffed. Both may be read from any origin."""
    page = client.get("/", headers={"Accept": "text/html"})
    data = client.get("/sparql", query_string={"query": "ASK {}"},
                      headers={"Accept": "application/sparql-results+json"})
    assert page.mimetype == "text/html" and data.mimetype == "application/sparql-results+json"
    for answer in (page, data):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert answer.headers["Cache-Control"] == "max-age=300"
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert not {"X-Frame-Options", "Referrer-Policy", "Content-Security-Policy"} & set(data.headers.keys())


def test_pages_revalidate_with_a_weak_etag_per_url(client):
    first = client.get(f"/page/{PERSON}")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert client.get(f"/page/{PERSON}", headers={"If-None-Match": etag}).status_code == 304
    other = client.get("/page/organisation/midlands-engine").headers["ETag"]
    assert other != etag
    html = client.get(f"/page/{PERSON}", headers={"Accept": "text/html"}).headers["ETag"]
    assert html == etag  # the page's text varies only by its timing line


def test_errors_carry_no_validators(client):
    missing = client.get("/page/person/nobody")
    assert missing.status_code == 404
    assert "ETag" not in missing.headers and "Last-Modified" not in missing.headers


def test_robots_txt_points_to_the_sitemap(client):
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots.splitlines()
    assert "User-agent: *" in robots


def test_sitemap_lists_every_entity_page_and_they_answer(client, kg):
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = [loc.text for loc in ET.fromstring(response.get_data()).findall("s:url/s:loc", ns)]
    entities = kg.select(f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o '
                         f'FILTER(STRSTARTS(STR(?s), "{BASE}/id/")) }}')[0]["n"].value
    assert sum("/page/" in url for url in urls) == int(entities) > 400
    assert len(urls) == len(set(urls))
    assert "http://localhost/query/figures" in urls
    assert not any(url.endswith("/query/wikidata-russell-group") for url in urls)
    for url in urls[:8] + urls[-8:] + [u for u in urls if "/page/" in u][::60]:
        assert client.get(url.removeprefix("http://localhost")).status_code == 200, url


def test_dcat_distributions_state_their_size_and_checksum(client):
    void = parse(client.get("/.well-known/void.ttl"))
    distributions = list(void.subjects(RDF.type, DCAT.Distribution))
    assert len(distributions) == 6
    for dist in distributions:
        body = client.get(str(void.value(dist, DCAT.downloadURL)).removeprefix("http://localhost")).get_data()
        assert void.value(dist, DCAT.byteSize) == Literal(len(body), datatype=XSD.nonNegativeInteger)
        checksum = void.value(dist, SPDX.checksum)
        assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(void.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()


def test_favicon_and_meta_description_on_every_page(client):
    for path in ("/", f"/page/{PERSON}", "/query", "/def", "/types/", "/dumps/"):
        soup = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        assert soup.find("meta", attrs={"name": "description"})["content"].strip(), path
        icon = soup.find("link", rel="icon")["href"]
        assert client.get(icon).mimetype == "image/svg+xml"
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 301 and redirect.headers["Location"].endswith("/static/favicon.svg")


def test_search_box_is_an_aria_combobox_on_a_text_input(client):
    field = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser").find(id="site-search-q")
    assert field["type"] == "text" and field["role"] == "combobox"


def test_a_refused_example_is_text_with_the_setting_not_a_link(client):
    for path in ("/", "/query"):
        html = client.get(path).get_data(as_text=True)
        assert 'href="/query/wikidata-russell-group"' not in html
        assert 'href="/query/figures"' in html
    home = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    item = home.find("span", class_="example-off").parent
    assert "service_allowlist" in item.get_text()
    assert re.search(r"Which partners are Russell Group members", item.get_text())
    assert client.get("/query/wikidata-russell-group").status_code == 403


def test_an_allowed_example_is_a_link_again(state_dir, kg):
    from mha_kg.web.app import create_app

    allowed = make_settings(state_dir, service_allowlist=["https://query.wikidata.org/sparql"])
    html = create_app(allowed, kg=kg).test_client().get("/").get_data(as_text=True)
    assert 'href="/query/wikidata-russell-group"' in html


def test_a_write_renews_the_validators(tmp_path):
    """After a curated write, a cache revalidating with the old ETag gets the new document."""
    shutil.copytree(FIXTURES / "curated", tmp_path / "project")
    token = "curator-token"
    alliance = f"{BASE}/id/organisation/alliance"
    with serve("--setting", "project_dir", str(tmp_path / "project"), "--setting", "write_token", token,
               state_dir=tmp_path / "state") as url:
        before = requests.get(f"{url}/data/organisation/alliance.ttl", timeout=30)
        page = requests.get(f"{url}/page/organisation/alliance", timeout=30)
        assert before.status_code == 200 and page.status_code == 200
        insert = (f'INSERT DATA {{ <{alliance}> <http://www.w3.org/2000/01/rdf-schema#comment> '
                  '"revalidated" }')
        written = requests.post(url + "/sparql", data={"update": insert}, timeout=120,
                                headers={"Authorization": f"Bearer {token}"})
        assert written.status_code == 200, written.text
        after = requests.get(f"{url}/data/organisation/alliance.ttl", timeout=30,
                             headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200 and "revalidated" in after.text
        assert after.headers["ETag"] != before.headers["ETag"]
        again = requests.get(f"{url}/page/organisation/alliance", timeout=30,
                             headers={"If-None-Match": page.headers["ETag"]})
        assert again.status_code == 200 and "revalidated" in again.text
