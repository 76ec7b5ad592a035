"""Every example query runs through the live server and gives its expected answer.

The answers in tests/expected/queries/<name>.csv were checked line by line
against data/source/associated-organisations.txt (the facts the
source states). Queries over the curated links and memberships graphs are
also checked against the reference files they come from. No expected answer
may be empty: a query that finds nothing must fail its test.
"""

from __future__ import annotations

import csv
import io

import pytest
import requests

from mha_kg.query import catalogue

from .conftest import ROOT, SHARED

EXPECTED = ROOT / "tests" / "expected" / "queries"
REFERENCE = SHARED / "reference"
QUERIES = catalogue.load()


def run(live_server: str, name: str) -> requests.Response:
    return requests.get(f"{live_server}/query/{name}.csv", timeout=60)


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def reference(name: str) -> list[dict[str, str]]:
    with open(REFERENCE / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def check_external_identifiers(answer: list[list[str]]) -> None:
    """Every identifier given is a verified one from the reference file."""
    known = {row["iri"] for row in reference("external-ids.csv")}
    assert answer[0] == ["organisation", "identifier"]
    assert all(identifier in known for _, identifier in answer[1:])


def check_memberships(answer: list[list[str]]) -> None:
    """Every member named is one of Midlands Innovation's in the reference file."""
    members = [row["member"] for row in reference("memberships.csv") if row["group"] == "Midlands Innovation"]
    assert answer[0] == ["member"]
    assert all(any(short in name for short in members) for (name,) in answer[1:])


REFERENCE_CHECKS = {"external-identifiers": check_external_identifiers, "memberships": check_memberships}


def test_the_catalogue_has_at_least_fifteen_described_queries():
    assert len(QUERIES) >= 15
    assert len({q.name for q in QUERIES}) == len(QUERIES)
    for query in QUERIES:
        assert query.title and query.description, query.name


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_example_query_gives_its_expected_answer(live_server, query):
    response = run(live_server, query.name)
    if "SERVICE" in query.text.upper() and not (EXPECTED / f"{query.name}.csv").exists():
        # Federated examples reach an outside endpoint, which tests never do: the
        # server must refuse them by the allowlist, as it is configured by default.
        assert response.status_code == 403
        assert "service_allowlist" in response.text
        return
    assert response.status_code == 200, response.text
    answer = rows(response.text)
    expected_file = EXPECTED / f"{query.name}.csv"
    assert expected_file.exists(), f"add the expected answer of {query.name} to {expected_file}"
    expected = rows(expected_file.read_text(encoding="utf-8"))
    assert len(expected) > 1, f"{expected_file} expects no rows: an empty answer proves nothing"
    assert answer == expected
    if query.name in REFERENCE_CHECKS:
        REFERENCE_CHECKS[query.name](answer)


def test_queries_json_lists_every_query_with_its_url(live_server):
    listed = requests.get(f"{live_server}/-/queries.json", timeout=30).json()["queries"]
    assert [q["name"] for q in listed] == [q.name for q in QUERIES]
    page = requests.get(live_server + listed[0]["url"], timeout=30, headers={"Accept": "text/html"})
    assert page.status_code == 200 and listed[0]["title"] in page.text


def test_a_parameter_is_bound_as_a_value_not_pasted_into_the_query(live_server):
    partners = rows(requests.get(f"{live_server}/query/hdr-uk-midlands-partners.csv", timeout=30,
                                 params={"org": "https://w3id.org/mha-kg/id/organisation/nihr-spcr"}).text)
    assert sorted(r[0] for r in partners[1:]) == ["Keele University", "University of Nottingham"]
    hostile = requests.get(f"{live_server}/query/hdr-uk-midlands-partners.csv", timeout=30,
                           params={"org": '"} } SELECT * WHERE { ?s ?p ?o } #'})
    assert hostile.status_code == 200 and rows(hostile.text) == [["partner", "kind"]]
