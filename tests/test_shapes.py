"""Every SHACL shape has a fixture that proves it fires, and the shipped data conforms."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from mha_kg.build import infer, validate

from .conftest import FIXTURES, ROOT

SHAPES_NS = "https://w3id.org/mha-kg/shapes/"
FIXTURE_DIR = FIXTURES / "shapes"


@pytest.fixture(scope="module")
def shapes(shapes_graph) -> Graph:
    return shapes_graph


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "mha.ttl")


def shape_names(shapes: Graph) -> set[str]:
    named = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            if isinstance(shape, URIRef) and str(shape).startswith(SHAPES_NS):
                named.add(str(shape)[len(SHAPES_NS):])
    return named


def test_every_shape_has_a_fixture_and_every_fixture_a_shape(shapes):
    fixtures = {path.stem for path in FIXTURE_DIR.glob("*.ttl")}
    assert shape_names(shapes) == fixtures


@pytest.mark.parametrize("fixture", sorted(FIXTURE_DIR.glob("*.ttl")), ids=lambda p: p.stem)
def test_fixture_fires_its_shape(fixture: Path, shapes, ontology):
    data = Graph().parse(fixture)
    for triple in ontology:
        data.add(triple)
    for triple in infer.closure(data):
        data.add(triple)
    report = validate.validate(data, shapes)
    assert not report.conforms
    fired = {v.shape for v in report.violations}
    assert SHAPES_NS + fixture.stem in fired, report.text()
