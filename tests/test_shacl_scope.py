"""The build's scoped validation (validate.validate_store) reports what plain pyshacl reports.

validate_store hands pyshacl only the triples its shapes can read, splits the
shapes between two processes, each reading its own share, and runs the
SHACL-SPARQL constraints in Oxigraph. Each test compares its results with
pyshacl.validate run, unaided, over the full union of asserted and inferred
triples: on the shipped data, on a generated project with triples removed
so that shapes fire, and on every shape's fixture.
"""

from __future__ import annotations

import pyoxigraph as ox
import pyshacl
import pytest
from benchmarks import generate
from rdflib import Graph

from mha_kg import settings
from mha_kg.build import dataset, infer, shacl_scope, shacl_sparql, store, terms, validate
from mha_kg.build.union import Union
from mha_kg.namespaces import graph_iri

from .conftest import FIXTURES, ROOT


def _key(violations) -> set:
    return {(v.focus, v.path, v.value, v.shape, v.severity, v.message) for v in violations}


def _closed_store(inputs: dataset.Inputs, drop_every: int = 0) -> tuple[ox.Store, list[str]]:
    """The inputs as a build sees them before validating: asserted graphs plus the closure."""
    oxi = ox.Store()
    store.load_files(oxi, inputs)
    if drop_every:  # break the data: every n-th instance triple goes
        data = ox.NamedNode(graph_iri(inputs.base, "data"))
        doomed = list(oxi.quads_for_pattern(None, None, None, data))[::drop_every]
        for quad in doomed:
            oxi.remove(quad)
    asserted = [graph_iri(inputs.base, name) for name in store.ASSERTED_GRAPHS]
    inferred = infer.fast_closure(oxi, asserted)
    assert inferred is not None
    graph = graph_iri(inputs.base, "inferred")
    oxi.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in inferred)
    return oxi, [*asserted, graph]


def _plain(oxi: ox.Store, graphs: list[str], shapes: Graph) -> tuple[bool, set]:
    conforms, results, _ = pyshacl.validate(store.union_graph(oxi, graphs), shacl_graph=shapes,
                                            inference="none", advanced=True, allow_warnings=True)
    return conforms, _key(validate.violations(results))


def test_the_shipped_shapes_can_be_scoped(shapes_graph):
    rest, _ = shacl_sparql.split(shapes_graph)
    scope = shacl_scope.reach(rest, closed=True)
    assert scope is not None and scope.classes
    assert shacl_scope.reach(rest, closed=False).classes is None  # open data: every type and subclass


def test_scoped_validation_equals_pyshacl_on_the_shipped_data(tmp_path, shapes_graph):
    inputs = dataset.project_inputs(settings.load({"project_dir": str(ROOT), "state_dir": str(tmp_path)}))
    oxi, graphs = _closed_store(inputs)
    report = validate.validate_store(oxi, graphs, shapes_graph, closed=True)
    conforms, expected = _plain(oxi, graphs, shapes_graph)
    assert (report.conforms, _key(report.violations)) == (conforms, expected)


def test_scoped_validation_equals_pyshacl_on_broken_generated_data(tmp_path, shapes_graph, monkeypatch):
    monkeypatch.setattr(validate, "PARALLEL_FROM", 0)  # two processes, each with its share
    project = generate.write_project(1, tmp_path / "project", seed=3)
    inputs = dataset.project_inputs(settings.load({"project_dir": str(project),
                                                   "state_dir": str(tmp_path / "state")}))
    oxi, graphs = _closed_store(inputs, drop_every=7)
    shapes = dataset.load_shapes(inputs)  # once: a complex path is a blank node of this graph
    report = validate.validate_store(oxi, graphs, shapes, closed=True)
    conforms, expected = _plain(oxi, graphs, shapes)
    assert not conforms and len({v[3] for v in expected}) >= 5  # several shapes fire
    assert _key(report.violations) == expected
    assert report.conforms is False


@pytest.mark.parametrize("fixture", sorted((FIXTURES / "shapes").glob("*.ttl")), ids=lambda p: p.stem)
def test_scoped_validation_equals_pyshacl_on_every_shape_fixture(fixture, shapes_graph):
    oxi = ox.Store()
    for path, name in ((ROOT / "ontology" / "mha.ttl", "urn:g:ontology"), (fixture, "urn:g:data")):
        oxi.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(name))
    inferred = infer.fast_closure(oxi, ["urn:g:ontology", "urn:g:data"])
    if inferred is None:
        inferred = [terms.to_oxigraph(t) for t in infer.closure(store.union_graph(oxi, ["urn:g:ontology",
                                                                                 "urn:g:data"]))]
    oxi.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode("urn:g:inferred")) for t in inferred)
    graphs = ["urn:g:ontology", "urn:g:data", "urn:g:inferred"]
    report = validate.validate_store(oxi, graphs, shapes_graph, closed=True)
    conforms, expected = _plain(oxi, graphs, shapes_graph)
    assert expected and not conforms
    assert (report.conforms, _key(report.violations)) == (conforms, expected)


def test_a_union_reads_only_the_graphs_named_and_the_whole_store_when_that_is_all():
    oxi = ox.Store()
    oxi.load(b'<urn:a> <urn:p> _:b1 .\n_:b1 <urn:q> "two" .\n', format=ox.RdfFormat.N_TRIPLES,
             to_graph=ox.NamedNode("urn:g:one"))
    oxi.load(b'<urn:a> <urn:r> <urn:g:one> .\n', format=ox.RdfFormat.N_TRIPLES,
             to_graph=ox.NamedNode("urn:g:two"))
    everything = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"

    def rows(view):
        return {(r["s"], r["p"], r["o"]) for r in view.query(everything)}

    both = Union(oxi, ["urn:g:one", "urn:g:two"])
    assert both._options == {"use_default_graph_as_union": True}  # the store's own union
    assert rows(both) == {(q.subject, q.predicate, q.object) for q in oxi}
    # a graph left out, and default-graph triples: neither is read
    oxi.add(ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:p"), ox.NamedNode("urn:y")))
    one = Union(oxi, ["urn:g:one"])
    assert rows(one) == {(q.subject, q.predicate, q.object)
                         for q in oxi.quads_for_pattern(None, None, None, ox.NamedNode("urn:g:one"))}
    assert len(rows(one)) == 2
