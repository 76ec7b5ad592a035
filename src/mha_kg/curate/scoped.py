"""Validating only what a change can affect: a curator's refusal in well under a second.

The served graph conforms, so a change can only break shapes at focus nodes
whose validation reads a triple the change adds or removes. The project's
shapes read, for a focus node, its own triples both ways and the triples of
its neighbours (the class of a value, a list item's position, a figure
owner's type). So the nodes at stake are the terms of the changed triples
and the nodes linked to a changed subject, either way; their validation needs their
triples both ways and their neighbours' triples. That neighbourhood, with
the ontology, is copied out of the served store, the change applied, its
OWL-RL closure computed (build.infer), and the shapes run on it
(build.validate); results for other nodes (whose neighbourhood is cut off
in the copy) are dropped. tests/test_scoped.py checks the results equal a
full validation of the changed graph.

The editor uses it before committing, so a refused change answers at once,
and the commit (curate.writes) uses it to validate an edit it makes around
the change (a change to the ontology or the schema is validated whole).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from ..build import infer, terms, validate
from ..errors import KGError
from ..kg import KnowledgeGraph
from ..namespaces import WRITABLE_GRAPHS, graph_iri
from .forms import shapes_graph

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: Scratch graph names of the copy: the asserted triples around the change, and the ontology.
_AROUND, _ONTOLOGY = "urn:mha-kg:scoped:around", "urn:mha-kg:scoped:ontology"


def check(kg: KnowledgeGraph, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> validate.Report:
    """The SHACL results the change would bring, judged on its neighbourhood only."""
    added, removed = list(added), list(removed)
    at_stake = _at_stake(kg, added, removed)
    around = _asserted(kg, _neighbourhood(kg, at_stake | _iris(added)))
    around = (around - {q.triple for q in removed}) | {q.triple for q in added}
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(_AROUND)) for t in around)
    ontology = kg.graph("ontology")
    scratch.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(_ONTOLOGY))
                   for q in kg.quads([ontology]))
    graphs = [_AROUND, _ONTOLOGY]
    inferred = infer.fast_closure(scratch, graphs)
    if inferred is None:
        inferred = [terms.to_oxigraph(t) for t in infer.closure(_union(scratch, graphs))]
    data = _union(scratch, graphs)
    convert = terms.converter()
    for triple in inferred:
        data.add((convert(triple.subject), convert(triple.predicate), convert(triple.object)))
    report = validate.validate(data, shapes_graph(kg))
    kept = [v for v in report.violations if v.focus in at_stake]
    return validate.Report(not kept, kept, report.graph)


def _iris(quads: list[ox.Quad]) -> set[str]:
    return {t.value for q in quads for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}


def _at_stake(kg: KnowledgeGraph, added: list[ox.Quad], removed: list[ox.Quad]) -> set[str]:
    """The changed triples' terms, and the nodes linked to a changed subject either way: a
    shape on them may read the subject's triples (the nodes pointing at it, and those it
    points at, as a figure's owner's type is read from the figure)."""
    changed = [*added, *removed]
    found = _iris(changed)
    store = _store(kg)
    for subject in {q.subject for q in changed if isinstance(q.subject, ox.NamedNode)}:
        found |= {q.subject.value for q in store.quads_for_pattern(None, None, subject)
                  if isinstance(q.subject, ox.NamedNode) and q.predicate.value != RDF_TYPE}
        found |= {q.object.value for q in store.quads_for_pattern(subject, None, None)
                  if isinstance(q.object, ox.NamedNode) and q.predicate.value != RDF_TYPE}
    return found


def _neighbourhood(kg: KnowledgeGraph, nodes: set[str]) -> set[str]:
    """The nodes and every node one link away from them, both ways."""
    found = set(nodes)
    for node in nodes:
        for q in _around(kg, ox.NamedNode(node), _data_graphs(kg)):
            if q.predicate.value != RDF_TYPE:
                found |= {t.value for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
    return found


def _asserted(kg: KnowledgeGraph, nodes: set[str]) -> set[ox.Triple]:
    """The asserted triples with any of the nodes as subject or object (the closure is redone)."""
    graphs = _data_graphs(kg)
    return {q.triple for node in nodes for q in _around(kg, ox.NamedNode(node), graphs)}


def _around(kg: KnowledgeGraph, node: ox.NamedNode, graphs: list[ox.NamedNode]):
    """A node's quads both ways in the given graphs, read straight from the store's indexes."""
    store = _store(kg)
    for graph in graphs:
        yield from store.quads_for_pattern(node, None, None, graph)
        yield from store.quads_for_pattern(None, None, node, graph)


def _data_graphs(kg: KnowledgeGraph) -> list[ox.NamedNode]:
    return [ox.NamedNode(graph_iri(kg.base, g)) for g in WRITABLE_GRAPHS if g != "ontology"]


def _store(kg: KnowledgeGraph) -> ox.Store:
    """The served store (the editor works only over the embedded one)."""
    store = getattr(kg.engine, "store", None)
    if store is None:
        raise KGError("changes need the embedded store (not a remote --store)", 400)
    return store


def _union(store: ox.Store, graphs: list[str]):
    from ..build.store import union_graph

    return union_graph(store, graphs)
