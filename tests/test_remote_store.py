"""`mha-kg load --store URL` and `mha-kg serve --store URL` against a real Oxigraph server on loopback."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph

from mha_kg.cli.main import cli
from mha_kg.query.engine import RemoteEngine

from . import engines
from .conftest import serve

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
COUNT = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """An empty Oxigraph server, read-write. Its default graph is its own: mha-kg names the
    project's graphs in every request, so --union-default-graph is not needed."""
    if not OXIGRAPH.exists() and not shutil.which("oxigraph"):
        pytest.skip("the oxigraph server is installed with the bench extra")
    with engines.oxigraph(str(OXIGRAPH if OXIGRAPH.exists() else shutil.which("oxigraph")),
                          tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


@pytest.fixture(scope="module")
def loaded(oxigraph_server, runner_module, settings, kg):
    """The remote store after `mha-kg load`, run twice (a PUT replaces: no duplicates)."""
    for _ in range(2):
        result = runner_module.invoke(cli, ["load", "--store", oxigraph_server + "/query",
                                            "--setting", "state_dir", settings["state_dir"]])
        assert result.exit_code == 0, result.output
    return oxigraph_server


@pytest.fixture(scope="module")
def runner_module():
    from click.testing import CliRunner

    return CliRunner()


def test_load_puts_every_named_graph_with_the_embedded_store_counts(loaded, kg):
    response = requests.post(loaded + "/query", data={"query": COUNT},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
    remote = {row["g"].value: int(row["n"].value)
              for row in ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)}
    assert remote == kg.stats()["graphs"]
    assert kg.graph("inferred") in remote


def test_load_without_a_graph_store_endpoint_is_a_one_line_error(runner_module, settings):
    result = runner_module.invoke(cli, ["load", "--store", "http://127.0.0.1:9/sparql",
                                        "--setting", "state_dir", settings["state_dir"]])
    assert result.exit_code == 1
    assert "store_gsp" in result.output and "Traceback" not in result.output


def test_serve_over_the_remote_store_answers_queries_pages_and_dumps(loaded, kg, settings, tmp_path):
    query = ("PREFIX schema: <https://schema.org/> PREFIX org: <http://www.w3.org/ns/org#> "
             "SELECT ?o ?name WHERE { ?o a org:Organization ; schema:name ?name } ORDER BY ?o ?name")
    embedded = [(r["o"].value, r["name"].value) for r in kg.select(query)]
    with serve("--store", loaded + "/query", state_dir=tmp_path) as url:
        answer = requests.get(url + "/sparql", params={"query": query},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert answer.status_code == 200
        rows = [(b["o"]["value"], b["name"]["value"]) for b in answer.json()["results"]["bindings"]]
        assert rows == embedded and rows
        entity = embedded[0][0]
        data = requests.get(url + "/data/" + entity.split("/id/", 1)[1] + ".ttl", timeout=30)
        assert data.status_code == 200
        assert len(Graph().parse(data=data.text, format="turtle")) > 0
        dump = requests.get(url + "/dumps/", timeout=30)
        assert dump.status_code == 200
        ask = requests.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert ask.json()["boolean"] is True
        construct = requests.get(url + "/sparql", headers={"Accept": "text/turtle"}, timeout=30,
                                 params={"query": "CONSTRUCT WHERE { ?s a ?t }"})
        assert construct.status_code == 200, construct.text
        types = Graph().parse(data=construct.text, format="turtle")
        assert len(types) == len(kg.select("SELECT DISTINCT ?s ?t WHERE { ?s a ?t }"))


class _ComunicaLike(BaseHTTPRequestHandler):
    """Answers every query as Comunica's endpoint does: SPARQL JSON with a `metadata` member
    after `results` (which a strict reader refuses)."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({
            "head": {"vars": ["g"]},
            "results": {"bindings": [{"g": {"type": "uri", "value": GRAPH}}]},
            "metadata": {"httpRequests": 3},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


GRAPH = "https://w3id.org/mha-kg/graph/data"


def test_a_results_document_with_extra_members_is_read(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ComunicaLike)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
        engine = RemoteEngine(url, {**settings, "store": url})
        assert engine.graph_names() == [GRAPH]
        assert engine.run("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").records() == [{"g": GRAPH}]
    finally:
        server.shutdown()
        server.server_close()


class _BasicGraphStore(BaseHTTPRequestHandler):
    """A Graph Store that wants HTTP basic login (user `curator`, password `s3cret`) and
    keeps what it is sent, by graph."""

    received: ClassVar[dict[str, int]] = {}
    refused: ClassVar[int] = 0

    def do_PUT(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "Basic " + base64.b64encode(b"curator:s3cret").decode()
        if self.headers.get("Authorization") != expected:
            type(self).refused += 1
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="graph store"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        graph = parse_qs(urlsplit(self.path).query)["graph"][0]
        self.received[graph] = len(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_load_logs_in_with_http_basic_when_the_store_asks(runner_module, settings, kg):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BasicGraphStore)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        arguments = ["load", "--store", url + "/query", "--setting", "state_dir", settings["state_dir"]]
        refused = runner_module.invoke(cli, arguments, env={"MHA_KG_STORE_USER": "curator",
                                                            "MHA_KG_STORE_PASSWORD": "wrong"})
        assert refused.exit_code == 1 and "store_password" in refused.output
        assert "wrong" not in refused.output and _BasicGraphStore.received == {}
        loaded = runner_module.invoke(cli, arguments, env={"MHA_KG_STORE_USER": "curator",
                                                           "MHA_KG_STORE_PASSWORD": "s3cret"})
        assert loaded.exit_code == 0, loaded.output
        assert _BasicGraphStore.received == kg.stats()["graphs"]
        assert _BasicGraphStore.refused >= 2  # each login was asked for, not sent unasked
    finally:
        server.shutdown()
        server.server_close()


def test_serving_over_an_unreachable_store_is_a_one_line_error(tmp_path):
    """In its own process: `serve` installs the network guard in the process it runs in."""
    result = subprocess.run([sys.executable, "-m", "mha_kg", "serve", "--store", "http://127.0.0.1:9/sparql",
                             "--port", "0", "--setting", "state_dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "cannot be reached" in result.stderr
