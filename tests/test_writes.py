"""Validated writes against a real server over a tiny project (tests/fixtures/curated)."""

from __future__ import annotations

import shutil

import pytest
import requests

from .conftest import FIXTURES, serve

TOKEN = "curator-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ORG = "https://w3id.org/mha-kg/id/organisation/"
NAMES = ("SELECT ?name WHERE { ?o a <https://schema.org/Organization> ; <https://schema.org/name> ?name } "
         "ORDER BY ?name")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("curated")
    shutil.copytree(FIXTURES / "curated", root / "project")
    return root


def start(project, token=TOKEN):
    return serve("--setting", "project_dir", str(project / "project"), "--setting", "write_token", token,
                 state_dir=project / "state")


def names(url) -> list[str]:
    r = requests.get(url + "/sparql", params={"query": NAMES}, timeout=30)
    return [b["name"]["value"] for b in r.json()["results"]["bindings"]]


def update(url, text, headers=AUTH, **kwargs):
    return requests.post(url + "/sparql", data={"update": text}, headers=headers, timeout=120, **kwargs)


def test_writes_validate_commit_and_survive_a_restart(project):
    with start(project) as url:
        before = names(url)
        # a new organisation without a name breaks the shape: refused whole, with the report
        bad = update(url, f"INSERT DATA {{ <{ORG}new> a <https://w3id.org/mha-kg/def/Organisation> . "
                          f'<{ORG}alliance> <http://www.w3.org/2000/01/rdf-schema#comment> "kept?" }}')
        assert bad.status_code == 422
        report = bad.json()
        assert report["conforms"] is False and report["results"][0]["focus"] == ORG + "new"
        assert names(url) == before
        turtle = update(url, f"INSERT DATA {{ <{ORG}new> a <https://w3id.org/mha-kg/def/Organisation> }}",
                        headers={**AUTH, "Accept": "text/turtle"})
        assert turtle.status_code == 422 and "sh:ValidationReport" in turtle.text
        good = update(url, f"INSERT DATA {{ <{ORG}new> a <https://w3id.org/mha-kg/def/Organisation> ; "
                           '<https://schema.org/name> "New Partner" }')
        assert good.status_code == 200, good.text
        assert names(url) == sorted([*before, "New Partner"])
    with start(project) as url:  # a restart with the same inputs sees the change
        assert "New Partner" in names(url)


def test_without_a_token_every_write_is_403_and_a_wrong_one_401(project, tmp_path):
    with serve("--setting", "project_dir", str(project / "project"), state_dir=tmp_path) as url:
        assert update(url, "INSERT DATA { <http://a> <http://b> 1 }").status_code == 403
        assert requests.put(url + "/rdf-graph-store?graph=http://example.org/g", data=b"",
                            headers={**AUTH, "Content-Type": "text/turtle"}, timeout=30).status_code == 403
    with start(project) as url:
        assert update(url, "INSERT DATA { <http://a> <http://b> 1 }",
                      headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert update(url, "INSERT DATA { <http://a> <http://b> 1 }", headers={}).status_code == 401
        assert update(url, "LOAD <http://127.0.0.1:9/x.ttl>").status_code == 403


def test_graph_store_protocol(project):
    graph = "https://w3id.org/mha-kg/graph/links"  # a standard graph, empty in the fixture
    with start(project) as url:
        store = url + "/rdf-graph-store"
        note = "<http://www.w3.org/2000/01/rdf-schema#seeAlso>"
        a, b = "<http://a.example/>", "<http://b.example/>"
        put = requests.put(store, params={"graph": graph}, data=f"<{ORG}alliance> {note} {a} .",
                           headers={**AUTH, "Content-Type": "text/turtle"}, timeout=120)
        assert put.status_code == 201, put.text
        post = requests.post(store, params={"graph": graph}, data=f"<{ORG}partner> {note} {b} .",
                             headers={**AUTH, "Content-Type": "application/n-triples"}, timeout=120)
        assert post.status_code == 200 and post.json()["added"] == 1
        got = requests.get(store, params={"graph": graph}, headers={"Accept": "application/n-triples"},
                           timeout=30)
        assert sorted(line.split()[2] for line in got.text.splitlines()) == ["<http://a.example/>",
                                                                            "<http://b.example/>"]
        bad = requests.put(store, params={"default": ""}, headers={**AUTH, "Content-Type": "text/turtle"},
                           data=f'<{ORG}partner> a <https://w3id.org/mha-kg/def/Organisation> .', timeout=120)
        assert bad.status_code == 422  # replacing the data graph with a nameless organisation
        # emptying a standard graph is destructive: refused without allow_destructive_writes
        emptied = requests.delete(store, params={"graph": graph}, headers=AUTH, timeout=120)
        assert emptied.status_code == 403 and "allow_destructive_writes" in emptied.text
        outside = requests.put(store, params={"graph": "http://example.org/notes"}, data=b"",
                               headers={**AUTH, "Content-Type": "text/turtle"}, timeout=30)
        assert outside.status_code == 403 and "standard graphs" in outside.text
        inferred = requests.delete(store, params={"graph": "https://w3id.org/mha-kg/graph/inferred"},
                                   headers=AUTH, timeout=30)
        assert inferred.status_code == 403
