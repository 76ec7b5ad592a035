"""The store on disk holds exactly what the build validated, whichever way it was written.

build.store writes the disk store on a thread beside the build: from the
input files again plus the inferred graph when it can, from one dump of the
memory store when an inferred triple names a blank node (Oxigraph's loader
relabels them per load) or curated changes make that necessary. Each way must give the same quads, and
the inferred triples about a blank node must name the node the asserted
triples name.
"""

from __future__ import annotations

import types

import pyoxigraph as ox
import pytest

from mha_kg.build import dataset, store
from mha_kg.errors import KGError
from mha_kg.namespaces import graph_iri

ONTOLOGY = b"""
@prefix : <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:knows owl:inverseOf :knownBy ; rdfs:range :Agent .
:Person rdfs:subClassOf :Agent .
"""
WITH_BLANKS = b"""
@prefix : <http://example.org/> .
:ann :knows _:friend , [ :knows :bob ] . _:friend a :Person .
"""
#: Blank nodes the closure says nothing about: the files are loaded as they are.
BLANKS_NOT_INFERRED = b"""
@prefix : <http://example.org/> .
:ann :knows :carl ; :likes [ :colour "red" ] . :carl a :Person .
"""
WITHOUT_BLANKS = b"""
@prefix : <http://example.org/> .
:ann :knows :carl . :carl a :Person .
"""


def _inputs(tmp_path, data: bytes) -> dataset.Inputs:
    (tmp_path / "ontology.ttl").write_bytes(ONTOLOGY)
    (tmp_path / "data.ttl").write_bytes(data)
    base = "https://w3id.org/mha-kg"
    return dataset.Inputs(files=[dataset.SourceFile(tmp_path / "ontology.ttl", "ontology"),
                                 dataset.SourceFile(tmp_path / "data.ttl", "data")],
                          base=base, validate=False, infer=True)


def _disk_quads(info: store.BuildInfo) -> set[ox.Quad]:
    disk = ox.Store.read_only(info.path)
    try:
        return set(disk)
    finally:
        del disk


@pytest.mark.parametrize("loaders", [1, 3], ids=["one-loader", "three-loaders"])
@pytest.mark.parametrize("data", [WITH_BLANKS, BLANKS_NOT_INFERRED, WITHOUT_BLANKS],
                         ids=["blank-nodes", "blank-nodes-not-inferred", "iris-only"])
def test_the_disk_store_holds_the_files_and_their_closure(tmp_path, monkeypatch, data, loaders):
    monkeypatch.setattr(store, "INFERRED_LOADERS", loaders)
    inputs = _inputs(tmp_path, data)
    quads = _disk_quads(store.ensure(inputs, tmp_path / "state"))
    inferred = ox.NamedNode(graph_iri(inputs.base, "inferred"))
    asserted = {q for q in quads if q.graph_name != inferred}
    closure = {q.triple for q in quads if q.graph_name == inferred}
    stated = {WITH_BLANKS: 4, BLANKS_NOT_INFERRED: 4, WITHOUT_BLANKS: 2}[data]
    assert len(asserted) == stated + 3  # the data, and the ontology, each once
    knows, known_by = ox.NamedNode("http://example.org/knows"), ox.NamedNode("http://example.org/knownBy")
    # every inverse names the very nodes of the asserted triple, blank or not
    expected = {ox.Triple(q.object, known_by, q.subject) for q in asserted if q.predicate == knows}
    assert expected and expected <= closure
    agent = ox.NamedNode("http://example.org/Agent")
    typed = {t.subject for t in closure if t.object == agent}
    assert typed == {q.object for q in asserted if q.predicate == knows}


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 50])
def test_the_inferred_n_triples_are_cut_at_line_ends_into_pieces_that_add_up(parts):
    text = b"".join(b"<http://example.org/s%d> <http://example.org/p> \"%s\" .\n" % (i, b"x" * i)
                    for i in range(20))
    pieces = store._split_lines(text, parts)
    assert b"".join(pieces) == text
    assert 1 <= len(pieces) <= parts and (parts == 1 or len(pieces) > 1)
    assert all(piece.endswith(b"\n") for piece in pieces)
    assert store._split_lines(b"", parts) == []


def test_a_file_that_does_not_parse_leaves_no_store(tmp_path):
    inputs = _inputs(tmp_path, b"@prefix : <http://example.org/> .\n:ann :knows .\n")
    with pytest.raises(KGError, match=r"data\.ttl:2"):
        store.ensure(inputs, tmp_path / "state")
    assert not [p for p in (tmp_path / "state" / "stores").iterdir()]


def test_a_failed_write_of_the_closure_fails_the_build_and_leaves_no_store(tmp_path, monkeypatch):
    """The inferred graph is loaded beside the files: its failure (a full disk, say) must fail
    the build like any other, and leave nothing a start could take for a store."""
    inputs = _inputs(tmp_path, WITHOUT_BLANKS)
    real = store.ox

    class FullDisk:
        def __init__(self, path: str):
            self._store = real.Store(path)

        def bulk_load(self, data, format, to_graph=None, **options):
            if to_graph is not None and to_graph.value.endswith("/inferred"):
                raise OSError("No space left on device")
            return self._store.bulk_load(data, format=format, to_graph=to_graph, **options)

        def __getattr__(self, name):
            return getattr(self._store, name)

    oxigraph = types.SimpleNamespace(**{n: getattr(real, n) for n in dir(real) if not n.startswith("_")})
    oxigraph.Store = lambda path=None: FullDisk(path) if path else real.Store()
    monkeypatch.setattr(store, "ox", oxigraph)
    with pytest.raises(KGError, match=r"could not write the store .*No space left"):
        store.ensure(inputs, tmp_path / "state")
    assert not [p for p in (tmp_path / "state" / "stores").iterdir()]
