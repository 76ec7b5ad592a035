"""Page fidelity: the shipped data has the page's particular numbers, and each fidelity shape fires.

These shapes pin what the Associated organisations page said when it was
read (seven associated organisations, five HDR UK Midlands partners). They
are tests of the shipped data, not rules of every valid graph (shapes/): a
curator may add a sixth partner, and the shipped files then change on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from mha_kg.build import infer, validate

from .conftest import FIXTURES, ROOT

FIDELITY = ROOT / "tests" / "fidelity" / "page-fidelity.ttl"
NS = "https://w3id.org/mha-kg/shapes/fidelity/"


@pytest.fixture(scope="module")
def fidelity_shapes() -> Graph:
    return Graph().parse(FIDELITY)


def test_the_shipped_data_has_the_pages_numbers(kg, fidelity_shapes):
    union = Graph().parse(data=_union_ntriples(kg), format="nt")
    report = validate.validate(union, fidelity_shapes)
    assert report.conforms, report.text()


def _union_ntriples(kg) -> str:
    from mha_kg.query import formats

    triples = kg.triples("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert len(triples) > 1000
    return formats.write_triples(triples, formats.by_name("nt"), {}).decode("utf-8")


@pytest.mark.parametrize("fixture", sorted((FIXTURES / "fidelity").glob("*.ttl")), ids=lambda p: p.stem)
def test_each_fidelity_shape_fires_on_its_fixture(fixture: Path, fidelity_shapes):
    data = Graph().parse(fixture)
    data += Graph().parse(ROOT / "ontology" / "mha.ttl")
    for triple in infer.closure(data):
        data.add(triple)
    report = validate.validate(data, fidelity_shapes)
    assert not report.conforms
    assert NS + fixture.stem in {v.shape for v in report.violations}, report.text()


def test_every_fidelity_shape_has_a_fixture(fidelity_shapes):
    from rdflib.namespace import RDF, SH

    named = {str(s)[len(NS):] for kind in (SH.NodeShape, SH.PropertyShape)
             for s in fidelity_shapes.subjects(RDF.type, kind)}
    assert named == {p.stem for p in (FIXTURES / "fidelity").glob("*.ttl")} == {
        "AssociatedOrganisationsCountShape", "HDRUKMidlandsPartnersShape"}
