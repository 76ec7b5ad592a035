"""OpenRefine's whole reconciliation flow against `mha-kg serve`, as OpenRefine's own code calls it.

Each step goes through tests/openrefine.py, which makes OpenRefine's HTTP
calls (methods, paths, parameters, encodings) and reads what OpenRefine
reads from each answer: register, guess types, reconcile with a type and
properties (a reconciled parent column sent as {"id", "name"}), search for
a match, preview, view, property proposals (the type cut at "#"), and "Add
columns from reconciled values" with its preview (every id of the page in
one call) and its operation (ten ids per call).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup

from mha_kg.find.reconcile import SCORING_PROPERTIES

from . import openrefine as orf

ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference" / "external-ids.csv"

#: A column as an analyst pastes it: messy names of organisations in the graph.
NAMES = ["University of Warwick", "Univ. of Leicester", "Keele University", "WMG",
         "Health Data Research UK Midlands", "University of Nottingham", "Aston University",
         "Midlands Innovation", "University of Birmingham", "Loughborough University",
         "NIHR Health Informatics Collaborative", "Midlands Engine"]


def reference_id(entity: str, scheme: str) -> str:
    with REFERENCE.open(newline="", encoding="utf-8") as handle:
        return next(r["iri"] for r in csv.DictReader(handle)
                    if r["entity"] == entity and r["scheme"] == scheme)


@pytest.fixture(scope="module", params=["/reconcile", "/reconcile/"], ids=["pasted", "trailing-slash"])
def service(request, live_server) -> dict:
    """The service registered from the URL as a user pastes it, with and without a trailing slash."""
    return orf.register(live_server + request.param)


@pytest.fixture(scope="module")
def reconciled(service) -> list[orf.Recon]:
    """The NAMES column reconciled against Organisation, as the dialog's defaults do."""
    return orf.reconcile_column(service, NAMES, f"{ORG}Organization")


def test_register_reads_the_manifest_at_the_pasted_url(service, live_server):
    assert service["versions"] == ["0.2"] and service["identifierSpace"].endswith("/id/")
    for kind in ("entity", "type", "property"):
        assert service["suggest"][kind]["service_url"] == live_server + "/reconcile"
    assert {"url", "width", "height"} <= set(service["preview"])
    assert "propose_properties" in service["extend"]


def test_guess_types_offers_organisation_types_and_never_lists(service):
    types = orf.guess_types(service, [*NAMES, "Vision for Growth: priority areas of focus"])
    ids = [t["id"] for t in types]
    assert ids[0] in (f"{ORG}Organization", f"{SCHEMA}CollegeOrUniversity")
    assert all(t["name"] for t in types)
    assert f"{SCHEMA}ItemList" not in ids
    assert {t["id"] for t in service["defaultTypes"]} <= set(ids)


def test_type_suggest_leaves_lists_out(service):
    names = {t["name"] for t in orf.suggest(service, "type", "")}
    assert {"Organisation", "Person", "University"} <= names and "List" not in names


def test_reconcile_with_a_type_auto_matches_certain_names(reconciled):
    assert all(r.error is None for r in reconciled)
    matched = {text: r.match.id for text, r in zip(NAMES, reconciled, strict=True) if r.match}
    assert matched["University of Warwick"] == "organisation/university-of-warwick"
    assert matched["WMG"] == "organisation/wmg"
    assert matched["Health Data Research UK Midlands"] == "organisation/hdr-uk-midlands"
    assert len(matched) >= 10
    # OpenRefine sorts by score before it looks at `match`: the match must still be first.
    for recon in reconciled:
        if any(c.match for c in recon.candidates):
            assert recon.candidates[0].match


@pytest.mark.parametrize("form", ["reconciled", "short id", "full IRI", "name"])
def test_a_parent_column_raises_the_score_in_every_form_openrefine_sends(service, form):
    parent_prop = orf.pick_property(service, "parent", "parent")
    [parent] = orf.reconcile_column(service, ["Health Data Research UK Midlands"], f"{ORG}Organization")
    assert parent.match is not None
    value = {"reconciled": (parent.match.name, parent),
             "short id": parent.match.id,
             "full IRI": service["identifierSpace"] + parent.match.id,
             "name": parent.match.name}[form]
    [plain] = orf.reconcile_column(service, ["Warwick"], f"{ORG}Organization")
    [helped] = orf.reconcile_column(service, ["Warwick"], f"{ORG}Organization", [(parent_prop, [value])])
    before = {c.id: c.score for c in plain.candidates}["organisation/university-of-warwick"]
    after = {c.id: c.score for c in helped.candidates}["organisation/university-of-warwick"]
    assert after == pytest.approx(before + 10)
    assert helped.match is None  # a partial name stays for a person to confirm


def test_a_city_from_the_ror_record_raises_the_score(service):
    city = orf.pick_property(service, "city", "city")
    [plain] = orf.reconcile_column(service, ["Keele"], f"{ORG}Organization")
    [helped] = orf.reconcile_column(service, ["Keele"], f"{ORG}Organization",
                                    [(city, ["Newcastle-under-Lyme"])])
    [elsewhere] = orf.reconcile_column(service, ["Keele"], f"{ORG}Organization", [(city, ["Exeter"])])
    def keele(recon: orf.Recon) -> float:
        return {c.id: c.score for c in recon.candidates}["organisation/keele-university"]

    assert keele(helped) == pytest.approx(keele(plain) + 5)
    assert keele(elsewhere) == keele(plain)


def test_an_external_id_column_makes_a_certain_match(service):
    ror = orf.pick_property(service, "ror", "ror")
    [found] = orf.reconcile_column(service, ["Leicester"], None,
                                   [(ror, [reference_id("University of Leicester", "ror")])])
    assert found.match is not None and found.match.id == "organisation/university-of-leicester"


#: What a user types into the "As property" box for each property the service scores with.
TYPED = {"city": "city", "website": "web", "parent": "parent", "memberOf": "member", "ror": "ror",
         "wikidata": "wiki", "sameAs": "same", f"{SCHEMA}sameAs": "sameas",
         "http://www.w3.org/2004/02/skos/core#exactMatch": "exactmatch"}


def test_every_property_used_in_scoring_can_be_chosen(service):
    assert set(TYPED) == set(SCORING_PROPERTIES)
    for pid, typed in TYPED.items():
        assert orf.pick_property(service, typed, pid)["id"] == pid


def test_search_for_match_preview_and_view(service, live_server):
    found = orf.suggest(service, "entity", "warw")
    warwick = next(s for s in found if s["id"] == "organisation/university-of-warwick")
    assert warwick["name"] == "University of Warwick" and warwick["notable"]

    preview = requests.get(orf.preview_url(service, warwick["id"]), timeout=30)
    assert preview.status_code == 200 and preview.headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors *" in preview.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in preview.headers  # one answer: any site may frame the card
    assert BeautifulSoup(preview.text, "html.parser").h1.get_text(strip=True) == "University of Warwick"

    for url in (orf.view_url(service, warwick["id"]), orf.url_column_value(service, warwick["id"])):
        page = requests.get(url, timeout=30, headers={"Accept": "text/html"})
        assert page.status_code == 200 and "University of Warwick" in page.text, url


@pytest.mark.parametrize(("type_id", "wanted"), [
    (f"{ORG}Organization", {"ror", "wikidata", "parent", "members", "people", "website", "city"}),
    (f"{ORG}OrganizationalUnit", {"ror", "parent", "people", "website"}),
    (f"{ORG}OrganizationalCollaboration", {"members", "people", "projects", "website"}),
    (f"{SCHEMA}CollegeOrUniversity", {"ror", "wikidata", "units", "city"}),
    ("http://xmlns.com/foaf/0.1/Person", {"headOf", "worksFor", "personPosts", "wikidata"}),
    (f"{SCHEMA}ResearchProject", {"principalInvestigator", "runBy"}),
    ("", {"name", "ror", "headOf", "runBy"}),
])
def test_property_proposals_survive_openrefines_unencoded_type(service, type_id, wanted):
    proposed = {p["id"] for p in orf.propose_properties(service, type_id)}
    assert wanted <= proposed
    assert {"name", "type", "description"} < proposed


def test_proposals_for_each_default_and_guessed_type_are_those_of_the_whole_type(service):
    endpoint = service["extend"]["propose_properties"]
    url = endpoint["service_url"] + endpoint["service_path"]
    for t in orf.guess_types(service, [*NAMES, "Simon Ball"]):
        as_sent = {p["id"] for p in orf.propose_properties(service, t["id"])}
        whole = requests.get(url, params={"type": t["id"]}, timeout=30).json()["properties"]
        assert {p["id"] for p in whole} <= as_sent, t["id"]


PROPERTIES = [{"id": "ror", "name": "ROR id"}, {"id": "parent", "name": "Parent organisation"},
              {"id": "name", "name": "Name"}, {"id": "city", "name": "City"}]


def test_add_columns_preview_sends_the_page_to_the_service_url(service, reconciled):
    matched = [r.match for r in reconciled] + [None]  # an unreconciled row on the page
    table = orf.preview_extension(service, matched, PROPERTIES)
    assert [c["id"] for c in table["columns"]] == [p["id"] for p in PROPERTIES]
    assert table["columns"][1]["type"]["id"] == f"{ORG}Organization"
    first = {row[0]: row[1:] for row in table["rows"] if isinstance(row[0], str) and len(row) > 1}
    assert first["University of Warwick"][0] == reference_id("University of Warwick", "ror")
    assert first["University of Warwick"][2] == "University of Warwick"
    assert first["University of Warwick"][3] == "Coventry"
    wmg = next(m.name for m in matched if m and m.id == "organisation/wmg")
    assert first[wmg][1].id == "organisation/university-of-warwick"
    assert table["rows"][-1] == ["<not reconciled>"]


def test_add_columns_operation_fills_every_matched_row_ten_ids_a_call(service, reconciled):
    matched = [r.match for r in reconciled]
    result = orf.extend_column(service, matched, PROPERTIES)
    names = {m.id: m.name for m in matched if m}
    assert len(names) > orf.EXTEND_IDS_PER_CALL  # more than one call
    for entity, name in names.items():
        grid = result["rows"][entity]
        assert grid[0][2] == name  # the Name column is the name OpenRefine matched


def test_one_odd_id_does_not_empty_the_other_rows(service):
    odd = ["organisation/no such thing", "organisation/nope", "", 'x"y', "organisation/w\nmg", "a\tb",
           "\u0000"]
    ids = ["organisation/university-of-warwick", *odd[:4], "organisation/wmg", *odd[4:],
           "organisation/keele-university"]
    columns, rows = orf.extend_call(service, ids, [{"id": "name"}, {"id": "ror"}])
    assert [c["id"] for c in columns] == ["name", "ror"]
    assert rows["organisation/university-of-warwick"][0][0] == "University of Warwick"
    assert rows["organisation/keele-university"][0][0] == "Keele University"
    assert rows["organisation/wmg"][0][0] == "Warwick Manufacturing Group"
    assert all(rows[i] == [] for i in odd)


def test_a_page_of_a_thousand_ids_is_one_call(service, live_server, reconciled):
    real = [r.match.id for r in reconciled if r.match]
    ids = real + [f"organisation/row-{i}" for i in range(1000 - len(real))]
    _columns, rows = orf.extend_call(service, ids, [{"id": "name"}, {"id": "parent"}])
    assert len(rows) == 1000 and all(rows[i] for i in real)
    too_many = json.dumps({"ids": [*ids, "one-more"], "properties": [{"id": "name"}]})
    response = requests.post(service["url"], data={"extend": too_many}, timeout=60)
    assert response.status_code == 413 and "reconcile_extend_max_ids" in response.json()["error"]


def test_every_candidate_extends_with_its_name(service):
    """Whatever comes back as a candidate (lists never do) has a Name to extend."""
    texts = ["Midlands", "Vision for Growth", "Director", "Health Data", "Joint Strategy", "Gkoutos"]
    recons = orf.reconcile_column(service, texts, None, limit=10)
    candidates = {c.id: c.name for r in recons for c in r.candidates}
    assert not any(i.startswith("list/") for i in candidates)
    _columns, rows = orf.extend_call(service, list(candidates), [{"id": "name"}])
    assert {i: rows[i][0][0] for i in candidates} == candidates
