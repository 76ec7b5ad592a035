"""The curation editor against a real server on loopback, over a copy of the shipped project.

Sign-in (hashed tokens, CSRF, session cookie), shape-driven new and edit
forms, refusals beside the field with nothing stored, changesets in their
own named graphs (SPARQL, history, recent changes, Atom), idempotent retries,
revert, tombstones (410) and merges (301 + dcterms:isReplacedBy), list items
removed and inserted with their list renumbered, new lists, the required
source and comment, curators' own slugs, and the source watch page.
Writeback of a curated change is in the browser story
(tests/test_curate_browser.py), which stops its server first.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import requests
from bs4 import BeautifulSoup

from mha_kg import settings as settings_mod
from mha_kg.curate import changes, curators
from mha_kg.errors import KGError

from .conftest import ROOT, serve

BASE = "https://w3id.org/mha-kg"
HDR = f"{BASE}/id/organisation/hdr-uk-midlands"
NEW_UNI = f"{BASE}/id/organisation/coventry-university"
SECTION = f"{BASE}/id/source/hdr-uk-midlands"
WARWICK = f"{BASE}/id/organisation/university-of-warwick"


def copy_project(root) -> dict:
    """ontology/, data/ and shapes/ copied, and one curator, Ada Lovelace, with her token."""
    project = root / "project"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, project / folder)
    settings = settings_mod.load({"project_dir": str(project), "state_dir": str(root / "state"),
                                  "curators_file": str(root / "curators.json")}, environ={})
    _, token = curators.add(settings, "ada-lovelace", "Ada Lovelace")
    return {"settings": settings, "token": token, "root": root, "project": project}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("curate"))


@pytest.fixture(scope="module")
def server(project):
    s = project["settings"]
    with serve("--setting", "project_dir", s["project_dir"], "--setting", "curators_file", s["curators_file"],
               state_dir=project["root"] / "state") as url:
        yield url


def form_of(response) -> dict:
    """The hidden fields and the fields by label of the page's curation form."""
    soup = BeautifulSoup(response.text, "html.parser")
    form = soup.select_one("form.curate")
    hidden = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    labels = {label.get_text(" ", strip=True).replace(" (required)", ""): label["for"].rsplit("-", 1)[0]
              for label in form.select("label[for]") if label["for"].startswith("f")}
    return {"hidden": hidden, "keys": labels, "soup": soup}


def sign_in(url, token) -> requests.Session:
    browser = requests.Session()
    page = browser.get(url + "/-/signin", timeout=30)
    csrf = form_of(page)["hidden"]["csrf"]
    done = browser.post(url + "/-/signin", data={"csrf": csrf, "token": token, "next": "/changes"},
                        timeout=30, allow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"] == "/changes"
    return browser


def sparql(url, query) -> list[dict]:
    r = requests.get(url + "/sparql", params={"query": query}, timeout=30,
                     headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def add_university(url, browser, name="Coventry University", change_id=None, label=None):
    page = form_of(browser.get(url + "/new/mha:University", timeout=30))
    keys = page["keys"]
    data = {**page["hidden"], keys["name"]: name, keys["label"]: label or name,
            keys["derived from (source section)"]: SECTION,
            "source": "https://www.midlandshealthalliance.org.uk/associated-organisations",
            "comment": "a sixth partner"}
    if change_id:
        data["change_id"] = change_id
    return browser.post(url + "/new/mha:University", data=data, timeout=120, allow_redirects=False)


def test_sign_in_needs_a_curator_token_and_the_forms_security_token(server, project):
    anonymous = requests.Session()
    edit = anonymous.get(server + "/edit/organisation/hdr-uk-midlands", timeout=30, allow_redirects=False)
    assert edit.status_code == 302 and edit.headers["Location"].startswith("/-/signin?next=/edit/")
    posted = anonymous.post(server + "/edit/organisation/hdr-uk-midlands", data={}, timeout=30)
    assert posted.status_code == 401
    page = anonymous.get(server + "/-/signin", timeout=30)
    csrf = form_of(page)["hidden"]["csrf"]
    no_csrf = anonymous.post(server + "/-/signin", data={"token": project["token"]}, timeout=30)
    assert no_csrf.status_code == 403
    wrong = anonymous.post(server + "/-/signin", data={"csrf": csrf, "token": "not-a-token"}, timeout=30)
    assert wrong.status_code == 401 and "belongs to no curator" in wrong.text
    stored = (project["root"] / "curators.json").read_text()
    assert project["token"] not in stored and curators.token_hash(project["token"]) in stored
    elsewhere = requests.Session()
    csrf = form_of(elsewhere.get(server + "/-/signin", timeout=30))["hidden"]["csrf"]
    for target in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        away = elsewhere.post(server + "/-/signin", timeout=30, allow_redirects=False,
                              data={"csrf": csrf, "token": project["token"], "next": target})
        assert away.status_code == 303 and away.headers["Location"] == "/"  # never off the site
        csrf = form_of(elsewhere.get(server + "/-/signin", timeout=30))["hidden"]["csrf"]
    browser = sign_in(server, project["token"])
    cookie = next(c for c in browser.cookies if c.name == "mha_kg_curator")
    assert cookie.has_nonstandard_attr("HttpOnly")
    page = browser.get(server + "/edit/organisation/hdr-uk-midlands", timeout=30)
    assert page.status_code == 200 and project["token"] not in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    # a change posted without the session's security token is refused
    assert browser.post(server + "/edit/organisation/hdr-uk-midlands", data={"source": "x"},
                        timeout=30).status_code == 403


def test_new_partner_edit_history_feed_revert(server, project):
    browser = sign_in(server, project["token"])
    created = add_university(server, browser)
    assert created.status_code == 303, created.text
    assert created.headers["Location"].startswith("/id/organisation/coventry-university?change=")
    # the pickers' search (static/curate.js asks /api/search with the field's sh:class) finds it
    found = requests.get(server + "/api/search", timeout=30, params={
        "q": "Coventry", "type": "http://www.w3.org/ns/org#Organization"}).json()["results"]
    assert NEW_UNI in [hit["iri"] for hit in found]
    # the partner link, through the shape-driven edit form of HDR UK Midlands
    page = form_of(browser.get(server + "/edit/organisation/hdr-uk-midlands", timeout=30))
    members = page["keys"]["members (partners)"]
    typed = [i.get("value", "") for i in page["soup"].select(f"input[name={members}]")]
    assert len([t for t in typed if t]) == 5
    linked = browser.post(server + "/edit/organisation/hdr-uk-midlands", timeout=120, allow_redirects=False,
                          data={**page["hidden"], members: [*[t for t in typed if t], NEW_UNI],
                                **_unchanged(page, skip=members), "source": "note: the partners page, 1 Dec",
                                "comment": "Coventry joins"})
    assert linked.status_code == 303, linked.text
    change_id = linked.headers["Location"].split("change=")[1]
    rows = sparql(server, f"SELECT ?m WHERE {{ <{HDR}> <http://www.w3.org/ns/org#hasMember> ?m }}")
    assert NEW_UNI in {r["m"] for r in rows} and len(rows) == 6
    # the changeset in SPARQL: what changed about HDR UK Midlands, and who changed it
    who = sparql(server, f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        SELECT ?g ?name ?p ?o WHERE {{ GRAPH ?g {{
          ?c a prov:Activity ; prov:wasAssociatedWith/foaf:name ?name ; prov:endedAtTime ?t ;
             <{BASE}/def/added> ?st . ?st rdf:subject <{HDR}> ; rdf:predicate ?p ; rdf:object ?o }}
          FILTER (?t >= "2020-03-01T00:00:00Z"^^xsd:dateTime) }}""")
    assert who == [{"g": f"{BASE}/graph/change/{change_id}", "name": "Ada Lovelace",
                    "p": "http://www.w3.org/ns/org#hasMember", "o": NEW_UNI}]
    # the changeset's and the curator's IRIs are published too (Atom ids, authors): they dereference
    page = requests.get(server + f"/id/change/{change_id}", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "Coventry joins" in page.text
    curator = requests.get(server + "/id/curator/ada-lovelace", headers={"Accept": "text/turtle"}, timeout=30)
    assert curator.status_code == 200 and "Ada Lovelace" in curator.text
    history = BeautifulSoup(requests.get(server + "/history/organisation/hdr-uk-midlands", timeout=30).text,
                            "html.parser")
    diff = [[td.get_text(" ", strip=True) for td in row.select("td")]
            for row in history.select("table.diff tr.added")]
    assert diff == [["+ added", "Health Data Research UK Midlands o:hdr-uk-midlands", "members (partners)",
                     "Coventry University o:coventry-university"]]
    feed = ET.fromstring(requests.get(server + "/changes.atom", timeout=30).content)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in feed.iter(f"{atom}entry")]
    assert titles[0] == f"Change {change_id} by Ada Lovelace: Coventry joins"
    # revert: a new changeset that undoes it
    change_page = form_of(browser.get(server + f"/changes/{change_id}", timeout=30))
    reverted = browser.post(server + f"/changes/{change_id}/revert", timeout=120, allow_redirects=False,
                            data={**change_page["hidden"], "source": "note: announced too early"})
    assert reverted.status_code == 303
    rows = sparql(server, f"SELECT ?m WHERE {{ <{HDR}> <http://www.w3.org/ns/org#hasMember> ?m }}")
    assert NEW_UNI not in {r["m"] for r in rows} and len(rows) == 5
    recorded = requests.get(server + "/changes?format=json", timeout=30).json()["changes"]
    undo = [c for c in recorded if c["reverts"] == change_id]  # times are to the second: find it by link
    assert len(undo) == 1 and undo[0]["removed"][0]["object"] == NEW_UNI


def _unchanged(page, skip) -> dict:
    """Every other field of a form as the page shows it."""
    values: dict[str, list[str]] = {}
    for field in page["soup"].select("form.curate [name^=f]"):
        name = field["name"]
        if name == skip:
            continue
        value = field.get_text() if field.name == "textarea" else (
            (field.select_one("option[selected]") or {}).get("value", "") if field.name == "select"
            else field.get("value", ""))
        values.setdefault(name, []).append(value)
    return values


def test_a_change_that_breaks_a_shape_is_shown_beside_its_field_and_nothing_is_stored(server, project):
    browser = sign_in(server, project["token"])
    before = len(requests.get(server + "/changes?format=json", timeout=30).json()["changes"])
    page = form_of(browser.get(server + "/new/mha:Person", timeout=30))
    keys = page["keys"]
    refused = browser.post(server + "/new/mha:Person", timeout=120, data={
        **page["hidden"], keys["given name"]: "Grace", keys["name"]: "Grace Hopper",
        keys["label"]: "Grace Hopper", keys["derived from (source section)"]: SECTION,
        "source": "note: test", "comment": "a test"})
    assert refused.status_code == 422
    soup = BeautifulSoup(refused.text, "html.parser")
    family = soup.select_one(f"#field-{keys['family name']}")
    assert "A person has exactly one schema:familyName." in family.select_one(".field-error").get_text()
    assert soup.select_one(f"input[name={keys['given name']}]")["value"] == "Grace"  # what was typed is kept
    assert len(requests.get(server + "/changes?format=json", timeout=30).json()["changes"]) == before
    assert not sparql(server, 'SELECT ?p WHERE { ?p <https://schema.org/name> "Grace Hopper" }')
    # a value that is not of its field's datatype is refused before the shapes run
    page = form_of(browser.get(server + "/new/mha:University", timeout=30))
    bad = browser.post(server + "/new/mha:University", timeout=60, data={
        **page["hidden"], page["keys"]["name"]: "X", page["keys"]["founding date"]: "last year",
        "source": "n"})
    founding = BeautifulSoup(bad.text, "html.parser").select_one(f"#field-{page['keys']['founding date']}")
    assert bad.status_code == 422
    assert founding.select_one(".field-error").get_text() == "'last year' is not a valid gYear or date"


def test_retry_with_the_same_change_id_is_answered_once(server, project):
    browser = sign_in(server, project["token"])
    first = add_university(server, browser, name="Retry University", change_id="retry-test-1")
    again = add_university(server, browser, name="Retry University", change_id="retry-test-1")
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    rows = sparql(server, 'SELECT ?u WHERE { ?u <https://schema.org/name> "Retry University" }')
    assert len(rows) == 1


def test_removed_entities_are_gone_and_merged_ones_redirect(server, project):
    browser = sign_in(server, project["token"])
    for name in ("Gone University", "Merged University"):
        assert add_university(server, browser, name=name).status_code == 303
    page = form_of(browser.get(server + "/remove/organisation/gone-university", timeout=30))
    removed = browser.post(server + "/remove/organisation/gone-university", timeout=120,
                           allow_redirects=False, data={**page["hidden"], "source": "note: never a partner",
                                                        "comment": "not a partner after all"})
    assert removed.status_code == 303
    gone = requests.get(server + "/id/organisation/gone-university", headers={"Accept": "text/html"},
                        timeout=30)
    assert gone.status_code == 410
    text = BeautifulSoup(gone.text, "html.parser").get_text(" ", strip=True)
    assert "Gone University is gone" in text and "never a partner" in text and "university" in text
    assert requests.get(server + "/data/organisation/gone-university.ttl", timeout=30).status_code == 410
    page = form_of(browser.get(server + "/merge/organisation/merged-university", timeout=30))
    merged = browser.post(server + "/merge/organisation/merged-university", timeout=120,
                          allow_redirects=False, data={**page["hidden"], "source": "note: a duplicate",
                                                       "comment": "the same university", "kept": WARWICK})
    assert merged.status_code == 303, merged.text
    moved = requests.get(server + "/id/organisation/merged-university", timeout=30, allow_redirects=False)
    assert moved.status_code == 301 and moved.headers["Location"] == "/id/organisation/university-of-warwick"
    assert sparql(server, f"SELECT ?k WHERE {{ <{BASE}/id/organisation/merged-university> "
                          "<http://purl.org/dc/terms/isReplacedBy> ?k }") == [
        {"k": f"{BASE}/id/organisation/university-of-warwick"}]


def test_new_figures_and_list_items_are_named_under_their_owner(server, project):
    browser = sign_in(server, project["token"])
    page = form_of(browser.get(server + "/new/mha:Figure", timeout=30))
    keys = page["keys"]
    figure = browser.post(server + "/new/mha:Figure", timeout=120, allow_redirects=False, data={
        **page["hidden"], keys["belongs to (figure owner)"]: f"{BASE}/id/organisation/midlands-engine",
        keys["figure name"]: "Jobs in the Midlands", keys["figure value"]: "4500000",
        keys["figure unit"]: "jobs", keys["figure words"]: "4.5 million jobs",
        "source": "note: test", "comment": "a test"})
    assert figure.status_code == 303, figure.text
    assert figure.headers["Location"].startswith("/id/figure/midlands-engine/jobs-in-the-midlands?")
    priorities = f"{BASE}/id/list/midlands-engine/priorities"
    page = form_of(browser.get(server + "/new/mha:ListItem", timeout=30))
    keys = page["keys"]
    item = browser.post(server + "/new/mha:ListItem", timeout=120, allow_redirects=False, data={
        **page["hidden"], keys["belongs to (list elements)"]: priorities, keys["list item position"]: "6",
        keys["name"]: "A sixth priority", "source": "note: test", "comment": "a test"})
    assert item.status_code == 303, item.text
    assert item.headers["Location"].startswith("/id/list/midlands-engine/priorities/6?")
    size = sparql(server, f"SELECT ?n WHERE {{ <{priorities}> <https://schema.org/numberOfItems> ?n }}")
    assert size == [{"n": "6"}]  # the list counts its new item, in the same change


def test_a_revert_that_later_changes_depend_on_is_refused_with_the_reason(server, project):
    browser = sign_in(server, project["token"])
    created = add_university(server, browser, name="Owner University")
    first = created.headers["Location"].split("change=")[1]
    page = form_of(browser.get(server + "/new/mha:Figure", timeout=30))
    keys = page["keys"]
    owned = browser.post(server + "/new/mha:Figure", timeout=120, allow_redirects=False, data={
        **page["hidden"], keys["belongs to (figure owner)"]: f"{BASE}/id/organisation/owner-university",
        keys["figure name"]: "Students", keys["figure value"]: "30000", keys["figure unit"]: "students",
        keys["figure words"]: "30,000 students", "source": "note: test", "comment": "a test"})
    assert owned.status_code == 303, owned.text
    change_page = form_of(browser.get(server + f"/changes/{first}", timeout=30))
    refused = browser.post(server + f"/changes/{first}/revert", timeout=120, allow_redirects=False,
                           data={**change_page["hidden"], "source": "note: undo"})
    assert refused.status_code == 422
    reasons = BeautifulSoup(refused.text, "html.parser").select_one(".errors").get_text(" ", strip=True)
    assert "The revert was not saved" in reasons and "Students" in reasons
    assert sparql(server, f"SELECT ?n WHERE {{ <{BASE}/id/organisation/owner-university> "
                          "<https://schema.org/name> ?n }") == [{"n": "Owner University"}]


def test_writeback_is_refused_while_a_curators_server_runs(server, project):
    done = subprocess.run([sys.executable, "-m", "mha_kg", "writeback", "--setting", "project_dir",
                           str(project["project"]), "--setting", "state_dir", str(project["root"] / "state")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1 and "another process writes to this state folder" in done.stderr


def test_source_watch_page_compares_and_accepting_is_a_recorded_change(server, project):
    browser = sign_in(server, project["token"])
    page = form_of(browser.get(server + "/-/source", timeout=30))
    edited = (ROOT / "tests" / "fixtures" / "source" / "changed-director.txt").read_text(encoding="utf-8")
    compared = browser.post(server + "/-/source", timeout=60, data={**page["hidden"], "text": edited})
    soup = BeautifulSoup(compared.text, "html.parser")
    assert soup.select_one("#result").get_text(strip=True) == "1 of 7 sections changed"
    assert "Simon Ball" in [a.get_text() for a in soup.select(".source-change ul li > a")]
    accept = form_of(compared)
    accepted = browser.post(server + "/-/source", timeout=120, allow_redirects=False, data={
        **accept["hidden"], "accept": "yes", "text": edited, "source": "note: saved copy, 1 Dec"})
    assert accepted.status_code == 303
    reference = project["project"] / "data" / "source" / "associated-organisations.txt"
    assert reference.read_text(encoding="utf-8") == edited
    accepted_id = accepted.headers["Location"].rsplit("/", 1)[-1]
    change = requests.get(server + f"/changes/{accepted_id}?format=json", timeout=30).json()
    assert change["added"][0]["predicate"] == "https://schema.org/sha256"


# ------------------------------------------------------------------ lists, notes, curators (issue 15 gaps)

VALUES = f"{BASE}/id/list/hdr-uk-midlands/values"
SCHEMA = "https://schema.org/"


def positions(url, lst) -> dict[str, int]:
    """{item IRI: its position} and the list's count, from the served graph."""
    rows = sparql(url, f"SELECT ?i ?p WHERE {{ <{lst}> <{SCHEMA}itemListElement> ?i . "
                       f"?i <{SCHEMA}position> ?p }}")
    return {r["i"]: int(r["p"]) for r in rows}


def count(url, lst) -> list[str]:
    return [r["n"] for r in sparql(url, f"SELECT ?n WHERE {{ <{lst}> <{SCHEMA}numberOfItems> ?n }}")]


def test_removing_a_list_item_renumbers_the_rest_and_an_insert_makes_room(server, project):
    browser = sign_in(server, project["token"])
    assert positions(server, VALUES) == {f"{VALUES}/{n}": n for n in range(1, 6)}
    page = form_of(browser.get(server + "/remove/list/hdr-uk-midlands/values/2", timeout=30))
    removed = browser.post(server + "/remove/list/hdr-uk-midlands/values/2", timeout=120,
                           allow_redirects=False,
                           data={**page["hidden"], "source": "note: test", "comment": "no longer a value"})
    assert removed.status_code == 303, removed.text
    change_id = removed.headers["Location"].rsplit("/", 1)[-1]
    # the following items keep their IRIs and move up; the list counts one fewer; all in one change
    assert positions(server, VALUES) == {f"{VALUES}/1": 1, f"{VALUES}/3": 2, f"{VALUES}/4": 3,
                                         f"{VALUES}/5": 4}
    assert count(server, VALUES) == ["4"]
    assert requests.get(server + "/id/list/hdr-uk-midlands/values/2", headers={"Accept": "text/html"},
                        timeout=30).status_code == 410
    assert requests.get(server + "/id/list/hdr-uk-midlands/values/3", headers={"Accept": "text/html"},
                        timeout=30).status_code == 200
    change = requests.get(server + f"/changes/{change_id}?format=json", timeout=30).json()
    moved = {(s["subject"], s["object"]) for s in change["added"] if s["predicate"] == SCHEMA + "position"}
    assert moved == {(f"{VALUES}/3", "2"), (f"{VALUES}/4", "3"), (f"{VALUES}/5", "4")}
    assert change["comment"] == "no longer a value"
    history = BeautifulSoup(requests.get(server + "/history/list/hdr-uk-midlands/values/4", timeout=30).text,
                            "html.parser").get_text(" ", strip=True)
    assert "no longer a value" in history  # the renumbered item's history has the change
    # a new item at position 2: the items from 2 on move down; its IRI takes a number never used (6)
    page = form_of(browser.get(server + "/new/mha:ListItem", timeout=30))
    keys = page["keys"]
    item = browser.post(server + "/new/mha:ListItem", timeout=120, allow_redirects=False, data={
        **page["hidden"], keys["belongs to (list elements)"]: VALUES, keys["list item position"]: "2",
        keys["name"]: "We are curious", "source": "note: test", "comment": "a new value, second"})
    assert item.status_code == 303, item.text
    assert item.headers["Location"].startswith("/id/list/hdr-uk-midlands/values/6?")
    assert positions(server, VALUES) == {f"{VALUES}/1": 1, f"{VALUES}/6": 2, f"{VALUES}/3": 3,
                                         f"{VALUES}/4": 4, f"{VALUES}/5": 5}
    assert count(server, VALUES) == ["5"]
    # reverting a removal puts the item back at its place and the others back at theirs
    objectives = f"{BASE}/id/list/midlands-innovation-health/objectives"
    before = positions(server, objectives)
    page = form_of(browser.get(server + "/remove/list/midlands-innovation-health/objectives/1", timeout=30))
    first = browser.post(server + "/remove/list/midlands-innovation-health/objectives/1", timeout=120,
                         allow_redirects=False, data={**page["hidden"], "source": "n", "comment": "to undo"})
    assert first.status_code == 303, first.text
    assert sorted(positions(server, objectives).values()) == list(range(1, len(before)))
    undo_id = first.headers["Location"].rsplit("/", 1)[-1]
    change_page = form_of(browser.get(server + f"/changes/{undo_id}", timeout=30))
    undone = browser.post(server + f"/changes/{undo_id}/revert", timeout=120, allow_redirects=False,
                          data={**change_page["hidden"], "source": "note: undo", "comment": "put it back"})
    assert undone.status_code == 303
    assert positions(server, objectives) == before and count(server, objectives) == [str(len(before))]
    # the last item of a list cannot go: the list-elements shape says why, and nothing is stored
    one_item = _new_list(server, browser, "Single thing", ["only item"])
    lst = f"{BASE}/id/list/university-of-warwick/single-thing"
    assert one_item.headers["Location"].startswith("/id/list/university-of-warwick/single-thing?")
    page = form_of(browser.get(server + "/remove/list/university-of-warwick/single-thing/1", timeout=30))
    refused = browser.post(server + "/remove/list/university-of-warwick/single-thing/1", timeout=120,
                           data={**page["hidden"], "source": "note: test", "comment": "empty the list"})
    assert refused.status_code == 422 and "at least one schema:itemListElement" in refused.text
    assert positions(server, lst) == {f"{lst}/1": 1}


def _new_list(url, browser, name, items, owner=WARWICK, link=f"{BASE}/def/aim"):
    page = form_of(browser.get(url + "/new/mha:List", timeout=30))
    keys = page["keys"]
    return browser.post(url + "/new/mha:List", timeout=120, allow_redirects=False, data={
        **page["hidden"], keys["belongs to (list owner)"]: owner, keys["linked as"]: link,
        keys["list name"]: name, keys["items"]: items, "source": "note: test", "comment": "a new list"})


def test_a_new_list_for_an_owner_with_its_items(server, project):
    browser = sign_in(server, project["token"])
    page = form_of(browser.get(server + "/new/mha:List", timeout=30))
    assert "list size" not in page["keys"] and "list elements" not in page["keys"]  # made from the items
    links = [o["value"] for o in page["soup"].select(f"select[name={page['keys']['linked as']}] option")]
    assert f"{BASE}/def/priorityArea" in links and f"{BASE}/def/subList" in links
    created = _new_list(server, browser, "Research aims", ["share data safely", "train analysts"])
    assert created.status_code == 303, created.text
    lst = f"{BASE}/id/list/university-of-warwick/research-aims"
    assert created.headers["Location"].startswith("/id/list/university-of-warwick/research-aims?")
    assert positions(server, lst) == {f"{lst}/1": 1, f"{lst}/2": 2} and count(server, lst) == ["2"]
    assert {"l": lst} in sparql(server, f"SELECT ?l WHERE {{ <{WARWICK}> <{BASE}/def/aim> ?l }}")
    again = _new_list(server, browser, "Research aims", ["another"])  # same owner, same name: a new IRI
    assert again.headers["Location"].startswith("/id/list/university-of-warwick/research-aims-2?")
    # the whole list goes with its items, each of them answering 410 afterwards
    page = form_of(browser.get(server + "/remove/list/university-of-warwick/research-aims-2", timeout=30))
    gone = browser.post(server + "/remove/list/university-of-warwick/research-aims-2", timeout=120,
                        allow_redirects=False,
                        data={**page["hidden"], "source": "n", "comment": "a duplicate"})
    assert gone.status_code == 303, gone.text
    for path in ("research-aims-2", "research-aims-2/1"):
        assert requests.get(server + f"/id/list/university-of-warwick/{path}", timeout=30,
                            headers={"Accept": "text/html"}).status_code == 410
    # a sub-list, owned by a list item, is named under its list's top owner
    aims3 = f"{BASE}/id/list/nihr-hic/aims/3"
    sub = _new_list(server, browser, "Steps", ["first step"], owner=aims3, link=f"{BASE}/def/subList")
    assert sub.status_code == 303, sub.text
    assert sub.headers["Location"].startswith("/id/list/nihr-hic/steps?")
    assert sparql(server, f"SELECT ?l WHERE {{ <{aims3}> <{BASE}/def/subList> ?l }}") == [
        {"l": f"{BASE}/id/list/nihr-hic/steps"}]
    menu = BeautifulSoup(browser.get(server + "/new/", timeout=30).text, "html.parser")
    assert "/new/mha:List" in [a["href"] for a in menu.select("main a")]
    # no items: refused beside the items field, nothing stored
    before = len(requests.get(server + "/changes?format=json", timeout=30).json()["changes"])
    empty = _new_list(server, browser, "Empty", [])
    assert empty.status_code == 422
    items = BeautifulSoup(empty.text, "html.parser").select_one(f"#field-{form_of(empty)['keys']['items']}")
    assert items.select_one(".field-error").get_text() == "This field is required: give at least one value."
    assert len(requests.get(server + "/changes?format=json", timeout=30).json()["changes"]) == before


def test_every_change_needs_a_comment_said_beside_the_field(server, project):
    browser = sign_in(server, project["token"])
    before = len(requests.get(server + "/changes?format=json", timeout=30).json()["changes"])
    page = form_of(browser.get(server + "/new/mha:University", timeout=30))
    keys = page["keys"]
    refused = browser.post(server + "/new/mha:University", timeout=120, data={
        **page["hidden"], keys["name"]: "Uncommented University", keys["label"]: "Uncommented University",
        keys["derived from (source section)"]: SECTION, "source": "note: test", "comment": "  "})
    assert refused.status_code == 422
    soup = BeautifulSoup(refused.text, "html.parser")
    assert soup.select_one("#field-comment .field-error").get_text() == changes.MISSING_COMMENT
    assert soup.select_one("#source")["value"] == "note: test"  # what was typed is kept
    assert soup.select_one("#field-source .field-error") is None
    page = form_of(browser.get(server + "/remove/organisation/university-of-warwick", timeout=30))
    kept = browser.post(server + "/remove/organisation/university-of-warwick", timeout=60,
                        data={**page["hidden"], "source": "note: test"})
    assert kept.status_code == 422
    assert BeautifulSoup(kept.text, "html.parser").select_one("#comment-error").get_text() == \
        changes.MISSING_COMMENT
    assert len(requests.get(server + "/changes?format=json", timeout=30).json()["changes"]) == before
    assert requests.get(server + "/id/organisation/university-of-warwick", headers={"Accept": "text/html"},
                        timeout=30).status_code == 200
    # the Python API the editor calls refuses it too, before anything is looked at
    with pytest.raises(KGError, match="Comment field") as refusal:
        changes.commit(None, changes.Proposed(curators.Curator("ada-lovelace", "Ada Lovelace"), "a note", ""))
    assert refusal.value.status == 400


def test_curators_are_named_by_their_own_slug(server, project, tmp_path):
    settings = project["settings"]
    _, token = curators.add(settings, "ada-l-2", "Ada Lovelace")  # the same name, her own slug
    with pytest.raises(KGError, match="curator slug 'ada-l-2' is taken"):
        curators.add(settings, "ada-l-2", "Somebody Else")
    with pytest.raises(KGError, match="not lower-case words"):
        curators.add(settings, "Ada L", "Ada Lovelace")
    browser = sign_in(server, token)
    created = add_university(server, browser, name="Twin University")
    assert created.status_code == 303, created.text
    change_id = created.headers["Location"].split("change=")[1]
    who = sparql(server, f"""SELECT ?who ?name WHERE {{ GRAPH <{BASE}/graph/change/{change_id}> {{
        ?c <http://www.w3.org/ns/prov#wasAssociatedWith> ?who .
        ?who <http://xmlns.com/foaf/0.1/name> ?name }} }}""")
    assert who == [{"who": f"{BASE}/id/curator/ada-l-2", "name": "Ada Lovelace"}]
    firsts = sparql(server, f"SELECT DISTINCT ?who WHERE {{ GRAPH ?g {{ ?c <http://www.w3.org/ns/prov#"
                            f"wasAssociatedWith> ?who }} FILTER (?g != <{BASE}/graph/change/{change_id}>) }}")
    assert f"{BASE}/id/curator/ada-l-2" not in {r["who"] for r in firsts}
    # the command line: a duplicate slug is one line on stderr and exit code 1, the file unchanged
    stored = (project["root"] / "curators.json").read_text()
    done = subprocess.run([sys.executable, "-m", "mha_kg", "curator", "add", "ada-lovelace", "Another Ada",
                           "--setting", "curators_file", settings["curators_file"]],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "curator slug 'ada-lovelace' is taken" in done.stderr
    assert (project["root"] / "curators.json").read_text() == stored
    fresh = settings_mod.load({"curators_file": str(tmp_path / "c.json"), "state_dir": str(tmp_path)},
                              environ={})
    done = subprocess.run([sys.executable, "-m", "mha_kg", "curator", "add", "grace", "Grace Hopper",
                           "--setting", "curators_file", fresh["curators_file"]],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert curators.identify(fresh, done.stdout.strip()) == curators.Curator("grace", "Grace Hopper")
