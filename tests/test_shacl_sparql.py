"""SHACL-SPARQL constraints run by Oxigraph for all focus nodes at once give pyshacl's own results."""

from __future__ import annotations

import pyshacl
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from mha_kg.build import infer, shacl_sparql, validate

from .conftest import FIXTURES, ROOT


@pytest.fixture(scope="module")
def shapes(shapes_graph) -> Graph:
    return shapes_graph


def _key(violations) -> set:
    return {(v.focus, v.path, v.value, v.shape, v.severity) for v in violations}


def _pyshacl_alone(data: Graph, shapes: Graph) -> set:
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                     allow_warnings=True)
    return _key(validate.violations(results))


def _sparql_fixtures(shapes: Graph) -> list:
    names = {str(s).rsplit("/", 1)[1] for s in shapes.subjects(SH.sparql, None)}
    return sorted(p for p in (FIXTURES / "shapes").glob("*.ttl") if p.stem in names)


def test_the_shipped_shapes_sparql_constraints_all_move_to_oxigraph(shapes):
    rest, moved = shacl_sparql.split(shapes)
    assert len(moved) == len(set(shapes.subject_objects(SH.sparql))) > 0
    assert not set(rest.subject_objects(SH.sparql))


def test_same_results_as_pyshacl_on_every_sparql_shape_fixture(shapes):
    ontology = Graph().parse(ROOT / "ontology" / "mha.ttl")
    fixtures = _sparql_fixtures(shapes)
    assert fixtures
    for fixture in fixtures:
        data = Graph().parse(fixture)
        for triple in ontology:
            data.add(triple)
        for triple in infer.closure(data):
            data.add(triple)
        expected = _pyshacl_alone(data, shapes)
        report = validate.validate(data, shapes)
        assert _key(report.violations) == expected, fixture.stem
        assert any(fixture.stem in v[3] for v in expected), fixture.stem
        assert report.conforms is False
