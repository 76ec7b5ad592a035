"""`mha-kg writeback`: curated writes folded back into the Turtle files, in their own style."""

from __future__ import annotations

import difflib
import json
import shutil

import pyoxigraph as ox
import pytest

from mha_kg.build import store
from mha_kg.cli.main import cli
from mha_kg.curate import writes
from mha_kg.curate.writeback import writeback
from mha_kg.curate.writes import open_graph

from .conftest import FIXTURES, ROOT, make_settings

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


# ------------------------------------------------------------------ the shipped project


LINK = "https://w3id.org/mha-kg/id/link/ror-reconciliation/aston-university"
LINKS_GRAPH = "https://w3id.org/mha-kg/graph/links"


@pytest.fixture()
def shipped(tmp_path):
    """A copy of the shipped project (ontology, data, shapes), as a fresh clone has it."""
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, tmp_path / "project" / folder)
    return tmp_path


def asserted(settings) -> set:
    kg = open_graph(settings, log=lambda _: None)
    try:
        return {q for q in kg.quads() if not q.graph_name.value.endswith("/graph/inferred")}
    finally:
        kg.close()


def run_writeback(runner, settings, *args):
    return runner.invoke(cli, ["writeback", *args, "--setting", "project_dir", settings["project_dir"],
                               "--setting", "state_dir", settings["state_dir"]])


def test_writeback_of_a_curated_comment_touches_one_block_and_rebuilds_from_a_fresh_clone(
        shipped, runner):
    settings = settings_for(shipped)
    ror = shipped / "project/data/links/ror.ttl"
    original = ror.read_text()
    kg = open_graph(settings, log=lambda _: None)
    try:
        writes.update(kg, f'''INSERT DATA {{ GRAPH <{LINKS_GRAPH}> {{
            <{LINK}> <http://www.w3.org/2000/01/rdf-schema#comment> "checked by hand" ;
                     <http://xmlns.com/foaf/0.1/page> <https://example.org/aston> }} }}''',
                      writes.Meta(curator="Ada Lovelace"), change_id="aston-checked")
    finally:
        kg.close()
    served = asserted(settings)
    locked = open_graph(settings, log=lambda _: None, writer=True)  # as a server that writes
    try:
        refused = run_writeback(runner, settings)
        assert refused.exit_code == 1 and "another process writes" in refused.output
    finally:
        locked.close()
    done = run_writeback(runner, settings)
    assert done.exit_code == 0, done.output
    rewritten = ror.read_text()
    # ror.ttl declares no foaf: prefix, so the new predicate is written in full
    assert "foaf:" not in rewritten and "<http://xmlns.com/foaf/0.1/page>" in rewritten
    ox.parse(rewritten.encode(), format=ox.RdfFormat.TURTLE)  # parses on its own
    changed = [line for line in difflib.unified_diff(original.splitlines(), rewritten.splitlines(),
                                                      lineterm="", n=0)
               if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    # only that subject's block moves: its first line re-joined, its last line and the two new
    assert len(changed) <= 7 and sum(line.startswith("+") for line in changed) <= 4, changed
    history = shipped / "project/data/changes/aston-checked.trig"
    assert "Ada Lovelace" in history.read_text()
    # a fresh clone of the written-back project builds exactly the served dataset
    clone = shipped / "clone"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(shipped / "project" / folder, clone / folder)
    fresh = make_settings(shipped / "fresh-state", project_dir=str(clone))
    assert asserted(fresh) == served


class Killed(BaseException):
    """Stands for kill -9 in the middle of a writeback."""


def test_a_writeback_killed_halfway_is_finished_by_the_next_start(project, runner, monkeypatch):
    settings = settings_for(project)
    kg = open_graph(settings, log=lambda _: None)
    try:
        writes.update(kg, f'''
            DELETE DATA {{ <{ORG}partner> <https://schema.org/name> "The Partner" ;
                                          <http://www.w3.org/2000/01/rdf-schema#label> "The Partner" }} ;
            INSERT DATA {{ <{ORG}partner> <https://schema.org/name> "Partner Ltd" ;
                                          <http://www.w3.org/2000/01/rdf-schema#label> "Partner Ltd" .
                           <{ORG}new> a <https://w3id.org/mha-kg/def/Organisation> ;
                                      <https://schema.org/name> "New Partner" }}''', change_id="halfway")
    finally:
        kg.close()
    served = asserted(settings)
    written: list = []
    real = store.write_synced

    def killed_after_the_first_file(path, data):
        real(path, data)
        written.append(path)
        if len(written) == 2:  # the redo log, then one file of three
            raise Killed()

    monkeypatch.setattr(store, "write_synced", killed_after_the_first_file)
    with pytest.raises(Killed):
        writeback(settings)
    monkeypatch.undo()
    assert (project / "state/changes/writeback.json").is_file()
    said: list[str] = []
    kg = open_graph(settings, log=said.append)  # the next start finishes the writeback
    kg.close()
    assert any("interrupted" in line for line in said)
    assert not (project / "state/changes/writeback.json").exists()
    assert json.loads((project / "state/changes/journal.json").read_text())["changes"] == []
    assert (project / "project/data/changes/halfway.trig").is_file()
    assert asserted(settings) == served
