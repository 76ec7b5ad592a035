"""Enrichment from linked ROR records: the facts ROR states, with provenance, never over the source's."""

from __future__ import annotations

from mha_kg.linking import common

from .conftest import SHARED

FACTS = {r["ror_iri"]: r for r in common.read_csv(SHARED / "reference" / "ror-facts.csv")}
PREFIXES = """PREFIX schema: <https://schema.org/> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"""


def test_city_coordinates_and_founding_year_match_the_ror_records(kg):
    rows = kg.select(f"""{PREFIXES} SELECT ?o ?ror ?city ?lat ?lon ?founded WHERE {{
        ?o skos:exactMatch ?ror FILTER(STRSTARTS(STR(?ror), "https://ror.org/"))
        GRAPH <{kg.graph('enrichment')}> {{ ?o schema:location ?place . ?place schema:name ?city ;
            schema:geo ?geo . ?geo schema:latitude ?lat ; schema:longitude ?lon .
            OPTIONAL {{ ?o schema:foundingDate ?founded }} }} }}""")
    assert len({r["o"] for r in rows}) == 21
    for row in rows:
        fact = FACTS[row["ror"].value]
        assert row["city"].value == fact["city"]
        assert float(row["lat"].value) == float(fact["lat"]) and float(row["lon"].value) == float(fact["lon"])
        if row["founded"] is not None:
            assert row["founded"].value == fact["established"]


def test_the_source_texts_founding_date_is_not_overwritten(kg):
    rows = kg.select(f"""{PREFIXES} SELECT ?d WHERE {{
        <{kg.base}/id/organisation/nihr-spcr> schema:foundingDate ?d }}""")
    assert [r["d"].value for r in rows] == ["2006"]  # the text's "Established in 2006"


def test_every_enriched_organisation_points_to_its_record(kg):
    rows = kg.select(f"""{PREFIXES} SELECT ?o ?record ?ror WHERE {{ GRAPH <{kg.graph('enrichment')}> {{
        ?o prov:wasDerivedFrom ?record . ?record prov:wasDerivedFrom ?ror ;
           <http://purl.org/dc/terms/source> ?file ; <http://purl.org/dc/terms/created> ?when }} }}""")
    linked = {r["r"].value for r in kg.select(
        f"{PREFIXES} SELECT ?r WHERE {{ ?o skos:exactMatch ?r "
        "FILTER(STRSTARTS(STR(?r), 'https://ror.org/')) }")}
    assert {r["ror"].value for r in rows} == linked == set(FACTS) - {UKCRC}


# UKCRC's record is in ror-facts.csv, but UKCRC is not an organisation of the graph (TDCC is not UKCRC)
UKCRC = next(iri for iri, fact in FACTS.items() if fact["acronyms"] == "UKCRC")


def test_map_places_every_located_organisation_with_a_link_to_its_page(client, kg):
    response = client.get("/map.json")
    assert response.status_code == 200
    markers = response.get_json()["markers"]
    links = {o["href"] for m in markers for o in m["organisations"]}
    located = kg.select(f"""{PREFIXES} SELECT DISTINCT ?o WHERE {{ ?o schema:location/schema:geo ?g }}""")
    assert links == {"/id/" + r["o"].value.split("/id/", 1)[1] for r in located}
    page = client.get("/map", headers={"Accept": "text/html"})
    assert page.status_code == 200 and b"Newcastle-under-Lyme" in page.data
