"""Validating only what a change can affect gives exactly what a full validation gives.

Each change is applied to a copy of the shipped graph's asserted triples, its
OWL-RL closure computed and every shape run (the full validation); the
scoped check (curate/scoped.py) sees only the change's neighbourhood. Both
must report the same results, whether the change is refused or accepted.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from mha_kg.build import infer, store, validate
from mha_kg.curate import forms, scoped
from mha_kg.namespaces import WRITABLE_GRAPHS, graph_iri

B = "https://w3id.org/mha-kg"
ORGS, DEF, SCHEMA = f"{B}/id/organisation/", f"{B}/def/", "https://schema.org/"
RDF, RDFS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#"
ORG = "http://www.w3.org/ns/org#"
HDR, FIGURE = ORGS + "hdr-uk-midlands", f"{B}/id/figure/midlands-engine/population"
DATA = graph_iri(B, "data")


def q(s, p, o, graph=DATA) -> ox.Quad:
    obj = o if isinstance(o, ox.Literal) else ox.NamedNode(o)
    return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, ox.NamedNode(graph))


def asserted(kg, s, p=None) -> list[ox.Quad]:
    graphs = " ".join(f"<{graph_iri(B, g)}>" for g in WRITABLE_GRAPHS if g != "ontology")
    where = f"<{p}>" if p else "?p"
    rows = kg.select(f"SELECT ?p ?o ?g WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ <{s}> {where} ?o }} }}")
    return [ox.Quad(ox.NamedNode(s), r.get("p") or ox.NamedNode(p), r["o"], r["g"]) for r in rows]


def cut_off(kg, node: str) -> list[ox.Quad]:
    """Every asserted quad about `node` either way but its mha:figure links: its figures stay,
    their owner loses every type (a shape on a node the changed subject points at)."""
    graphs = {graph_iri(B, g) for g in WRITABLE_GRAPHS}
    store, term = kg.engine.store, ox.NamedNode(node)
    found = [x for x in store.quads_for_pattern(term, None, None, None)
             if x.predicate.value != DEF + "figure"]
    found += list(store.quads_for_pattern(None, None, term, None))
    return [x for x in found if x.graph_name.value in graphs]


CHANGES = {
    "a new university without a name": lambda kg: (
        [q(ORGS + "nameless", RDF + "type", DEF + "University"),
         q(ORGS + "nameless", RDFS + "label", ox.Literal("X"))], []),
    "HDR UK Midlands loses its name": lambda kg: ([], asserted(kg, HDR, SCHEMA + "name")),
    "a partner given as text": lambda kg: ([q(HDR, ORG + "hasMember", ox.Literal("Keele"))], []),
    "a principal investigator removed": lambda kg: (
        [], asserted(kg, f"{B}/id/project/environment-and-population-health", DEF + "principalInvestigator")),
    "a list item unlinked": lambda kg: (
        [], [x for x in asserted(kg, f"{B}/id/list/midlands-engine/priorities", SCHEMA + "itemListElement")
             if x.object.value.endswith("/1")]),
    "a figure's value made text": lambda kg: (
        [q(FIGURE, SCHEMA + "value", ox.Literal("many"))], asserted(kg, FIGURE, SCHEMA + "value")),
    "a figure's owner cut off but for its figure links": lambda kg: (
        [], cut_off(kg, ORGS + "midlands-engine")),
    "a valid new partner": lambda kg: ([q(HDR, ORG + "hasMember", ORGS + "keele-university")], []),
}


def full_validation(kg, added, removed) -> list[validate.Violation]:
    names = [graph_iri(B, g) for g in WRITABLE_GRAPHS]
    quads = (set(kg.quads(names)) - set(removed)) | set(added)
    scratch = ox.Store()
    scratch.extend(quads)
    inferred = infer.fast_closure(scratch, names)
    target = ox.NamedNode(graph_iri(B, "inferred"))
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in inferred)
    union = store.union_graph(scratch, [*names, target.value])
    return validate.validate(union, forms.shapes_graph(kg)).violations


def key(v: validate.Violation) -> tuple:
    return (v.focus, v.path, v.shape, v.value, v.message)


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_scoped_validation_equals_a_full_validation(name, kg):
    added, removed = CHANGES[name](kg)
    assert added or removed, "the change must change something"
    full = sorted(map(key, full_validation(kg, added, removed)))
    scoped_report = scoped.check(kg, added, removed)
    assert sorted(map(key, scoped_report.violations)) == full
    assert scoped_report.conforms == (not full)
    assert bool(full) == (name != "a valid new partner")
