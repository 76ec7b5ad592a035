"""Releases end to end over a copy of the shipped project: a first release, a curated change
through the write path, a second release whose changelog names that change, its curator and
its source; the files verify with `sha256sum -c`, and a real server publishes the series in
DCAT 3, lists it from VoID and the home page, and shows entity history.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pyoxigraph as ox
import pytest
import requests
from bs4 import BeautifulSoup
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS

from mha_kg.curate import changelog, release, writes
from mha_kg.errors import KGError
from mha_kg.publish.exports import export_graphs

from .conftest import ROOT, make_settings, serve

BASE = "https://w3id.org/mha-kg"
WMG = f"{BASE}/id/organisation/wmg"
NEW_UNIT = f"{BASE}/id/organisation/wmg-test-unit"
CHANGE_ID = "release-test-wmg"
CHANGE = f"{BASE}/id/change/{CHANGE_ID}"
CURATOR = f"{BASE}/id/curator/ada-curator"
SOURCE = "https://www.midlandshealthalliance.org.uk/associated-organisations"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
MHA = Namespace(f"{BASE}/def/")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A checkout-like copy of the project: releases go to its data/releases/."""
    root = tmp_path_factory.mktemp("release-project")
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("releases"))
    return root


@pytest.fixture(scope="module")
def settings(project):
    return make_settings(project / ".mha-kg", project_dir=str(project), write_token="curator-token")


@pytest.fixture(scope="module")
def kg(settings):
    graph = writes.open_graph(settings, log=lambda _: None, writer=True)  # it takes the curated change
    yield graph
    graph.close()


#: The curated change: WMG's name as the university writes it, and a new unit under it.
CURATED_UPDATE = f"""
PREFIX schema: <https://schema.org/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX mha: <{BASE}/def/> PREFIX prov: <http://www.w3.org/ns/prov#>
DELETE DATA {{ <{WMG}> schema:name "Warwick Manufacturing Group" ;
                       rdfs:label "Warwick Manufacturing Group" }} ;
INSERT DATA {{
  <{WMG}> schema:name "WMG, University of Warwick" ; rdfs:label "WMG, University of Warwick" .
  <{NEW_UNIT}> a mha:OrganisationalUnit ; rdfs:label "WMG test unit" ; schema:name "WMG test unit" ;
      mha:partOf <{WMG}> ; prov:wasDerivedFrom <{BASE}/id/source/hdr-uk-midlands> .
}}"""
WHO = writes.Meta(curator="Ada Curator", source=SOURCE,
                  comment="WMG's name as the university writes it; a unit added")


@pytest.fixture(scope="module")
def releases(kg, settings):
    """1.0.0 of the project as shipped, a curated change, then `auto` (1.1.0: an entity was added)."""
    first = release.make(kg, "1.0.0")
    writes.update(kg, CURATED_UPDATE, WHO, change_id=CHANGE_ID)
    second = release.make(kg, "auto")
    return first, second


def test_a_release_holds_every_format_with_checksums_that_verify(releases, kg):
    first, _ = releases
    names = {f.name for f in first.files}
    assert {f"mha-kg-1.0.0.{s}" for s in ("ttl", "jsonld", "nt", "rdf", "trig", "nq")} <= names
    assert {"CHANGELOG.md", "changelog.ttl"} <= names
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=first.path, capture_output=True,
                             text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == len(first.files)
    for file in first.files:
        body = (first.path / file.name).read_bytes()
        assert (len(body), hashlib.sha256(body).hexdigest()) == (file.bytes, file.sha256)
        assert not (first.path / file.name).stat().st_mode & 0o222, "release files are read-only"
    ntriples = set(ox.parse(path=str(first.path / "mha-kg-1.0.0.nt"), format=ox.RdfFormat.N_TRIPLES))
    assert {q.triple for q in ntriples} == {q.triple for q in release.quads(first)}
    assert len(ntriples) > 3000


def test_the_first_release_adds_every_entity(releases):
    first, _ = releases
    log = first.changelog
    assert log.previous is None and not (log.removed or log.merged or log.changed)
    assert WMG in {iri for iri, _ in log.added}
    assert len(log.added) > 100
    assert "the first release" in (first.path / "CHANGELOG.md").read_text()


def test_a_release_after_a_curated_change_lists_it_with_its_curator_and_source(releases):
    _, second = releases
    assert (second.version, second.previous) == ("1.1.0", "1.0.0")
    log = second.changelog
    assert [iri for iri, _ in log.added] == [NEW_UNIT]
    assert not log.removed and not log.merged
    wmg = next(e for e in log.changed if e.iri == WMG)
    name = next(c for c in wmg.properties if c.property == "https://schema.org/name")
    assert name.old == ['"Warwick Manufacturing Group"'] and name.new == ['"WMG, University of Warwick"']
    [change] = log.changesets
    assert (change.iri, change.curator, change.curator_name, change.source) == (
        CHANGE, CURATOR, "Ada Curator", SOURCE)
    assert change.comment.startswith("WMG's name") and set(change.entities) == {WMG, NEW_UNIT}
    markdown = (second.path / "CHANGELOG.md").read_text()
    assert "changes since 1.0.0" in markdown
    for expected in ("**Ada Curator**", SOURCE, "Warwick Manufacturing Group", "WMG, University of Warwick",
                     f"WMG test unit <{NEW_UNIT}>"):
        assert expected in markdown
    graph = Graph().parse(second.path / "changelog.ttl", format="turtle")
    node = URIRef(release.release_iri(BASE, "1.1.0"))
    assert (node, PROV.wasInfluencedBy, URIRef(CHANGE)) in graph
    assert (URIRef(CHANGE), DCTERMS.source, URIRef(SOURCE)) in graph
    assert (URIRef(CURATOR), FOAF.name, Literal("Ada Curator")) in graph
    assert (node, MHA.addedEntity, URIRef(NEW_UNIT)) in graph
    assert (node, MHA.changedEntity, URIRef(WMG)) in graph
    removed = {graph.value(s, RDF.object) for s in graph.objects(node, MHA.removed)
               if graph.value(s, RDF.subject) == URIRef(WMG)}
    assert removed == {Literal("Warwick Manufacturing Group")}


def test_the_release_dumps_the_asserted_graphs_without_the_change_graphs(releases, kg):
    first, second = releases
    dumped = set(release.quads(second))
    entities = {q.subject for q in release.quads(first) if q.subject.value.startswith(f"{BASE}/id/")}
    assert entities <= {q.subject for q in dumped}, "IRIs stay the same from release to release"
    assert dumped == set(kg.quads(export_graphs(kg, inferred=False)))
    assert not any(q.graph_name.value.startswith(f"{BASE}/graph/change/") for q in dumped)


def test_a_release_never_changes(releases, kg):
    first, _ = releases
    before = (first.path / "SHA256SUMS").read_bytes()
    for version, status in (("1.0.0", 409), ("1.1.0", 409), ("1.0.5", 409), ("v2", 400), ("1.0", 400)):
        with pytest.raises(KGError) as refused:
            release.make(kg, version)
        assert refused.value.status == status, version
    with pytest.raises(KGError, match=r"nothing changed since release 1\.1\.0"):
        release.make(kg, "auto")
    assert (first.path / "SHA256SUMS").read_bytes() == before
    assert not list(first.path.parent.glob(".*partial*")), "no half-made release is left behind"


def test_the_cli_refuses_a_version_twice_with_one_line(releases, settings):
    done = subprocess.run(
        [str(ROOT / ".venv/bin/mha-kg"), "release", "1.0.0", "--project", settings["project_dir"],
         "--setting", "state_dir", settings["state_dir"]],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: release 1.0.0 exists and never changes: choose a new version"


def test_entity_history_since_and_previous_values(releases, settings):
    found = release.all_releases(settings)
    assert [r.version for r in found] == ["1.0.0", "1.1.0"]
    wmg = release.history(found, WMG)
    assert wmg.since == "1.0.0"
    [(version, change)] = [(v, c) for v, c in wmg.previous_values if c.property.endswith("/name")]
    assert version == "1.1.0" and change.old == ['"Warwick Manufacturing Group"']
    assert release.history(found, NEW_UNIT).since == "1.1.0"


def test_diff_sees_removals_and_merges():
    """A merge: the removed entity's external identifier now belongs to another, or it only
    points at its replacement; anything else that disappears is a removal."""
    def q(s, p, o):
        return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o, ox.NamedNode(f"{BASE}/graph/data"))

    name, same = "https://schema.org/name", "https://schema.org/sameAs"
    a, b, c, d = (f"{BASE}/id/organisation/{x}" for x in "abcd")
    ror = ox.NamedNode("https://ror.org/00example")
    old = [q(a, name, ox.Literal("A")), q(a, same, ror), q(b, name, ox.Literal("B")),
           q(c, name, ox.Literal("C")), q(d, name, ox.Literal("D"))]
    new = [q(b, name, ox.Literal("B")), q(b, same, ror),
           q(d, "http://purl.org/dc/terms/isReplacedBy", ox.NamedNode(b))]
    log = changelog.diff(old, new, BASE, "1.0.0")
    assert log.merged == [(a, b), (d, b)]
    assert log.removed == [(c, "C")]
    assert [e.iri for e in log.changed] == [b]
    assert release.suggest(release.Release("1.4.2", "", None, "", [], log), log) == "2.0.0"


# ------------------------------------------------------------------ over HTTP


@pytest.fixture(scope="module")
def site(releases, settings):
    with serve("--setting", "project_dir", settings["project_dir"], state_dir=settings["state_dir"]) as url:
        yield url


def test_the_series_is_published_in_dcat_3_and_the_checksums_verify(site):
    response = requests.get(site + "/releases/", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    series = URIRef(f"{BASE}/releases/")
    assert (series, RDF.type, DCAT.DatasetSeries) in graph
    first, second = (URIRef(release.release_iri(BASE, v)) for v in ("1.0.0", "1.1.0"))
    for node, version in ((first, "1.0.0"), (second, "1.1.0")):
        assert (node, DCAT.inSeries, series) in graph
        assert graph.value(node, DCAT.version) == Literal(version)
        assert graph.value(node, DCTERMS.issued) is not None
    assert (second, DCAT.previousVersion, first) in graph
    as_jsonld = requests.get(site + "/releases/index.jsonld", timeout=30)
    assert len(list(ox.parse(as_jsonld.content, format=ox.RdfFormat.JSON_LD))) == len(graph)
    distributions = list(graph.objects(second, DCAT.distribution))
    assert len(distributions) == 8
    for dist in distributions:
        url = str(graph.value(dist, DCAT.downloadURL))
        body = requests.get(url, timeout=30).content
        checksum = graph.value(dist, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()
        assert int(graph.value(dist, DCAT.byteSize)) == len(body)
        assert str(graph.value(dist, DCAT.mediaType)).startswith("https://www.iana.org/assignments/media-types/")


def test_release_files_are_served_immutable_and_unknown_ones_are_404(site):
    response = requests.get(site + "/releases/1.1.0/SHA256SUMS", timeout=30)
    assert response.status_code == 200 and "mha-kg-1.1.0.nq" in response.text
    manifest = requests.get(site + "/releases/1.1.0/release.json", timeout=30).json()
    dump = requests.get(site + "/releases/1.1.0/mha-kg-1.1.0.ttl", timeout=30)
    assert dump.headers["Content-Type"].startswith("text/turtle")
    assert "immutable" in dump.headers["Cache-Control"]
    entry = next(f for f in manifest["files"] if f["name"] == "mha-kg-1.1.0.ttl")
    assert entry["sha256"] == hashlib.sha256(dump.content).hexdigest()
    latest = requests.get(site + "/releases/latest/", allow_redirects=False, timeout=30)
    assert (latest.status_code, latest.headers["Location"]) == (302, "/releases/1.1.0/")
    for path in ("/releases/9.9.9/", "/releases/1.1.0/nothing.ttl", "/releases/newest/",
                 "/releases/1.1.0/../../etc/passwd", "/releases/1.1.0/.lock"):
        answer = requests.get(site + path, timeout=30)
        assert answer.status_code == 404, path
        assert "\n" not in answer.text.strip()


def test_the_pages_list_releases_and_show_the_changelog(site):
    listing = BeautifulSoup(requests.get(site + "/releases/", timeout=30).text, "html.parser")
    assert [a.text for a in listing.select("table.releases td:first-child a")] == ["1.1.0", "1.0.0"]
    page = BeautifulSoup(requests.get(site + "/releases/1.1.0/", timeout=30).text, "html.parser")
    [change] = page.select("li.changeset")
    assert change.select_one(".curator").text == "Ada Curator"
    assert change.select_one("a.source")["href"] == SOURCE
    assert "Warwick Manufacturing Group" in page.select_one("table.changed").text
    home = BeautifulSoup(requests.get(site + "/", timeout=30).text, "html.parser")
    assert [a.text for a in home.select("p.releases a")][:2] == ["1.1.0", "1.0.0"]


def test_void_lists_the_series(site):
    graph = Graph().parse(data=requests.get(site + "/.well-known/void", timeout=30).text, format="turtle")
    assert (URIRef(f"{BASE}/dataset"), RDFS.seeAlso, URIRef(f"{BASE}/releases/")) in graph
    members = set(graph.subjects(DCAT.inSeries, URIRef(f"{BASE}/releases/")))
    assert len(members) == 2
    assert set(graph.objects(URIRef(f"{BASE}/dataset"), DCAT.hasVersion)) == members


def test_entity_pages_say_since_when_and_link_previous_values(site):
    page = BeautifulSoup(requests.get(site + "/page/organisation/wmg", timeout=30).text, "html.parser")
    since = page.select_one("section.history p.since")
    assert since.a["href"] == "/releases/1.0.0/"
    row = page.select_one("table.previous-values tbody tr")
    assert row.a["href"] == "/releases/1.1.0/"
    assert "Warwick Manufacturing Group" in row.text and "WMG, University of Warwick" in row.text
    new = BeautifulSoup(requests.get(site + "/page/organisation/wmg-test-unit", timeout=30).text,
                        "html.parser")
    assert new.select_one("section.history p.since a").text == "1.1.0"
    manifest = requests.get(site + "/releases/1.0.0/release.json", timeout=30).text
    assert json.loads(manifest)["previous"] is None


@pytest.mark.browser
def test_a_reader_goes_from_the_home_page_to_a_release_and_to_an_entitys_history(driver, site):
    """In Chromium: home -> the latest release -> the curated change -> the changed entity's page."""
    from selenium.webdriver.common.by import By

    driver.get(site + "/")
    driver.find_element(By.CSS_SELECTOR, "p.releases a[href='/releases/1.1.0/']").click()
    assert driver.find_element(By.TAG_NAME, "h1").text.endswith("1.1.0")
    change = driver.find_element(By.CSS_SELECTOR, "li.changeset")
    assert "Ada Curator" in change.text and SOURCE in change.text
    change.find_element(By.CSS_SELECTOR, "a[href='/id/organisation/wmg']").click()
    assert driver.current_url.endswith("/page/organisation/wmg")
    history = driver.find_element(By.CSS_SELECTOR, "section.history")
    assert "since release 1.0.0" in history.text and "Warwick Manufacturing Group" in history.text
