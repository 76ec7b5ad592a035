"""`mha-kg writeback`: curated writes folded back into the Turtle files, in their own style."""

from __future__ import annotations

import shutil

import pytest

from mha_kg.cli.main import cli
from mha_kg.curate import writes
from mha_kg.curate.writes import open_graph

from .conftest import FIXTURES, make_settings

ORG = "https://w3id.org/mha-kg/id/organisation/"
NAMES = "SELECT ?s ?name WHERE { ?s <https://schema.org/name> ?name } ORDER BY ?s ?name"


@pytest.fixture()
def project(tmp_path):
    shutil.copytree(FIXTURES / "curated", tmp_path / "project")
    return tmp_path


def settings_for(project):
    return make_settings(project / "state", project_dir=str(project / "project"), write_token="t")


def names(settings) -> list[tuple[str, str]]:
    kg = open_graph(settings, log=lambda _: None)
    try:
        return [(r["s"].value, r["name"].value) for r in kg.select(NAMES)]
    finally:
        kg.close()


def test_writeback_keeps_unchanged_text_and_adds_the_change(project, runner):
    settings = settings_for(project)
    original = (project / "project/data/organisations.ttl").read_text()
    kg = open_graph(settings, log=lambda _: None)
    try:
        writes.update(kg, f'''
            DELETE DATA {{ <{ORG}partner> <https://schema.org/name> "The Partner" ;
                                          <http://www.w3.org/2000/01/rdf-schema#label> "The Partner" }} ;
            INSERT DATA {{ <{ORG}partner> <https://schema.org/name> "The Renamed Partner" ;
                                          <http://www.w3.org/2000/01/rdf-schema#label> "The Renamed Partner" .
                           <{ORG}new> a <https://w3id.org/mha-kg/def/Organisation> ;
                                      <https://schema.org/name> "New Partner" ;
                                      <http://www.w3.org/2000/01/rdf-schema#label> "New Partner" }}''')
    finally:
        kg.close()
    curated = names(settings)
    dry = runner.invoke(cli, ["writeback", "--dry-run", "--setting", "project_dir",
                              settings["project_dir"], "--setting", "state_dir", settings["state_dir"]])
    assert dry.exit_code == 0 and "would change" in dry.output
    assert (project / "project/data/organisations.ttl").read_text() == original

    done = runner.invoke(cli, ["writeback", "--setting", "project_dir", settings["project_dir"],
                               "--setting", "state_dir", settings["state_dir"]])
    assert done.exit_code == 0, done.output
    rewritten = (project / "project/data/organisations.ttl").read_text()
    # the untouched subject keeps its exact text; comments and headings stay
    alliance = original[original.index("o:alliance"):original.index("# A partner")]
    assert alliance in rewritten
    assert "# A partner, with a comment kept by writeback." in rewritten
    assert "# The alliance" in rewritten
    assert '"The Renamed Partner"' in rewritten and '"The Partner"' not in rewritten
    assert "o:partner" in rewritten  # written with the file's own prefixes
    assert "New Partner" in (project / "project/data/curated-writes.ttl").read_text()
    # the history is in the project, and the journal is empty: the files alone now give the graph
    [history] = (project / "project/data/changes").glob("*.trig")
    assert "prov:Activity" in history.read_text()
    assert not list((project / "state" / "changes" / "pending").glob("*.trig"))
    assert names(settings) == curated
    again = runner.invoke(cli, ["writeback", "--setting", "project_dir", settings["project_dir"],
                                "--setting", "state_dir", settings["state_dir"]])
    assert again.exit_code == 0 and "Nothing to write back" in again.output
