"""Dated memberships: every row of memberships.csv, and "who was a member of the School in 2016?"."""

from __future__ import annotations

import requests

from mha_kg.linking import common
from mha_kg.linking.memberships import parse_period
from mha_kg.query import catalogue

from .conftest import SHARED

ROWS = common.read_csv(SHARED / "reference" / "memberships.csv")
NAMES = {r["iri"]: r["entity"] for r in common.read_csv(SHARED / "reference" / "external-ids.csv")}


def members_in(year: str, group: str) -> set[str]:
    """The answer computed from the reference file alone."""
    found = set()
    for row in ROWS:
        begin, end = parse_period(row["period"])
        started = begin is not None and begin.value[:4] <= year
        if row["group"] == group and started and (end is None or end.value[:4] >= year):
            found.add(NAMES[row["member_ror"]])
    return found


def test_every_row_is_a_membership_in_the_graph(kg):
    rows = kg.select("""PREFIX org: <http://www.w3.org/ns/org#> PREFIX schema: <https://schema.org/>
        SELECT ?m ?member ?group WHERE { ?m a org:Membership ; org:member/schema:name ?member ;
          org:organization/schema:name ?group ; org:memberDuring|org:role ?any .
          FILTER(STRSTARTS(STR(?m), "https://w3id.org/mha-kg/id/membership/")) }""")
    pairs = {(r["member"].value, r["group"].value) for r in rows}
    for row in ROWS:
        assert any(member == NAMES[row["member_ror"]] and row["group"].startswith(group)
                   for member, group in pairs), row


def test_who_was_a_member_of_the_school_in_2016(live_server):
    expected = members_in("2016", "NIHR School for Primary Care Research")
    assert len(expected) == 9
    response = requests.get(f"{live_server}/query/members-in-year.json", timeout=30)
    assert response.status_code == 200, response.text
    got = {b["member"]["value"] for b in response.json()["results"]["bindings"]}
    assert got == expected


def test_another_year_gives_another_answer(kg):
    text = catalogue.get("members-in-year").text.replace('"2016"', '"2010"')
    got = {r["member"].value for r in kg.select(text)}
    assert got == members_in("2010", "NIHR School for Primary Care Research") != members_in(
        "2016", "NIHR School for Primary Care Research")


def test_the_source_texts_own_members_stay_as_they_are(kg):
    rows = kg.select(f"""SELECT ?m WHERE {{ GRAPH <{kg.graph('data')}> {{
        <{kg.base}/id/organisation/nihr-spcr> <https://w3id.org/mha-kg/def/hasMember> ?m }} }}""")
    assert {r["m"].value.rsplit("/", 1)[1] for r in rows} == {"university-of-nottingham", "keele-university"}
    minted = kg.select(f"""SELECT ?o WHERE {{ GRAPH <{kg.graph('memberships')}> {{
        ?o <https://schema.org/name> ?n ; <http://www.w3.org/ns/prov#wasDerivedFrom> ?src }} }}""")
    assert minted  # universities the text does not name are minted with provenance
