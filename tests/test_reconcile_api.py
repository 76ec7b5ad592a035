"""The Reconciliation Service API 0.2 at /reconcile, through a real server on loopback.

Every response is checked against the JSON schemas written from the 0.2
specification (tests/fixtures/reconcile/schemas/): manifest, a batch of
queries, preview, suggest, extend. Schemas alone passed while OpenRefine's
flow failed, so OpenRefine's exact calls, and what it reads from each answer,
are tested in test_openrefine_flow.py.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import pytest
import requests
from bs4 import BeautifulSoup
from referencing import Registry, Resource

SCHEMAS = Path(__file__).parent / "fixtures" / "reconcile" / "schemas"
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference" / "external-ids.csv"


def _registry() -> Registry:
    resources = [(p.name, Resource.from_contents(json.loads(p.read_text()))) for p in SCHEMAS.glob("*.json")]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def check(body, schema: str) -> None:
    contents = REGISTRY.contents(schema)
    jsonschema.Draft7Validator(contents, registry=REGISTRY,
                               format_checker=jsonschema.FormatChecker()).validate(body)


def get(url: str, **params) -> requests.Response:
    return requests.get(url, params=params, timeout=30)


def post_queries(url: str, queries: dict) -> requests.Response:
    return requests.post(url + "/reconcile", data={"queries": json.dumps(queries)}, timeout=30)


def test_manifest_has_every_part_of_the_service(live_server):
    response = get(live_server + "/reconcile")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    manifest = response.json()
    check(manifest, "manifest.json")
    assert {t["id"] for t in manifest["defaultTypes"]} >= {
        "http://www.w3.org/ns/org#Organization", "http://xmlns.com/foaf/0.1/Person",
        "https://schema.org/ResearchProject"}
    assert set(manifest["suggest"]) == {"entity", "type", "property"}
    assert manifest["batchSize"] == 50
    view = manifest["view"]["url"].replace("{{id}}", "organisation/university-of-warwick")
    page = requests.get(view, timeout=30)
    assert page.status_code == 200 and "University of Warwick" in page.text


def test_openrefine_flow_batch_preview_suggest_extend(live_server):
    manifest = get(live_server + "/reconcile").json()
    queries = {"q0": {"query": "Uni of Warwick", "type": "http://www.w3.org/ns/org#Organization", "limit": 3},
               "q1": {"query": "Prof Gkoutos", "type": "http://xmlns.com/foaf/0.1/Person"},
               "q2": {"query": "NIHR HIC"}}
    batch = post_queries(live_server, queries)
    assert batch.status_code == 200
    results = batch.json()
    check(results, "reconciliation-result-batch.json")
    assert set(results) == {"q0", "q1", "q2"}
    warwick = results["q0"]["result"][0]
    assert (warwick["id"], warwick["match"]) == ("organisation/university-of-warwick", True)
    assert len(results["q0"]["result"]) <= 3
    assert results["q1"]["result"][0]["id"] == "person/georgios-gkoutos"
    assert results["q1"]["result"][0]["match"] is False  # a title and a surname are not certain

    preview = requests.get(manifest["preview"]["url"].replace("{{id}}", warwick["id"]), timeout=30)
    assert preview.status_code == 200 and preview.headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors *" in preview.headers["Content-Security-Policy"]
    assert BeautifulSoup(preview.text, "html.parser").h1.get_text(strip=True) == "University of Warwick"

    service = manifest["suggest"]["entity"]
    suggested = get(service["service_url"] + service["service_path"], prefix="warw").json()
    check(suggested, "suggest-entities-response.json")
    assert "organisation/university-of-warwick" in [s["id"] for s in suggested["result"]]

    proposals = get(manifest["extend"]["propose_properties"]["service_url"] + "/propose_properties",
                    type="http://www.w3.org/ns/org#Organization").json()
    check(proposals, "data-extension-property-proposals.json")
    wanted = {"ror", "wikidata", "parent", "members", "people", "posts", "projects", "website"}
    assert wanted <= {p["id"] for p in proposals["properties"]}

    ids = ["organisation/university-of-warwick", "organisation/hdr-uk-midlands", "person/simon-ball"]
    extend = {"ids": ids, "properties": [{"id": p} for p in (
        "ror", "wikidata", "parent", "members", "people", "posts", "projects", "headOf")]}
    extended = requests.post(live_server + "/reconcile/extend", data={"extend": json.dumps(extend)},
                             timeout=30)
    assert extended.status_code == 200
    body = extended.json()
    check(body, "data-extension-response.json")
    assert [m["id"] for m in body["meta"]] == [p["id"] for p in extend["properties"]]
    rows = body["rows"]
    warwick_ror = _reference_id("University of Warwick", "ror")
    assert rows["organisation/university-of-warwick"]["ror"] == [{"str": warwick_ror}]
    assert rows["organisation/university-of-warwick"]["wikidata"] == [
        {"str": _reference_id("University of Warwick", "wikidata").rsplit("/", 1)[-1]}]
    members = {v["id"] for v in rows["organisation/hdr-uk-midlands"]["members"]}
    assert "organisation/university-of-warwick" in members
    assert {"str": "Simon Ball: Director"} in rows["organisation/hdr-uk-midlands"]["posts"]
    assert rows["person/simon-ball"]["headOf"] == [
        {"id": "organisation/hdr-uk-midlands", "name": "Health Data Research UK Midlands"}]
    assert len(rows["organisation/hdr-uk-midlands"]["projects"]) == 3


def _reference_id(entity: str, scheme: str) -> str:
    with REFERENCE.open(newline="", encoding="utf-8") as handle:
        return next(r["iri"] for r in csv.DictReader(handle)
                    if r["entity"] == entity and r["scheme"] == scheme)


def test_a_matching_external_id_makes_a_certain_match(live_server):
    ror = _reference_id("University of Leicester", "ror")
    queries = {"q0": {"query": "Leicester", "properties": [{"pid": "ror", "v": ror}]},
               "q1": {"query": "University Hospitals of Leicester NHS Trust",
                      "properties": [{"pid": "ror", "v": "https://ror.org/02fha3693"}]}}
    results = post_queries(live_server, queries).json()
    check(results, "reconciliation-result-batch.json")
    top = results["q0"]["result"][0]
    assert (top["id"], top["match"], top["score"]) == ("organisation/university-of-leicester", True, 100.0)
    assert not any(c["match"] for c in results["q1"]["result"])  # the trust's ROR id is not in the graph


def test_properties_raise_the_score_and_types_restrict(live_server):
    plain = {"q0": {"query": "Birmingham University"}}
    helped = {"q0": {"query": "Birmingham University",
                     "properties": [{"pid": "website", "v": "https://www.birmingham.ac.uk/"}]}}
    without = post_queries(live_server, plain).json()["q0"]["result"]
    with_site = post_queries(live_server, helped).json()["q0"]["result"]
    uob = "organisation/university-of-birmingham"
    score = {c["id"]: c["score"] for c in without}
    boosted = {c["id"]: c for c in with_site}
    assert boosted[uob]["score"] >= score[uob]
    assert {"id": "website", "value": 10.0} in boosted[uob]["features"]
    people = post_queries(live_server, {"q": {"query": "Warwick", "type": "foaf:Person"}}).json()
    people = people["q"]["result"]
    assert all("http://xmlns.com/foaf/0.1/Person" in [t["id"] for t in c["type"]] for c in people)


def test_single_query_by_get_and_jsonp(live_server):
    single = get(live_server + "/reconcile", query=json.dumps({"query": "Keele Univ", "limit": 1})).json()
    check({"q": single}, "reconciliation-result-batch.json")
    assert [c["id"] for c in single["result"]] == ["organisation/keele-university"]
    plain = get(live_server + "/reconcile", query="WMG").json()
    assert plain["result"][0]["match"] is True
    wrapped = get(live_server + "/reconcile", callback="jQuery123_456",
                  queries=json.dumps({"q0": {"query": "WMG"}}))
    assert wrapped.headers["Content-Type"].startswith("application/javascript")
    assert wrapped.text.startswith("/**/jQuery123_456(") and wrapped.text.endswith(");")
    assert get(live_server + "/reconcile", callback="alert(1)//").status_code == 400


def test_suggest_types_and_properties(live_server):
    types = get(live_server + "/reconcile/suggest/type", prefix="univ").json()
    check(types, "suggest-types-response.json")
    assert "https://schema.org/CollegeOrUniversity" in [t["id"] for t in types["result"]]
    props = get(live_server + "/reconcile/suggest/property", prefix="ror").json()
    check(props, "suggest-properties-response.json")
    assert props["result"][0]["id"] == "ror"


@pytest.mark.parametrize(("method", "path", "payload", "status", "words"), [
    ("post", "/reconcile", {"queries": "{not json"}, 400, "not valid JSON"),
    ("post", "/reconcile", {"queries": "[1, 2]"}, 400, "JSON object"),
    ("post", "/reconcile", {"queries": json.dumps({"q0": {"query": 3}})}, 400, "must be a string"),
    ("post", "/reconcile", {"queries": json.dumps({"q0": {"query": "x", "limit": -1}})}, 400, "negative"),
    ("post", "/reconcile", {"queries": json.dumps({f"q{i}": {"query": "x"} for i in range(51)})}, 413,
     "reconcile_batch_size"),
    ("post", "/reconcile", {"nothing": "here"}, 400, "queries"),
    ("post", "/reconcile/extend", {"extend": json.dumps({"ids": "x"})}, 400, "ids"),
    ("post", "/reconcile/extend", {"extend": json.dumps({"ids": ["organisation/wmg"],
                                                          "properties": [{"id": "nope"}]})}, 400, "unknown"),
    ("get", "/reconcile/suggest/entity", {"prefix": "x", "limit": "-3"}, 400, "negative"),
    ("get", "/reconcile/suggest/nothing", {"prefix": "x"}, 400, "entity, type or property"),
    ("get", "/reconcile/preview", {"id": "organisation/no-such-thing"}, 404, "no entity"),
])
def test_mistakes_are_4xx_with_a_one_line_json_reason(live_server, method, path, payload, status, words):
    if method == "post":
        response = requests.post(live_server + path, data=payload, timeout=30)
    else:
        response = requests.get(live_server + path, params=payload, timeout=30)
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["ok"] is False and words in body["error"] and "\n" not in body["error"]


def test_preflight_allows_cross_origin_posts(live_server):
    response = requests.options(live_server + "/reconcile", headers={
        "Origin": "http://127.0.0.1:3333", "Access-Control-Request-Method": "POST"}, timeout=30)
    assert response.status_code == 204
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
