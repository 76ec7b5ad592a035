"""A commit made around the change alone equals a whole rebuild from the inputs and the journal.

The incremental closure (build/increment.py) is compared with the full
closure of the changed graph on representative changes; then a run of
commits over the shipped project takes the fast path (store.derive) and the
store it ends with is compared, graph by graph, with a store built afresh
from the files plus the journal, the way a restart on another machine would
(that build validates the whole graph: it would refuse what the scoped
validation let through).
"""

from __future__ import annotations

import dataclasses
import random
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from benchmarks import generate

from mha_kg.build import increment, infer, store
from mha_kg.curate import writes
from mha_kg.curate.journal import Journal
from mha_kg.namespaces import graph_iri, graph_kind

from .conftest import FIXTURES, make_settings
from .test_scoped import full_validation

B = "https://w3id.org/mha-kg"
ORGS, DEF, SCHEMA = f"{B}/id/organisation/", f"{B}/def/", "https://schema.org/"
RDF_TYPE, RDFS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://www.w3.org/2000/01/rdf-schema#"
HDR, KEELE = ORGS + "hdr-uk-midlands", ORGS + "keele-university"
DATA, ONTOLOGY = graph_iri(B, "data"), graph_iri(B, "ontology")


def q(s, p, o, graph=DATA) -> ox.Quad:
    obj = ox.NamedNode(o) if isinstance(o, str) else o
    return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, ox.NamedNode(graph))


def stated(kg, s=None, p=None, o=None) -> list[ox.Quad]:
    """Asserted quads matching the pattern (the closure and the history left out)."""
    terms = [ox.NamedNode(t) if isinstance(t, str) else t for t in (s, p, o)]
    return [x for x in kg.engine.store.quads_for_pattern(*terms, None)
            if x.graph_name.value in asserted_graphs(kg)]


def asserted_graphs(kg) -> list[str]:
    return sorted(g for g in kg.build.graphs
                  if g != kg.graph("inferred") and graph_kind(B, g) != "change")


CHANGES = {  # name: (change, whether the closure moves)
    "a new university": (lambda kg: ([q(ORGS + "new-u", RDF_TYPE, DEF + "University"),
                                      q(ORGS + "new-u", SCHEMA + "name", ox.Literal("New U"))], []), True),
    "an organisation loses its types": (lambda kg: ([], stated(kg, HDR, RDF_TYPE)), True),
    "a type changed to a subclass": (lambda kg: ([q(HDR, RDF_TYPE, DEF + "University")],
                                                  stated(kg, HDR, RDF_TYPE)), True),
    "an organisation renamed": (lambda kg: ([q(HDR, SCHEMA + "name", ox.Literal("HDR UK (Midlands)"))],
                                            stated(kg, HDR, SCHEMA + "name")), False),
    "an inverse property added": (lambda kg: ([q(HDR, DEF + "hasMember", KEELE)], []), True),
    "an inverse property removed": (lambda kg: ([], stated(kg, HDR, DEF + "partOf")), True),
    "every link of a member removed": (lambda kg: ([], stated(kg, None, None, KEELE)), True),
}


PROV_SOURCE, LABEL = "http://www.w3.org/ns/prov#wasDerivedFrom", RDFS + "label"
ACCEPTED = {  # changes the shapes accept, committed one after another
    "a new university": lambda kg: (
        [q(ORGS + "new-u", RDF_TYPE, DEF + "University"), q(ORGS + "new-u", LABEL, ox.Literal("New U")),
         q(ORGS + "new-u", SCHEMA + "name", ox.Literal("New U")),
         *(q(ORGS + "new-u", PROV_SOURCE, x.object) for x in stated(kg, HDR, PROV_SOURCE))], []),
    "a type changed to a subclass": CHANGES["a type changed to a subclass"][0],
    "an inverse property added": CHANGES["an inverse property added"][0],
    "an organisation renamed": lambda kg: (
        [q(HDR, SCHEMA + "name", ox.Literal("HDR UK (Midlands)")),
         q(HDR, LABEL, ox.Literal("HDR UK (Midlands)"))],
        [*stated(kg, HDR, SCHEMA + "name"), *stated(kg, HDR, LABEL)]),
    "an inverse property removed": CHANGES["an inverse property removed"][0],
}


def full_closure(kg, added, removed) -> set[ox.Triple]:
    names = asserted_graphs(kg)
    scratch = ox.Store()
    scratch.extend((set(kg.quads(names)) - set(removed)) | set(added))
    return set(infer.fast_closure(scratch, names))


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_the_closure_updated_around_a_change_equals_the_full_closure(name, kg):
    make, moves = CHANGES[name]
    added, removed = make(kg)
    assert added or removed, "the change must change something"
    before = {x.triple for x in kg.quads([kg.graph("inferred")])}
    grown, gone = increment.closure_delta(kg.engine.store, asserted_graphs(kg), kg.graph("inferred"),
                                          ONTOLOGY, added, removed)
    incremental = (before - {x.triple for x in gone}) | {x.triple for x in grown}
    full = full_closure(kg, added, removed)
    assert incremental == full
    assert (full != before) == moves


@pytest.mark.parametrize("change", [
    q(DEF + "University", RDFS + "label", ox.Literal("Uni"), ONTOLOGY),  # the ontology graph
    q(DEF + "Spinout", RDFS + "subClassOf", DEF + "Organisation"),  # schema in the data
    q(HDR, RDF_TYPE, "http://www.w3.org/2002/07/owl#Class"),  # a type of the vocabulary's own
])
def test_a_change_to_the_schema_is_left_to_a_whole_rebuild(change, kg):
    assert increment.closure_delta(kg.engine.store, asserted_graphs(kg), kg.graph("inferred"),
                                   ONTOLOGY, [change], []) is None


def quads_by_graph(target: ox.Store) -> dict[str, set[ox.Quad]]:
    found: dict[str, set[ox.Quad]] = {}
    for quad in target:
        found.setdefault(quad.graph_name.value, set()).add(quad)
    return found


def test_fast_commits_equal_a_whole_rebuild_and_a_restart_serves_them(tmp_path):
    settings = make_settings(tmp_path / "state", write_token="t")
    kg = writes.open_graph(settings, log=lambda _: None, writer=True)
    try:
        served_first = kg.build.path
        committed = []
        for name, make in ACCEPTED.items():
            added, removed = make(kg)
            committed.append(writes.commit_change(kg, added, removed, writes.Meta(curator="Ada")))
            assert "derive" in kg.build.seconds, f"{name}: not committed by the fast path"
        committed.append(writes.revert(kg, committed[2].change_id, writes.Meta(curator="Ada")))
        assert "derive" in kg.build.seconds
        before_refusal = kg.build.path
        with pytest.raises(writes.Invalid):  # a second name breaks a shape: refused around the change
            writes.commit_change(kg, [q(HDR, SCHEMA + "name", ox.Literal("Another name"))], [])
        assert kg.build.path == before_refusal
        entries = Journal(settings).load()
        assert [e["id"] for e in entries] == [c.change_id for c in committed]
        assert not list(Journal(settings).pending.glob("*.trig"))[len(entries):]

        rebuilt = store.ensure(_with_journal(kg, settings), tmp_path / "rebuilt")
        assert "load" in rebuilt.seconds and rebuilt.fingerprint == kg.build.fingerprint
        fast, whole = ox.Store.read_only(kg.build.path), ox.Store.read_only(rebuilt.path)
        assert quads_by_graph(fast) == quads_by_graph(whole)
        assert kg.build.graphs == rebuilt.graphs
        assert kg.build.path != served_first and not store.damaged_file(
            Path(kg.build.path), kg.build)

        schema_edit = q(DEF + "University", RDFS + "comment", ox.Literal("A university."), ONTOLOGY)
        writes.commit_change(kg, [schema_edit], [])
        assert "load" in kg.build.seconds, "an ontology edit must be rebuilt whole"
        last = kg.build.path
    finally:
        kg.close()
    restarted = writes.open_graph(settings, log=lambda _: None, writer=True)
    try:
        assert restarted.build.path == last and restarted.build.reused
    finally:
        restarted.close()


def _with_journal(kg, settings):
    journal = Journal(settings)
    return dataclasses.replace(kg.inputs, changes=journal.files(journal.load()))


def test_the_first_triples_of_an_empty_graph_are_inferred_and_judged_as_a_rebuild_would(tmp_path):
    """The tiny project has no links graph: a new organisation put there gets its superclasses
    inferred (and so the shape on schema:Organization judges it), as a whole rebuild would."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "curated", project)
    settings = make_settings(tmp_path / "state", project_dir=str(project), write_token="t")
    links, newcomer = graph_iri(B, "links"), ORGS + "newcomer"
    kg = writes.open_graph(settings, log=lambda _: None, writer=True)
    try:
        assert links not in kg.build.graphs
        with pytest.raises(writes.Invalid):  # nameless: refused through the inferred type
            writes.commit_change(kg, [q(newcomer, RDF_TYPE, DEF + "Organisation", links)], [])
        writes.commit_change(kg, [q(newcomer, RDF_TYPE, DEF + "Organisation", links),
                                  q(newcomer, SCHEMA + "name", ox.Literal("Newcomer"), links)], [])
        assert "derive" in kg.build.seconds
        assert ox.Quad(ox.NamedNode(newcomer), ox.NamedNode(RDF_TYPE), ox.NamedNode(SCHEMA + "Organization"),
                       ox.NamedNode(kg.graph("inferred"))) in kg.engine.store
        rebuilt = store.ensure(_with_journal(kg, settings), tmp_path / "rebuilt")
        assert quads_by_graph(ox.Store.read_only(kg.build.path)) == quads_by_graph(
            ox.Store.read_only(rebuilt.path))
    finally:
        kg.close()


def random_change(kg, rng: random.Random) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """One of three kinds of edit on a random subject of the data graph: a triple removed, a
    link moved to another value of the same property, or every type removed."""
    data = ox.NamedNode(DATA)
    quads = sorted(kg.engine.store.quads_for_pattern(None, None, None, data), key=str)
    pick = rng.choice(quads)
    kind = rng.randrange(3)
    if kind == 0:
        return [], [pick]
    if kind == 1:
        others = [x.object for x in quads if x.predicate == pick.predicate and x.object != pick.object]
        if others:
            return [ox.Quad(pick.subject, pick.predicate, rng.choice(others), data)], [pick]
    return [], [x for x in quads if x.subject == pick.subject and x.predicate.value == RDF_TYPE]


def test_random_edits_are_refused_or_kept_exactly_as_a_whole_validation_and_rebuild_would(tmp_path):
    """Twelve seeded random edits on the synthetic scale-1 project: each is refused exactly when
    a full validation of the changed graph finds a result, and the store after them equals a
    whole rebuild from the files plus the journal."""
    project = generate.write_project(1, tmp_path / "project")
    settings = make_settings(tmp_path / "state", project_dir=str(project), write_token="t")
    rng = random.Random(15)
    kg = writes.open_graph(settings, log=lambda _: None, writer=True)
    try:
        outcomes = []
        for _ in range(12):
            added, removed = random_change(kg, rng)
            expected = full_validation(kg, added, removed)
            try:
                writes.commit_change(kg, added, removed)
                outcomes.append("kept")
                assert not expected and "derive" in kg.build.seconds
            except writes.Invalid:
                outcomes.append("refused")
                assert expected
        assert set(outcomes) == {"kept", "refused"}, outcomes  # both kinds of outcome were tried
        rebuilt = store.ensure(_with_journal(kg, settings), tmp_path / "rebuilt")
        assert quads_by_graph(ox.Store.read_only(kg.build.path)) == quads_by_graph(
            ox.Store.read_only(rebuilt.path))
    finally:
        kg.close()
