"""The remote-engine mode over OpenLink Virtuoso: the same answers as the embedded store.

A fresh Virtuoso (Debian's package, `make virtuoso`) is started on free loopback
ports with a row cap of 500 (ResultSetMaxRows), loaded with `mha-kg load`
under digest authentication, and served with `mha-kg serve --store`. Every
page family, `/sparql` in every format, every example query, search,
reconciliation, every dump and the competency questions are then compared
with the embedded server (`live_server`). The default run compares one entity
of each class (HTML, Turtle and JSON-LD) and the inferred dump in one format;
`make engines` (MHA_KG_ENGINES_FULL=1) compares every entity in every format and
every dump, and runs the same comparison over the Oxigraph server too.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic

from mha_kg import settings as settings_mod
from mha_kg.cli.main import cli
from mha_kg.errors import KGError
from mha_kg.query import catalogue, formats, remote
from mha_kg.query.engine import RemoteEngine

from . import engines
from .conftest import make_settings, serve

FULL = os.environ.get("MHA_KG_ENGINES_FULL") == "1"
OXIGRAPH = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
ENGINES = ["virtuoso", "oxigraph"] if FULL else ["virtuoso"]
CREDENTIALS = {"MHA_KG_STORE_USER": "dba", "MHA_KG_STORE_PASSWORD": "dba"}
CAP = 500  # Virtuoso's ResultSetMaxRows in these tests; the dataset has about 4,000 triples
COMPETENCY = sorted((Path(__file__).parent / "competency").glob("*.rq"))

pytestmark = pytest.mark.timeout(900 if FULL else 300)


# ------------------------------------------------------------------ the engines


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    with engines.virtuoso(tmp_path_factory.mktemp("virtuoso"), max_rows=CAP) as url:
        yield url


def load(runner, store: str, gsp: str, state_dir, env: dict) -> object:
    return runner.invoke(cli, ["load", "--store", store, "--gsp", gsp,
                               "--setting", "state_dir", str(state_dir)], env=env)


@pytest.fixture(scope="module")
def remote_store(request, tmp_path_factory, state_dir, kg):
    """(engine name, query endpoint) of an engine loaded with `mha-kg load`."""
    from click.testing import CliRunner

    if request.param == "virtuoso":
        base = request.getfixturevalue("virtuoso")
        store, gsp, env = base + "/sparql", base + "/sparql-graph-crud-auth", CREDENTIALS
        with_engine = None
    else:
        assert OXIGRAPH, "the oxigraph server comes with the bench extra"
        with_engine = engines.oxigraph(OXIGRAPH, tmp_path_factory.mktemp("oxigraph"))
        base = with_engine.__enter__()
        store, gsp, env = base + "/query", base + "/store", {}
    result = load(CliRunner(), store, gsp, state_dir, env)
    assert result.exit_code == 0, result.output
    yield request.param, store, env
    if with_engine is not None:
        with_engine.__exit__(None, None, None)


@pytest.fixture(scope="module")
def over(remote_store, tmp_path_factory):
    """`mha-kg serve --store` over the loaded engine."""
    _, store, env = remote_store
    with serve("--store", store, state_dir=tmp_path_factory.mktemp("over-state"), env=env) as url:
        yield url


def pytest_generate_tests(metafunc):
    if "remote_store" in metafunc.fixturenames:
        metafunc.parametrize("remote_store", ENGINES, indirect=True, scope="module")


# ------------------------------------------------------------------ comparing answers

_TIMES = re.compile(r"\d+(?:\.\d+)? ?ms\b|\"(?:elapsed_ms|took_ms|ms)\": ?[\d.]+")
RDF_SUFFIXES = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                "rdf": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD}
DATASET_SUFFIXES = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
RESULTS_FORMATS = {"srj": ox.QueryResultsFormat.JSON, "srx": ox.QueryResultsFormat.XML}


def fetch(base: str, path: str, **kwargs) -> requests.Response:
    return requests.request(kwargs.pop("method", "GET"), base + path, timeout=60, **kwargs)


#: When a server's own data was last built: a remote engine cannot say, so its documents leave it out.
MODIFIED = ox.NamedNode("http://purl.org/dc/terms/modified")
_MODIFIED = re.compile(r'\s*"dcterms:modified": \{[^{}]*\},')


def comparable(response: requests.Response, base: str, kind: str):
    """The answer with what legitimately differs between two servers taken out:
    their own address, the time queries took, when each built its data, and the order of
    RDF statements."""
    text = response.content.decode("utf-8").replace(base, "http://server")
    if kind in RDF_SUFFIXES or kind in DATASET_SUFFIXES:
        graphs: dict[str, set] = {}
        for quad in ox.parse(text.encode(), format=RDF_SUFFIXES.get(kind) or DATASET_SUFFIXES[kind]):
            if quad.predicate != MODIFIED or not quad.subject.value.startswith("http://server/"):
                graphs.setdefault(str(quad.graph_name), set()).add(quad.triple)
        return graphs
    if kind in RESULTS_FORMATS:  # the same answer may be written by Oxigraph or by mha-kg
        answer = ox.parse_query_results(text.encode(), format=RESULTS_FORMATS[kind])
        if isinstance(answer, ox.QueryBoolean):
            return bool(answer)
        names = [v.value for v in answer.variables]
        return names, [[str(solution[name]) for name in names] for solution in answer]
    return _MODIFIED.sub("", _TIMES.sub("N ms", text))


def same(path: str, embedded: str, over: str, kind: str = "text", **kwargs) -> None:
    here, there = fetch(embedded, path, **kwargs), fetch(over, path, **kwargs)
    assert (here.status_code, there.status_code) == (200, 200), (path, there.text[:300])
    assert len(here.content) > 0
    mine, theirs = comparable(here, embedded, kind), comparable(there, over, kind)
    if isinstance(mine, dict):  # RDF, graph by graph
        assert mine and mine.keys() == theirs.keys(), path
        for name, triples in mine.items():
            assert _same_graph(triples, theirs[name]), (path, name)
    else:
        assert mine == theirs, path


def _same_graph(mine: set, theirs: set) -> bool:
    """Equal sets of triples; with blank nodes, isomorphic graphs (rdflib matches the nodes)."""
    if not any(isinstance(term, ox.BlankNode) for triple in mine | theirs for term in triple):
        return mine == theirs
    as_rdflib = [Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
                 for triples in (mine, theirs)]
    return isomorphic(*as_rdflib)


def entities(kg) -> list[str]:
    """Entity paths below /id/: every one, or the first of each class."""
    rows = kg.select(f"SELECT ?s ?t WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), \"{kg.base}/id/\")) }} "
                     "ORDER BY ?t ?s")
    chosen, seen = [], set()
    for row in rows:
        if FULL or row["t"].value not in seen:
            seen.add(row["t"].value)
            chosen.append(row["s"].value.split("/id/", 1)[1])
    return sorted(set(chosen))


# ------------------------------------------------------------------ load


def test_load_over_virtuoso_needs_credentials_and_says_so_in_one_line(virtuoso, state_dir):
    from click.testing import CliRunner

    result = load(CliRunner(), virtuoso + "/sparql", virtuoso + "/sparql-graph-crud-auth", state_dir,
                  {"MHA_KG_STORE_USER": "dba", "MHA_KG_STORE_PASSWORD": "wrong"})
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(lines) == 1 and "401" in lines[0] and "store_password" in lines[0], result.output
    assert "wrong" not in result.output and "Traceback" not in result.output


def test_the_password_is_refused_on_the_command_line(runner, state_dir):
    result = runner.invoke(cli, ["load", "--store", "http://127.0.0.1:9/sparql",
                                 "--setting", "store_password", "secret"])
    assert result.exit_code == 1
    assert "MHA_KG_STORE_PASSWORD" in result.output and "secret" not in result.output
    shown = settings_mod.public(make_settings(state_dir, store_user="dba", store_password="secret"))
    assert shown["store_password"] == "(set)" and shown["store_user"] == "dba"


def test_every_graph_arrives_with_the_embedded_counts_and_nothing_of_the_engine(remote_store, kg):
    _, store, env = remote_store
    settings = make_settings(Path(kg.settings["state_dir"]), store=store, store_user=env.get(
        "MHA_KG_STORE_USER", ""), store_password=env.get("MHA_KG_STORE_PASSWORD", ""))
    engine = RemoteEngine(store, settings)
    assert engine.graph_names() == kg.graph_names()
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    per_graph = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    for query in (count, per_graph):
        assert engine.run(query).records() == kg.query(query).records()


def test_an_engine_without_the_projects_graphs_answers_from_nothing(virtuoso, kg):
    """Virtuoso's own 2,500 system triples are not the project's, even when nothing is loaded."""
    other = make_settings(Path(kg.settings["state_dir"]), store=virtuoso + "/sparql",
                          base_iri="https://example.org/another-project")
    engine = RemoteEngine(virtuoso + "/sparql", other)
    assert engine.graph_names() == []
    assert engine.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").records() == [{"n": "0"}]
    direct = requests.post(virtuoso + "/sparql", data={"query": "ASK { ?s ?p ?o }"}, timeout=30,
                           headers={"Accept": "application/sparql-results+json"})
    assert "__ASK_RETVAL" in direct.text and '"1"' in direct.text  # the engine does hold triples


# ------------------------------------------------------------------ pages


SITE_PAGES = {"/": "text", "/types/": "text", "/def": "text", "/def.ttl": "ttl", "/query": "text",
              "/-/queries.json": "text", "/map": "text", "/map.json": "text", "/network.json": "text",
              "/picture.svg": "text", "/dumps/": "text", "/context.jsonld": "text",
              "/.well-known/void": "ttl", "/.well-known/void.ttl": "ttl", "/dataset": "ttl",
              "/-/metadata.json": "text", "/sparql": "ttl",
              "/rdf-graph-store?graph=https://w3id.org/mha-kg/graph/links": "ttl",
              "/rdf-graph-store": "ttl"}


@pytest.mark.parametrize("path", SITE_PAGES)
def test_site_page_is_the_same(path, live_server, over):
    accept = "text/turtle" if SITE_PAGES[path] == "ttl" else "text/html"
    same(path, live_server, over, kind=SITE_PAGES[path], headers={"Accept": accept})


def test_ontology_term_pages_are_the_same(live_server, over):
    terms = sorted(set(re.findall(r'href="/def/([^"#]+)"', fetch(live_server, "/def").text)))
    assert terms
    for name in terms if FULL else terms[::5]:
        same(f"/def/{name}", live_server, over, headers={"Accept": "text/html"})


def test_every_class_page_is_the_same(live_server, over, kg):
    names = sorted({a for a in re.findall(r'href="/types/([^"]+)"',
                                          fetch(live_server, "/types/").text)})
    assert names
    for name in names:
        same(f"/types/{name}", live_server, over)


def test_entity_pages_and_their_data_are_the_same(live_server, over, kg):
    chosen = entities(kg)
    assert chosen
    for rest in chosen:
        same(f"/page/{rest}", live_server, over)
        for suffix in RDF_SUFFIXES if FULL else ("ttl", "jsonld"):  # nt, rdf: the same writer
            same(f"/data/{rest}.{suffix}", live_server, over, kind=suffix)


def test_every_dump_is_the_same_and_none_is_cut_by_the_engine(live_server, over):
    listed = sorted(set(re.findall(r'href="/dumps/([^"]+)"', fetch(live_server, "/dumps/").text)))
    assert "mha-kg.nq" in listed
    # By default each format once, and the inferred closure once (the same code, other graphs).
    for name in listed if FULL else [n for n in listed if "inferred" not in n] + ["mha-kg-inferred.nq"]:
        suffix = name.rsplit(".", 1)[-1]
        same(f"/dumps/{name}", live_server, over, kind=suffix)


# ------------------------------------------------------------------ /sparql

QUERIES = {
    "results": "PREFIX schema: <https://schema.org/> SELECT ?o ?name WHERE { ?o schema:name ?name } "
               "ORDER BY ?o ?name",
    "ask": "ASK { ?s a <http://www.w3.org/ns/org#Organization> }",
    "graph": "PREFIX schema: <https://schema.org/> CONSTRUCT { ?o schema:name ?name } "
             "WHERE { ?o schema:name ?name }",
}


@pytest.mark.parametrize("fmt", [f.name for f in formats.for_kind("results", "graph")])
def test_sparql_answers_the_same_in_every_format(fmt, live_server, over):
    chosen = formats.by_name(fmt)
    for form, query in QUERIES.items():
        kind = "graph" if form == "graph" else "results"
        if chosen.kind != kind:
            continue
        same("/sparql?" + requests.compat.urlencode({"query": query}), live_server, over,
             kind=chosen.suffix, headers={"Accept": chosen.media_type})


def test_describe_answers_the_entitys_own_statements(live_server, over, kg):
    iri = f"{kg.base}/id/{entities(kg)[0]}"
    answer = fetch(over, "/sparql", params={"query": f"DESCRIBE <{iri}>"},
                   headers={"Accept": "application/n-triples"})
    assert answer.status_code == 200, answer.text
    graph = Graph().parse(data=answer.text, format="nt")
    own = kg.query(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o FILTER(!isBlank(?o)) }}")
    expected = Graph().parse(data=ox.serialize(own.triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert len(expected) > 0 and all(triple in graph for triple in expected)


def test_an_answer_cut_by_the_engine_is_marked_cut(remote_store, over):
    if remote_store[0] != "virtuoso":
        pytest.skip("the Oxigraph server caps no answer")
    answer = fetch(over, "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                   headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200
    assert answer.headers["X-Truncated"] == f"true; limit={CAP}"
    assert len(answer.json()["results"]["bindings"]) == CAP


def test_a_query_stopped_at_the_time_limit_is_stopped_inside_virtuoso(virtuoso, kg):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(STR(?c) < STR(?i)) }"
    settings = make_settings(Path(kg.settings["state_dir"]), store=virtuoso + "/sparql")
    engine = RemoteEngine(virtuoso + "/sparql", settings)
    engine.warm()
    assert engine.server.startswith("Virtuoso")
    with pytest.raises(KGError) as stopped:
        engine.run(slow, time_limit_ms=1000)
    assert stopped.value.status == 503 and "sparql_time_limit_ms" in str(stopped.value)
    # The engine itself stopped it: asked directly with the same parameter, it says so.
    direct = requests.post(virtuoso + "/sparql", data={"query": slow, "timeout": "1000"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert remote.stopped_at_time_limit(direct.headers)


def test_a_query_the_engine_cannot_parse_is_a_one_line_400(live_server, over):
    for base in (live_server, over):
        answer = fetch(base, "/sparql", params={"query": "SELECT * WHERE { ?s ?p }"},
                       headers={"Accept": "application/json"})
        assert answer.status_code == 400, (base, answer.text)
        assert answer.json()["error"] and "Traceback" not in answer.text


# ------------------------------------------------------------------ examples, questions, search


@pytest.mark.parametrize("query", catalogue.load(), ids=lambda q: q.name)
def test_example_query_is_the_same(query, live_server, over):
    if "SERVICE" in query.text.upper():
        pytest.skip("federated: refused by the allowlist on both")
    same(f"/query/{query.name}.csv", live_server, over)
    same(f"/query/{query.name}", live_server, over, headers={"Accept": "text/html"})


def test_every_competency_question_is_answered_the_same(live_server, over):
    assert len(COMPETENCY) >= 40
    for query in COMPETENCY:
        answer = fetch(over, "/sparql", method="POST", data={"query": query.read_text()},
                       headers={"Accept": "text/csv"})
        assert answer.status_code == 200, (query.name, answer.text)
        with open(query.with_suffix(".csv"), newline="", encoding="utf-8") as handle:
            expected = list(csv.reader(handle))
        assert list(csv.reader(io.StringIO(answer.content.decode("utf-8")))) == expected, query.name


@pytest.mark.parametrize("words", ["keele", "nottingham university", "clinical trials", "NIHR"])
def test_search_is_the_same(words, live_server, over):
    same("/api/search?" + requests.compat.urlencode({"q": words}), live_server, over)
    same("/search?" + requests.compat.urlencode({"q": words}), live_server, over)


def test_reconciliation_is_the_same(live_server, over):
    """The OpenRefine flow: manifest, a batch, suggest, preview, property proposals, extension."""
    queries = {"q0": {"query": "University of Keele"}, "q1": {"query": "Nottingham"},
               "q2": {"query": "Midlands Engine", "type": "http://www.w3.org/ns/org#Organization"}}
    same("/reconcile", live_server, over, method="POST", data={"queries": json.dumps(queries)})
    same("/reconcile", live_server, over)
    for kind, prefix in (("entity", "warw"), ("type", "univ"), ("property", "mem")):
        same(f"/reconcile/suggest/{kind}?prefix={prefix}", live_server, over)
    same("/reconcile/preview?id=organisation/university-of-warwick", live_server, over)
    same("/reconcile/propose_properties?type=http://www.w3.org/ns/org%23Organization", live_server, over)
    ids = ["organisation/university-of-warwick", "organisation/hdr-uk-midlands", "person/simon-ball"]
    extend = {"ids": ids, "properties": [{"id": p} for p in (
        "ror", "wikidata", "parent", "members", "people", "posts", "projects", "headOf")]}
    same("/reconcile/extend", live_server, over, method="POST", data={"extend": json.dumps(extend)})
