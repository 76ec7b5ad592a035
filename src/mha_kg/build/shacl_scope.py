"""What the shapes can read: the part of the data pyshacl needs to see.

pyshacl's time and the cost of handing it an rdflib copy of the data both
grow with the triples it is given, yet a shapes graph reads few of them: the
focus nodes of its targets, the values along its paths, and the types that
sh:class and sh:targetClass look at. `reach()` lists those; `to_rdflib()`
copies only them out of an Oxigraph store.

When the data is closed under OWL-RL (the build validates asserted plus
inferred triples), every `x rdf:type D` with `D rdfs:subClassOf* C` already
comes with `x rdf:type C`. pyshacl's sh:class and sh:targetClass then find
the class among the node's own types, so the subclass triples and the types
of classes no shape names can be left out too. The inferred graph drops
"noise" types (owl:Thing, rdfs:Resource, rdf:/rdfs:/owl:/xsd: classes), so a
shape naming one of those keeps every type and subclass triple.

Anything that can read arbitrary triples (sh:closed, SPARQL constraints or
targets left to pyshacl, rules, JavaScript, implicit class targets) makes
`reach()` answer None: validate everything. tests/test_shacl_scope.py
checks the scoped results equal plain pyshacl over the full union.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from . import infer, terms

_PATH_PREDICATES = (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath,
                    SH.zeroOrOnePath)
_PREDICATE_VALUED = (SH.path, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals,
                     SH.targetSubjectsOf, SH.targetObjectsOf)
#: Shape features that may read any triple of the data: validate all of it.
_OPEN = (SH.sparql, SH.target, SH.rule, SH.js, SH.jsFunctionName, SH.jsLibrary)
_SH = str(SH)


@dataclass(frozen=True)
class Scope:
    """The triples to keep: these predicates, plus rdf:type to `classes` (every type when None)."""

    predicates: frozenset[str]
    classes: frozenset[str] | None


def reach(shapes: Graph, closed: bool, roots: set | None = None) -> Scope | None:
    """The triples `shapes` can read (None: any of them). `closed`: the data holds its OWL-RL closure.

    With `roots`, only what those shapes and the nodes they refer to can read
    (a process validating the targets of some shapes needs no more).
    """
    if any((None, p, None) in shapes for p in _OPEN) or \
            (None, SH.closed, None) in shapes or has_implicit_targets(shapes):
        return None
    nodes = _reachable(shapes, roots) if roots is not None else None
    predicates: set[str] = set()
    for p in _PREDICATE_VALUED:
        for node, value in shapes.subject_objects(p):
            if (nodes is None or node in nodes) and not _path_iris(shapes, value, predicates):
                return None
    classes = {str(c) for p in (SH["class"], SH.targetClass) for node, c in shapes.subject_objects(p)
               if nodes is None or node in nodes}
    if str(RDF.type) in predicates or not closed or any(is_noise_class(c) for c in classes):
        predicates |= {str(RDF.type), str(RDFS.subClassOf)}
        return Scope(frozenset(predicates), None)
    return Scope(frozenset(predicates), frozenset(classes))


def _reachable(shapes: Graph, roots: set) -> set:
    """The shape nodes, lists and paths reachable from `roots` through the shapes graph."""
    seen: set = set()
    todo = list(roots)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo += [o for o in shapes.objects(node, None)
                 if isinstance(o, BNode) or (isinstance(o, URIRef) and (o, None, None) in shapes)]
    return seen


#: Relative work of a constraint per focus node: logical constraints validate other shapes per
#: value, and pyshacl builds a full result for every member shape that fails (measured).
_WEIGHTS = {SH["or"]: 10.0, SH.xone: 10.0, SH["and"]: 5.0, SH["not"]: 5.0, SH.node: 5.0,
            SH.qualifiedValueShape: 5.0, SH["class"]: 2.0}


def cost(store: ox.Store, graphs: list[str], shapes: Graph, shape) -> float:
    """An estimate of pyshacl's work on `shape`: its focus nodes times its constraints' weight."""
    focus = 0
    named = [ox.NamedNode(g) for g in graphs]
    rdf_type = ox.NamedNode(str(RDF.type))
    for graph in named:
        for c in shapes.objects(shape, SH.targetClass):
            focus += sum(1 for _ in store.quads_for_pattern(None, rdf_type, ox.NamedNode(str(c)), graph))
        for p in (*shapes.objects(shape, SH.targetSubjectsOf), *shapes.objects(shape, SH.targetObjectsOf)):
            focus += sum(1 for _ in store.quads_for_pattern(None, ox.NamedNode(str(p)), None, graph))
    focus += len(set(shapes.objects(shape, SH.targetNode)))
    weight = sum(_WEIGHTS.get(p, 1.0) for node in _reachable(shapes, {shape})
                 for p in shapes.predicates(node, None))
    return focus * weight


def _path_iris(shapes: Graph, path, found: set[str], depth: int = 0) -> bool:
    """Add every predicate of a SHACL path to `found`; False for a path not understood."""
    if depth > 50:
        return False
    if isinstance(path, URIRef):
        found.add(str(path))
        return True
    if not isinstance(path, BNode):
        return False
    if (path, RDF.first, None) in shapes:  # a sequence or an alternative's list
        return all(_path_iris(shapes, item, found, depth + 1) for item in shapes.items(path))
    inner = [(p, o) for p, o in shapes.predicate_objects(path) if p in _PATH_PREDICATES]
    if len(inner) != 1:
        return False
    return _path_iris(shapes, inner[0][1], found, depth + 1)


def has_implicit_targets(shapes: Graph) -> bool:
    """A shape that is also a class targets that class's instances (SHACL 2.1.3.3)."""
    classes = set(shapes.subjects(RDF.type, RDFS.Class)) | set(shapes.subjects(RDF.type, OWL.Class))
    return any((c, RDF.type, kind) in shapes for c in classes for kind in (SH.NodeShape, SH.PropertyShape))


def is_noise_class(iri: str) -> bool:
    """A class the inferred graph does not hold types of (see infer.is_noise)."""
    node = URIRef(iri)
    return infer.is_noise((URIRef("urn:x-mha-kg:instance"), RDF.type, node)) or iri.startswith(_SH)


def to_rdflib(store: ox.Store, graphs: list[str], scope: Scope | None) -> Graph:
    """One rdflib Graph of the named graphs given, only the triples in `scope` (all when None)."""
    union = Graph()
    convert = terms.converter()
    rdf_type = ox.NamedNode(str(RDF.type))
    for name in graphs:
        graph = ox.NamedNode(name)
        if scope is None:
            patterns = [(None, None)]
        else:
            patterns = [(ox.NamedNode(p), None) for p in sorted(scope.predicates)]
            if scope.classes is not None:
                patterns += [(rdf_type, ox.NamedNode(c)) for c in sorted(scope.classes)]
        for predicate, obj in patterns:
            for quad in store.quads_for_pattern(None, predicate, obj, graph):
                union.add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
    return union
