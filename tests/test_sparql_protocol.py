"""/sparql beyond the W3C suite: negotiation, format=, the service description, CORS, caps."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


def get(url, query, **kwargs):
    return requests.get(url + "/sparql", params={"query": query, **kwargs.pop("params", {})},
                        timeout=30, **kwargs)


def test_accept_q_values_choose_the_best(protocol_server):
    r = get(protocol_server, "SELECT * WHERE { ?s ?p ?o } LIMIT 2",
            headers={"Accept": "application/sparql-results+json;q=0.5, text/csv;q=0.9, */*;q=0.1"})
    assert r.headers["Content-Type"].startswith("text/csv")
    assert sorted(next(csv.reader(io.StringIO(r.text)))) == ["o", "p", "s"]


def test_unacceptable_media_type_is_406_naming_what_would_do(protocol_server):
    r = get(protocol_server, "ASK {}", headers={"Accept": "image/png"})
    assert r.status_code == 406 and "application/sparql-results+json" in r.text


@pytest.mark.parametrize("name, media", [("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
                                         ("xml", "application/sparql-results+xml")])
def test_format_parameter_for_results(protocol_server, name, media):
    r = get(protocol_server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", params={"format": name},
            headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(media)


def test_format_json_on_a_graph_means_json_ld(protocol_server):
    r = get(protocol_server, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", params={"format": "json"})
    assert r.headers["Content-Type"].startswith("application/ld+json")
    assert len(Graph().parse(data=r.text, format="json-ld")) == 3


def test_format_in_a_posted_form(protocol_server):
    r = requests.post(protocol_server + "/sparql", data={"query": "ASK {}", "format": "xml"}, timeout=30)
    assert r.headers["Content-Type"].startswith("application/sparql-results+xml")


def test_results_capped_and_signalled(protocol_server):
    r = get(protocol_server, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
    body = r.json()
    assert r.status_code == 200
    assert len(body["results"]["bindings"]) == 100  # the max_returned_rows of the fixture
    assert body["truncated"] is True
    assert r.headers["X-Truncated"].startswith("true")


def test_request_body_capped(protocol_server):
    r = requests.post(protocol_server + "/sparql", data=b"#" * 1_100_000,
                      headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert r.status_code == 413


def test_query_text_capped(protocol_server):
    r = requests.post(protocol_server + "/sparql", data=b"ASK {}" + b" " * 100_001,
                      headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert r.status_code == 413 and "max_query_bytes" in r.text


def test_syntax_error_carries_message_and_position(protocol_server):
    r = get(protocol_server, "SELECT * WHERE {\n  ?s ?p \n}")
    assert r.status_code == 400
    assert "syntax error" in r.text and "3:" in r.text  # line 3, where the object is missing
    assert "Traceback" not in r.text and r.text.count("\n") <= 1


def test_missing_query_in_a_post_is_400(protocol_server):
    r = requests.post(protocol_server + "/sparql", data={"format": "json"}, timeout=30)
    assert r.status_code == 400 and "missing" in r.text


@pytest.mark.parametrize("accept, parser", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                            ("application/rdf+xml", "xml")])
def test_service_description(protocol_server, accept, parser):
    r = requests.get(protocol_server + "/sparql", headers={"Accept": accept}, timeout=30)
    graph = Graph().parse(data=r.text, format=parser)
    service = next(graph.subjects(RDF.type, SD.Service))
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    names = {str(n) for n in graph.objects(None, SD.name)}
    assert "http://example.org/protocol/data1" in names


def test_browser_on_bare_endpoint_gets_html_or_the_description(protocol_server):
    r = requests.get(protocol_server + "/sparql", allow_redirects=False, timeout=30,
                     headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code in (200, 303)
    if r.status_code == 303:
        assert "/query" in r.headers["Location"]


def test_cors_on_answers_errors_and_preflight(protocol_server):
    origin = {"Origin": "http://elsewhere.example"}
    assert get(protocol_server, "ASK {}", headers=origin).headers["Access-Control-Allow-Origin"] == "*"
    assert get(protocol_server, "ASK {", headers=origin).headers["Access-Control-Allow-Origin"] == "*"
    pre = requests.options(protocol_server + "/sparql", timeout=30, headers={
        **origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type"})
    assert pre.status_code == 204 and "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in pre.headers


def test_served_by_waitress_not_the_development_server(protocol_server):
    assert get(protocol_server, "ASK {}").headers.get("Server") == "mha-kg"


def test_request_may_lower_the_time_limit_never_raise_it(protocol_server):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    r = get(protocol_server, slow, params={"timeout": "100"})
    assert r.status_code == 503 and "100 ms" in r.text
    r = get(protocol_server, slow, params={"timeout": "999999"})
    assert r.status_code == 503 and "1500 ms" in r.text


@pytest.mark.parametrize("query_string", [
    "query=ASK%20%7B%7D&format=csv", "a=1&a=2&b=&c", "query=%FF%FEx+y", "q=" + "x" * 9000, ""],
    ids=["plain", "repeated-and-blank", "invalid-utf8", "longer-than-remembered", "empty"])
def test_remembered_url_parameters_are_werkzeugs(query_string):
    from flask import Request as FlaskRequest

    from mha_kg.web.app import Request

    environ = {"QUERY_STRING": query_string, "REQUEST_METHOD": "GET", "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
    ours, again = Request(dict(environ)).args, Request(dict(environ)).args
    assert list(ours.items(multi=True)) == list(FlaskRequest(dict(environ)).args.items(multi=True))
    assert (ours is again) == (len(query_string) <= 8192)  # one parse shared, when short
    with pytest.raises(TypeError):
        ours["added"] = "x"  # shared, so immutable
