"""SHACL core constraints run by Oxigraph (build/shacl_core.py) give pyshacl's own results.

pyshacl is the reference: each test validates the same triples with plain
`pyshacl.validate` and compares every result (focus node, path, value, shape,
severity, message). The shipped data, broken generated data and every shape
fixture are compared in tests/test_shacl_scope.py; here, shapes written to
use each constraint shacl_core takes over, on data with ill-typed literals,
blank nodes, literal focus nodes and subclasses.
"""

from __future__ import annotations

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH

from mha_kg.build import shacl_core, shacl_sparql, validate
from mha_kg.build.store import union_graph

from .conftest import FIXTURES

CORE = FIXTURES / "shacl-core"
#: Shapes pyshacl keeps: string lengths, sh:closed, and paths that may be zero steps long.
LEFT_TO_PYSHACL = {f"http://example.org/shapes/{name}"
                   for name in ("Length", "Closed", "Closure", "ZeroSteps")}


def _key(violations) -> set:
    return {(v.focus, v.path, v.value, v.shape, v.severity, v.message) for v in violations}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(CORE / "shapes.ttl")


@pytest.fixture(scope="module")
def data() -> Graph:
    return Graph().parse(CORE / "data.ttl")


@pytest.fixture(scope="module")
def expected(shapes, data) -> tuple[bool, set]:
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                            allow_warnings=True)
    return conforms, _key(validate.violations(results))


def test_every_shape_but_those_left_to_pyshacl_is_taken_over_and_all_of_them_fire(shapes, expected):
    core = shacl_core.split(shapes)
    taken = {str(plan.shape.node) for plan in core.plans}
    named = {str(s) for s in shapes.subjects() if str(s).startswith("http://example.org/shapes/")}
    assert taken == named - LEFT_TO_PYSHACL
    assert {v[3] for v in expected[1]} == named  # every shape has a result to compare
    assert {v[4] for v in expected[1]} == {"Violation", "Warning"}


def test_results_equal_pyshacl_on_rdflib_data(shapes, data, expected):
    report = validate.validate(data, shapes)
    assert (report.conforms, _key(report.violations)) == expected


@pytest.mark.parametrize("other_graph", [False, True], ids=["union", "list of graphs"])
def test_results_equal_pyshacl_over_named_graphs_of_a_store(shapes, other_graph, monkeypatch):
    monkeypatch.setattr(validate, "PARALLEL_FROM", 0)  # the two shapes left: one pyshacl process each
    store = ox.Store()
    store.load(path=str(CORE / "data.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:g:data"))
    if other_graph:  # a graph left out: the queries name the graphs to read
        store.add(ox.Quad(ox.NamedNode("http://example.org/b"), ox.NamedNode("http://example.org/name"),
                          ox.Literal("Extra"), ox.NamedNode("urn:g:other")))
    report = validate.validate_store(store, ["urn:g:data"], shapes, closed=False)
    conforms, results, _ = pyshacl.validate(union_graph(store, ["urn:g:data"]), shacl_graph=shapes,
                                            inference="none", advanced=True, allow_warnings=True)
    wanted = _key(validate.violations(results))
    assert any(v[0].startswith("n") or not v[0].startswith("http") for v in wanted)  # a blank focus node
    assert (report.conforms, _key(report.violations)) == (conforms, wanted)


def test_data_oxigraph_would_retype_is_left_to_pyshacl(shapes, data, expected):
    retyped = Graph()
    for triple in data:
        retyped.add(triple)
    xsd_int = URIRef("http://www.w3.org/2001/XMLSchema#int")  # Oxigraph stores it as an xsd:integer
    retyped.add((URIRef("http://example.org/a"), URIRef("http://example.org/size"),
                 Literal("12", datatype=xsd_int)))
    assert shacl_core.stored_as_written(data) and not shacl_core.stored_as_written(retyped)
    report = validate.validate(retyped, shapes)
    _, results, _ = pyshacl.validate(retyped, shacl_graph=shapes, inference="none", advanced=True,
                                     allow_warnings=True)
    found = _key(report.violations)
    assert found == _key(validate.violations(results)) and found - expected[1]


def test_a_warning_alone_conforms(shapes, data):
    warning = Graph()
    for triple in shapes.triples((URIRef("http://example.org/shapes/Date"), None, None)):
        warning.add(triple)
    report = validate.validate(data, warning)
    assert report.conforms and {v.severity for v in report.violations} == {"Warning"}


def test_shapes_with_rules_stay_with_pyshacl(shapes):
    ruled = Graph()
    for triple in shapes:
        ruled.add(triple)
    ruled.add((URIRef("http://example.org/shapes/Count"), SH.rule, URIRef("http://example.org/rule")))
    assert shacl_core.split(ruled).plans == []


def test_the_shipped_shapes_leave_pyshacl_nothing(shapes_graph):
    rest, _ = shacl_sparql.split(shapes_graph)
    core = shacl_core.split(shapes_graph, rest, closed=True)
    assert core.plans and not validate._targeted(core.rest)
