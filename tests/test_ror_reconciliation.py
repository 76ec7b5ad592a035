"""ROR reconciliation on the fixture folder: both schemas, precision and recall, never a distractor."""

from __future__ import annotations

import json
import shutil

import pytest

from mha_kg.linking import common, ror
from mha_kg.linking.rordump import read_dump

from .conftest import ROOT, SHARED

REFERENCE = SHARED / "reference"
MANIFEST = common.read_csv(REFERENCE / "ror-fixtures-manifest.csv")
DISTRACTORS = {r["ror_iri"] for r in MANIFEST if r["role"] == "distractor"}


@pytest.fixture(scope="module")
def graph():
    data = common.project_graph(ROOT, "memberships")
    data.parse(ROOT / "data" / "links" / "curated.ttl")
    return data


@pytest.fixture(scope="module")
def records():
    return read_dump(REFERENCE / "ror")


def run(graph, records, link_at=0.75, review_at=0.45) -> ror.Result:
    return ror.reconcile(ror.organisations(graph), records, ror.linked_ids(graph), link_at, review_at)


def test_both_schema_versions_read_as_ror_facts_csv_says(records):
    by_id = {r.id: r for r in records}
    assert {r.schema for r in records} == {"v1", "v2"}
    for fact in common.read_csv(REFERENCE / "ror-facts.csv"):
        record = by_id[fact["ror_iri"]]
        assert record.name == fact["name"]
        assert record.city == fact["city"]
        assert (record.lat, record.lon) == (float(fact["lat"]), float(fact["lon"]))
        assert str(record.established or "") == fact["established"]
        assert record.websites[0] == fact["website"]
        assert record.types == fact["types"].split(" | ")
        assert record.acronyms == [a for a in fact["acronyms"].split(" | ") if a]


@pytest.mark.parametrize("link_at", [0.6, 0.75, 0.9])
def test_precision_is_perfect_and_no_distractor_is_ever_linked(graph, records, link_at):
    result = run(graph, records, link_at=link_at)
    metrics = ror.measure(result, ror.linked_ids(graph), REFERENCE / "ror-fixtures-manifest.csv",
                          {r.id for r in records})
    assert metrics.precision == 1.0
    assert metrics.distractor_links == []
    assert not {c.record.id for c in result.links} & DISTRACTORS


def test_recall_on_the_fixture_folder_is_complete_at_the_default_threshold(graph, records):
    result = run(graph, records)
    metrics = ror.measure(result, ror.linked_ids(graph), REFERENCE / "ror-fixtures-manifest.csv",
                          {r.id for r in records})
    assert metrics.recall == 1.0 and metrics.true_links == len(result.links)
    ukcrc = next(r["ror_iri"] for r in MANIFEST if r["name"].startswith("United Kingdom Clinical"))
    assert ukcrc not in {c.record.id for c in result.links}  # entity record, but not in our graph


def test_a_json_array_dump_gives_the_same_links(tmp_path, graph, records):
    dump = tmp_path / "ror-data.json"
    files = sorted((REFERENCE / "ror").glob("*.json"))
    dump.write_text(json.dumps([json.loads(p.read_text()) for p in files]))
    from_file = read_dump(dump)
    assert [r.id for r in from_file] == [r.id for r in records]
    assert {c.pair for c in run(graph, from_file).links} == {c.pair for c in run(graph, records).links}


def test_the_middle_band_goes_to_review_with_evidence(graph, records):
    result = run(graph, records, link_at=0.95, review_at=0.45)
    assert result.review, "a raised link threshold must move candidates to review"
    text = ror.review_csv(result.review)
    lines = text.splitlines()
    assert lines[0] == "entity,entity_name,ror_iri,ror_name,score,evidence,record"
    assert all(c.score >= 0.45 and c.org.iri not in {x.org.iri for x in result.links}
               for c in result.review)
    assert any("exact display name" in line and "website domain" in line for line in lines[1:])


def test_command_reports_metrics_and_writes_review(runner, tmp_path):
    from mha_kg.cli.main import cli

    project = tmp_path / "p"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, project / folder)
    review = tmp_path / "review.csv"
    result = runner.invoke(cli, ["link", "ror", "--setting", "project_dir", str(project), "--reference",
                                 str(REFERENCE), "--review", str(review),
                                 "--setting", "ror_link_threshold", "0.85"])
    assert result.exit_code == 0, result.output
    assert "precision 1.000" in result.output and "0 to distractors" in result.output
    assert review.read_text().startswith("entity,")
    bad = runner.invoke(cli, ["link", "ror", "--dump", str(review), "--setting", "project_dir", str(project),
                              "--reference", str(REFERENCE)])
    assert bad.exit_code == 1 and "Traceback" not in bad.output
