"""Validated writes against a real server over a tiny project (tests/fixtures/curated)."""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from mha_kg.curate import changes, writes
from mha_kg.web.app import create_app

from .conftest import FIXTURES, make_settings, serve

TOKEN = "curator-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://w3id.org/mha-kg"
ORG = f"{BASE}/id/organisation/"
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


# ------------------------------------------------------------------ in-process, over the Flask app

RDFS_COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
SCHEMA_NAME = "<https://schema.org/name>"


@contextmanager
def curated_app(root: Path, **settings):
    """The app over a copy of the curated project (kept between calls with the same root)."""
    if not (root / "project").exists():
        shutil.copytree(FIXTURES / "curated", root / "project")
    resolved = make_settings(root / "state", project_dir=str(root / "project"), write_token=TOKEN,
                             **settings)
    app = create_app(resolved)
    try:
        yield app.test_client()
    finally:
        app.extensions["kg"].close()  # releases the state's writer lock


def post_update(client, text: str, **params):
    return client.post("/sparql", data={"update": text, **params}, headers=AUTH)


def ask(client, pattern: str) -> bool:
    answer = client.get("/sparql", query_string={"query": f"ASK {{ {pattern} }}"},
                        headers={"Accept": "application/sparql-results+json"})
    return answer.json["boolean"]


def test_a_refused_write_saves_nothing_and_the_next_start_is_clean(tmp_path):
    comment = f"<{ORG}partner> {RDFS_COMMENT}"
    with curated_app(tmp_path) as client:
        refused = {
            f'INSERT DATA {{ {comment} "x"@en--ltr }}': 400,  # RDF 1.2 base direction
            f"INSERT DATA {{ {comment} <<( <{ORG}a> <{ORG}b> <{ORG}c> )>> }}": 400,  # triple term
            f"INSERT DATA {{ GRAPH <http://example.org/g> {{ {comment} 'x' }} }}": 403,  # not standard
            f"INSERT DATA {{ GRAPH <{BASE}/graph/change/forged> {{ {comment} 'x' }} }}": 403,
            f"INSERT DATA {{ {comment} _:b }}": 400,  # a blank node cannot be matched again
            f"INSERT DATA {{ <{ORG}new> a <{BASE}/def/Organisation> }}": 422,  # no name: the shape
        }
        for text, status in refused.items():
            answer = post_update(client, text)
            assert answer.status_code == status, (text, answer.data)
            assert b"Traceback" not in answer.data
        assert not (tmp_path / "state" / "changes" / "pending").exists() or \
            not list((tmp_path / "state" / "changes" / "pending").iterdir())
    with curated_app(tmp_path) as client:  # the next start builds from the files alone
        assert not ask(client, f'{comment} ?c')


def test_clear_and_drop_need_a_setting_and_the_core_shape_refuses_an_empty_dataset(tmp_path):
    with curated_app(tmp_path) as client:
        for text in ("CLEAR ALL", "DROP ALL", "DELETE WHERE { ?s ?p ?o }"):
            answer = post_update(client, text)
            assert answer.status_code == 403 and b"allow_destructive_writes" in answer.data
        assert ask(client, f"<{ORG}alliance> {SCHEMA_NAME} ?n")
    with curated_app(tmp_path, allow_destructive_writes=True) as client:
        for text in ("CLEAR ALL", "DROP ALL"):
            answer = post_update(client, text, change_id="wipe")
            assert answer.status_code == 422 and "the dataset lacks its core" in answer.data.decode()
        assert ask(client, f"<{ORG}alliance> {SCHEMA_NAME} ?n")


def test_a_change_is_recorded_with_its_history_and_a_retry_is_a_no_op(tmp_path):
    text = f'INSERT DATA {{ <{ORG}partner> {RDFS_COMMENT} "founded in 2006" }}'
    with curated_app(tmp_path) as client:
        first = post_update(client, text, change_id="c-2006", curator="Ada Lovelace",
                            source="https://example.org/minutes", comment="from the minutes")
        assert first.status_code == 200 and first.json["change_id"] == "c-2006"
        assert first.json["added"] == 1 and first.json["replayed"] is False
        again = post_update(client, text, change_id="c-2006", curator="Ada Lovelace",
                            source="https://example.org/minutes", comment="from the minutes")
        assert again.status_code == 200 and again.json["replayed"] is True
        assert {k: v for k, v in again.json.items() if k != "replayed"} == \
            {k: v for k, v in first.json.items() if k != "replayed"}
        other = post_update(client, f'INSERT DATA {{ <{ORG}partner> {RDFS_COMMENT} "other" }}',
                            change_id="c-2006")
        assert other.status_code == 409
        assert post_update(client, text, change_id="not a slug!").status_code == 400
        history = client.get("/sparql", headers={"Accept": "application/sparql-results+json"},
                             query_string={"query": f"""
            PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>
            PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> PREFIX mha: <{BASE}/def/>
            PREFIX dcterms: <http://purl.org/dc/terms/>
            SELECT ?g ?name ?source ?ended ?s ?o ?in WHERE {{ GRAPH ?g {{
              ?c a prov:Activity, mha:Changeset ; prov:wasAssociatedWith ?who ; dcterms:source ?source ;
                 prov:endedAtTime ?ended ; mha:added ?st .
              ?who a prov:Agent, foaf:Person ; foaf:name ?name .
              ?st a rdf:Statement ; rdf:subject ?s ; rdf:object ?o ; mha:graph ?in }} }}"""}).json
        [row] = history["results"]["bindings"]
        assert row["g"]["value"] == f"{BASE}/graph/change/c-2006"
        assert row["name"]["value"] == "Ada Lovelace" and row["source"]["type"] == "uri"
        assert row["ended"]["value"].endswith("Z") and row["s"]["value"] == f"{ORG}partner"
        assert row["o"]["value"] == "founded in 2006" and row["in"]["value"] == f"{BASE}/graph/data"
        kg = client.application.extensions["kg"]
        undone = writes.revert(kg, "c-2006", writes.Meta(curator="Ada Lovelace"), change_id="undo-2006")
        assert undone.removed == 1 and not ask(client, f'<{ORG}partner> {RDFS_COMMENT} ?c')
        assert ask(client, f"GRAPH <{BASE}/graph/change/undo-2006> {{ ?c <{BASE}/def/reverts> "
                           f"<{BASE}/id/change/c-2006> }}")


def test_the_python_api_commits_quads_atomically_with_their_history(tmp_path):
    with curated_app(tmp_path) as client:
        kg = client.application.extensions["kg"]
        data = ox.NamedNode(f"{BASE}/graph/data")
        partner = ox.NamedNode(f"{ORG}partner")
        name = ox.NamedNode("https://schema.org/name")
        label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
        old, new = ox.Literal("The Partner"), ox.Literal("The Renamed Partner")
        change = writes.commit_change(
            kg, added=[ox.Quad(partner, name, new, data), ox.Quad(partner, label, new, data)],
            removed=[ox.Quad(partner, name, old, data), ox.Quad(partner, label, old, data)],
            meta=writes.Meta(curator="Grace Hopper", comment="renamed"))
        assert change.change_id and change.added == 2 and change.removed == 2
        assert ask(client, f'<{ORG}partner> {SCHEMA_NAME} "The Renamed Partner"')
        history = f"{BASE}/graph/change/{change.change_id}"
        assert ask(client, f"GRAPH <{history}> {{ ?c <{BASE}/def/removed> ?st }}")
        with pytest.raises(writes.Invalid):  # two names: the shape refuses, nothing is kept
            writes.commit_change(kg, [ox.Quad(partner, name, ox.Literal("Second"), data)], [])
        assert not ask(client, f'<{ORG}partner> {SCHEMA_NAME} "Second"')


def test_changes_committed_within_one_second_are_listed_newest_first(tmp_path):
    """Each change records when it ended to the millisecond: with whole seconds, two commits
    in one second were ordered by their ids' random part (the feed's first entry wrong)."""
    with curated_app(tmp_path) as client:
        kg = client.application.extensions["kg"]
        data, partner = ox.NamedNode(f"{BASE}/graph/data"), ox.NamedNode(f"{ORG}partner")
        comment = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
        made = [writes.commit_change(kg, [ox.Quad(partner, comment, ox.Literal(f"note {n}"), data)], [],
                                     writes.Meta(curator="Ada", comment=f"note {n}")) for n in range(4)]
        listed = changes.recent(kg)
        assert [c.id for c in listed[:4]] == [m.change_id for m in reversed(made)]
        ended = [datetime.fromisoformat(c.ended.replace("Z", "+00:00")) for c in listed[:4]]
        assert ended == sorted(ended, reverse=True) and len(set(ended)) == 4  # none share an instant


def test_what_is_served_follows_a_write(tmp_path):
    with curated_app(tmp_path) as client:
        before = client.get("/dumps/mha-kg.nt").data.decode()
        assert "The Partner" in before and client.get("/-/metadata.json").status_code == 200
        for page in ("/", "/map"):  # the picture and the map, made once per store
            assert client.get(page, headers={"Accept": "text/html"}).status_code == 200
        renamed = post_update(client, f"""
            DELETE DATA {{ <{ORG}partner> {SCHEMA_NAME} "The Partner" }} ;
            INSERT DATA {{ <{ORG}partner> {SCHEMA_NAME} "The Renamed Partner" .
                           <{BASE}/def> <http://purl.org/dc/terms/title> "Renamed graph" }}""")
        assert renamed.status_code == 200, renamed.data
        after = client.get("/dumps/mha-kg.nt").data.decode()
        assert f'{SCHEMA_NAME} "The Renamed Partner"' in after and f'{SCHEMA_NAME} "The Partner"' not in after
        assert client.get("/-/metadata.json").json["title"] == "Renamed graph"
        home = client.get("/", headers={"Accept": "text/html"})
        assert home.status_code == 200 and "Renamed graph" in home.data.decode()
        settings = client.get("/-/settings.json").json
        assert str(tmp_path) not in json.dumps(settings)  # no file-system path in a public answer


def test_writes_survive_edits_of_the_inputs_and_a_change_that_no_longer_applies_is_set_aside(
        tmp_path, capsys):
    with curated_app(tmp_path) as client:
        assert post_update(client, f'INSERT DATA {{ <{ORG}alliance> {RDFS_COMMENT} "kept" }}',
                           change_id="kept").status_code == 200
        assert post_update(client, f"""
            DELETE DATA {{ <{ORG}partner> {SCHEMA_NAME} "The Partner" }} ;
            INSERT DATA {{ <{ORG}partner> {SCHEMA_NAME} "Partner Ltd" }}""",
                           change_id="renamed").status_code == 200
    data = tmp_path / "project" / "data" / "organisations.ttl"
    # someone edits the file: a comment (the first change still applies), and the partner's
    # name by hand (the second no longer does: what it removed is gone)
    data.write_text("# edited by hand\n" + data.read_text().replace(
        'schema:name "The Partner"', 'schema:name "Partner plc"'))
    with curated_app(tmp_path) as client:
        assert ask(client, f'<{ORG}alliance> {RDFS_COMMENT} "kept"')
        assert ask(client, f'<{ORG}partner> {SCHEMA_NAME} "Partner plc"')
        assert not ask(client, f'<{ORG}partner> {SCHEMA_NAME} "Partner Ltd"')
    said = capsys.readouterr().err
    assert "change renamed no longer applies" in said
    aside = tmp_path / "state" / "changes" / "set-aside"
    assert (aside / "renamed.trig").is_file() and "removed" in (aside / "renamed.json").read_text()


def test_a_reader_beside_a_writing_server_reads_and_leaves_the_state_alone(tmp_path):
    with curated_app(tmp_path) as client:  # the app with a write token holds the writer lock
        assert post_update(client, f'INSERT DATA {{ <{ORG}alliance> {RDFS_COMMENT} "a" }}',
                           change_id="a").status_code == 200
        pending = tmp_path / "state" / "changes" / "pending"
        in_flight = pending / "in-flight.trig"  # as the writer's next commit, not yet in the journal
        in_flight.write_bytes((pending / "a.trig").read_bytes())
        reader = writes.open_graph(make_settings(tmp_path / "state", project_dir=str(tmp_path / "project")),
                                   log=lambda _: None)  # `mha-kg query` beside the server
        try:
            [row] = reader.select(f"SELECT ?c WHERE {{ <{ORG}alliance> {RDFS_COMMENT} ?c }}")
            assert row["c"].value == "a"
        finally:
            reader.close()
        assert in_flight.is_file()  # only the writer tidies


def test_a_graph_store_put_retried_with_its_change_id_is_answered_again(tmp_path):
    links = f"{BASE}/graph/links"
    body = f"<{ORG}alliance> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <http://a.example/> ."
    with curated_app(tmp_path) as client:
        def put(data: str):
            return client.put("/rdf-graph-store", query_string={"graph": links, "change_id": "links-1"},
                              data=data, headers={**AUTH, "Content-Type": "text/turtle"})
        first = put(body)
        assert first.status_code == 201 and first.json["added"] == 1
        again = put(body)  # the same request after a lost answer
        assert again.status_code == 200 and again.json["replayed"] is True and again.json["added"] == 1
        assert put(body.replace("a.example", "b.example")).status_code == 409


def test_rdf_1_2_triple_terms_are_a_4xx_or_an_answer_never_a_500(tmp_path):
    term = "<<( <http://example.org/x> <http://example.org/y> <http://example.org/z> )>>"
    construct = f"CONSTRUCT {{ <http://example.org/a> <http://example.org/b> {term} }} WHERE {{}}"
    with curated_app(tmp_path) as client:
        for fmt in ("ttl", "nt", "jsonld", "rdf", "json"):
            for _ in range(2):  # the first run in a worker, the second in the server (inline.py)
                answer = client.get("/sparql", query_string={"query": construct, "format": fmt})
                assert answer.status_code in (200, 400, 406), (fmt, answer.data)
        refused = post_update(client, f"INSERT DATA {{ <{ORG}alliance> {RDFS_COMMENT} {term} }}")
        assert refused.status_code == 400


def test_writes_saved_by_an_earlier_version_are_named_at_start_not_dropped_silently(tmp_path, capsys):
    old = tmp_path / "state" / "curated" / "0123456789abcdef.nq"
    old.parent.mkdir(parents=True)
    old.write_text(f'<{ORG}alliance> {SCHEMA_NAME} "The Alliance" <{BASE}/graph/data> .\n')
    with curated_app(tmp_path):
        pass
    assert f"{old} holds writes saved by an earlier mha-kg" in capsys.readouterr().err
    assert old.is_file()  # left as it was
