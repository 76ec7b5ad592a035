"""Hostile input: never a 5xx other than a limit's 503, never a traceback, the dataset unchanged.

Property-based (hypothesis) over query strings, parameters, headers, media
types and bodies, through the Flask test client for breadth and through the
real server for a sample; plus escaping and security headers on pages.
"""

from __future__ import annotations

import hashlib

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FRAGMENTS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "[", "]", "?s", "?p",
             "?o", "<http://example.org/x>", '"lit"', "FILTER", "REGEX", "SERVICE", "FROM", "NAMED", "GRAPH",
             "INSERT", "DELETE", "LOAD", "DROP", "PREFIX", "x:", "OPTIONAL", "UNION", "*", ".", ";", ",",
             "\\u0053", "\x00", "'''", '"""', "#", "\n", "^^", "@en", "|", "/", "!", "+", "LIMIT 5"]
queries = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(" ".join),
    st.builds(lambda n, c: c * n, st.integers(0, 5000), st.sampled_from(["{", "(", "!", "^", "-"])),
)
media_types = st.one_of(st.sampled_from([
    "application/sparql-query", "application/x-www-form-urlencoded", "application/sparql-update",
    "text/plain", "multipart/form-data", "application/json", "", "a/b; charset=utf-16", "*/*"]),
    st.text(max_size=40))
accepts = st.one_of(st.sampled_from(["*/*", "text/html", "text/turtle;q=0", "application/sparql-results+json",
                                     "image/png", ";;;", "text/csv;q=abc", ""]), st.text(max_size=60))
param_names = st.sampled_from(["query", "update", "default-graph-uri", "named-graph-uri", "format", "timeout",
                               "_timelimit", "graph", "default"])
params = st.lists(st.tuples(param_names, st.text(max_size=80)), max_size=6)
bodies = st.one_of(st.binary(max_size=2000), queries.map(lambda q: q.encode("utf-8", "surrogatepass")))


def dataset_hash(kg) -> str:
    lines = sorted(str(q) for q in kg.quads())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def acceptable(response) -> bool:
    body = response.get_data() if hasattr(response, "get_data") else response.content
    return (response.status_code < 500 or response.status_code == 503) and b"Traceback" not in body


def latin1(value: str) -> str:
    """Header values travel as Latin-1, on one line, not starting with white space:
    anything else is not a header a client can send (requests refuses it before sending)."""
    return value.encode("latin-1", "replace").decode("latin-1").replace("\n", " ").replace("\r", " ").lstrip()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(query=queries, accept=accepts, extra=params)
def test_get_never_5xx(client, query, accept, extra):
    r = client.get("/sparql", query_string=[("query", query), *extra], headers={"Accept": latin1(accept)})
    assert acceptable(r), (r.status_code, r.get_data()[:300])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(body=bodies, media=media_types, accept=accepts, extra=params, method=st.sampled_from(["POST", "PUT",
                                                                                             "DELETE"]))
def test_bodies_never_5xx(client, body, media, accept, extra, method):
    for path in ("/sparql", "/rdf-graph-store"):
        r = client.open(path, method=method, data=body, query_string=extra,
                        headers={"Content-Type": latin1(media), "Accept": latin1(accept)})
        assert acceptable(r), (path, r.status_code, r.get_data()[:300])


def test_hostile_requests_leave_the_dataset_unchanged(client, kg):
    before = dataset_hash(kg)
    for update in ["DROP ALL", "CLEAR DEFAULT", "INSERT DATA { <http://x> <http://y> <http://z> }",
                   "DELETE WHERE { ?s ?p ?o }", "LOAD <http://127.0.0.1:9/x>"]:
        assert client.post("/sparql", data={"update": update}).status_code in (401, 403)
        direct = client.post("/sparql", data=update, content_type="application/sparql-update")
        assert direct.status_code == 403
        assert client.get("/sparql", query_string={"update": update}).status_code in (403, 405)
        assert client.get("/sparql", query_string={"query": update}).status_code in (400, 403)
    assert client.put("/rdf-graph-store?default", data=b"", content_type="text/turtle").status_code == 403
    assert client.delete("/rdf-graph-store?graph=https://w3id.org/mha-kg/graph/data").status_code == 403
    assert dataset_hash(kg) == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries, body=st.binary(max_size=500), media=media_types)
def test_live_server_never_5xx(protocol_server, query, body, media):
    r = requests.get(protocol_server + "/sparql", params={"query": query}, timeout=30)
    assert acceptable(r), r.text[:300]
    r = requests.post(protocol_server + "/sparql", data=body, headers={"Content-Type": latin1(media)},
                      timeout=30)
    assert acceptable(r), r.text[:300]


def test_invalid_utf8_and_binary_on_the_wire(protocol_server):
    for raw in (b"\xff\xfe\x00A\x00S\x00K", b"\xc3\x28", bytes(range(256))):
        r = requests.post(protocol_server + "/sparql", data=raw,
                          headers={"Content-Type": "application/sparql-query"}, timeout=30)
        assert r.status_code == 400 and "Traceback" not in r.text
    r = requests.get(protocol_server + "/sparql?query=%FF%FE%00", timeout=30)
    assert acceptable(r)


def test_pages_escape_what_they_show_and_set_security_headers(client):
    script = "<script>alert(1)</script>"
    for path in ("/sparql", "/query", "/"):
        r = client.get(path, query_string={"query": script, "format": script},
                       headers={"Accept": "text/html"}, follow_redirects=True)
        assert script.encode() not in r.get_data()
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        if r.mimetype == "text/html":
            assert "script-src 'self'" in r.headers["Content-Security-Policy"]
