"""The OWL-RL closure after a small change, worked out around the change only.

Under a schema the fast closure handles (infer.fast_closure), every inferred
triple about a node `x` comes from an asserted triple with `x` as subject or
object: an inverse or super-property of `x p y` or `y p x`, a type from a
domain or a range, a superclass of an asserted type of `x` (`y rdf:type x`
entails nothing about `x`). So once a change is applied, the inferred
triples whose subject is a term of the change are the closure, restricted to
those subjects, of the terms' triples both ways plus the schema; the
inferred triples of every other subject cannot move. `closure_delta` works
that out on a scratch copy of just those triples and answers what to add to
and remove from the inferred graph. tests/test_fastwrite.py checks the
result equal to the full closure on representative changes.

It answers None when it cannot prove that: a change to the schema (an
ontology triple, an OWL/RDFS predicate, a type in their namespaces), a
schema that speaks of `rdf:type` itself, or a schema richer than the fast
closure handles. The caller then rebuilds the whole store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from . import infer

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def closure_delta(store: ox.Store, asserted: Sequence[str], inferred: str, ontology: str,
                  added: Sequence[ox.Quad], removed: Sequence[ox.Quad]
                  ) -> tuple[set[ox.Quad], set[ox.Quad]] | None:
    """(inferred quads to add, inferred quads to remove) after the change, or None when unproven.

    `store` holds the state before the change; `asserted` names the graphs the
    closure is computed over, `inferred` the graph holding it.
    """
    changed = [*added, *removed]
    if any(q.graph_name.value == ontology or _touches_schema(q) for q in changed):
        return None
    graphs = [ox.NamedNode(g) for g in asserted]
    schema = list(infer.schema_quads(store, graphs))
    if any(RDF_TYPE in (q.subject, q.object) or q.graph_name.value != ontology for q in schema):
        return None  # rdf:type itself described, or schema outside the ontology: not proved
    nodes = {t for q in changed for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
    scratch = ox.Store()
    scratch.extend(schema)
    scratch.extend(_around(store, nodes, graphs))
    for quad in removed:
        scratch.remove(quad)
    scratch.extend(added)
    local = infer.fast_closure(scratch, list(asserted))
    if local is None:
        return None
    target = ox.NamedNode(inferred)
    after = {ox.Quad(t.subject, t.predicate, t.object, target) for t in local if t.subject in nodes}
    before = {q for node in nodes for q in store.quads_for_pattern(node, None, None, target)}
    return after - before, before - after


def warm(store: ox.Store, ontology: str) -> None:
    """Close the schema now (infer.fast_closure keeps it), so the first commit is as quick as
    the next ones: a writing server calls it once at start."""
    scratch = ox.Store()
    scratch.extend(infer.schema_quads(store, [ox.NamedNode(ontology)]))
    infer.fast_closure(scratch, [ontology])


def _touches_schema(quad: ox.Quad) -> bool:
    """A triple that could change what the schema entails (its own vocabulary, or a class of it)."""
    predicate = quad.predicate.value
    if predicate.startswith(infer._PLUMBING) and predicate not in infer._INERT_PREDICATES:
        return predicate != RDF_TYPE.value or _is_plumbing(quad.object)
    return False


def _is_plumbing(term) -> bool:
    return isinstance(term, ox.NamedNode) and term.value.startswith(infer._PLUMBING)


def _around(store: ox.Store, nodes: set[ox.NamedNode], graphs: Sequence[ox.NamedNode]
            ) -> Iterable[ox.Quad]:
    """The nodes' asserted quads both ways, less `y rdf:type x` (nothing inferred about x from it)."""
    wanted = set(graphs)
    for node in nodes:
        for graph in wanted:
            yield from store.quads_for_pattern(node, None, None, graph)
            for quad in store.quads_for_pattern(None, None, node, graph):
                if quad.predicate != RDF_TYPE:
                    yield quad
