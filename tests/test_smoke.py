"""The core path end to end: files -> store -> engine -> HTTP."""

import requests


def test_union_default_graph_sees_data_and_inferred(kg):
    rows = kg.select(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://www.w3.org/ns/org#Organization> }")
    assert int(rows[0]["n"].value) > 10


def test_live_server_answers_sparql_json(live_server):
    response = requests.get(live_server + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                            timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    assert response.json()["boolean"] is True
