"""The OWL-RL closure, without the reasoner's noise.

owlrl materialises everything OWL 2 RL entails, including triples nobody
asked for: every node typed `owl:Thing`, reflexive `owl:sameAs`,
`C rdfs:subClassOf C`, datatype axioms about `xsd:` terms. Those are dropped
here, so the `inferred` graph holds only statements a user would want to
query: the standard-vocabulary types, inverse and super-properties.
"""

from __future__ import annotations

import functools

import owlrl
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from . import terms

#: Subjects in these namespaces are vocabulary plumbing, never user data.
_PLUMBING = (str(RDF), str(RDFS), str(OWL), str(XSD))
_REFLEXIVE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass,
              OWL.equivalentProperty}
_NOISE_OBJECTS = {OWL.Thing, OWL.Nothing, RDFS.Resource, OWL.NamedIndividual}


def closure(graph: Graph) -> Graph:
    """The triples OWL-RL entails from `graph` that it does not already state."""
    expanded = Graph()
    for triple in graph:
        expanded.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics,
        rdfs_closure=False,
        axiomatic_triples=False,
        datatype_axioms=False,
    ).expand(expanded)
    inferred = Graph()
    for triple in expanded:
        if triple not in graph and not is_noise(triple):
            inferred.add(triple)
    return inferred


def is_noise(triple: tuple) -> bool:
    s, p, o = triple
    if isinstance(s, Literal) or isinstance(p, BNode):
        return True
    if isinstance(s, URIRef) and str(s).startswith(_PLUMBING):
        return True
    if p in _REFLEXIVE and s == o:
        return True
    if o in _NOISE_OBJECTS:
        return True
    if p in (OWL.sameAs, OWL.differentFrom):
        return True  # the data never asserts identity; anything here is an artefact
    return p == RDF.type and isinstance(o, URIRef) and str(o).startswith(_PLUMBING) and (
        o not in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    )


# ---------------------------------------------------------------------------
# The fast closure: owlrl over the schema only, its entailments applied to the
# instance data in one pass over an Oxigraph store.
#
# owlrl iterates every OWL 2 RL rule over every triple until nothing changes:
# seconds for a thousand triples, hours for a million. Ontologies in the
# shape of ours (subclasses, subproperties, inverses, equivalences, domains,
# ranges, symmetric properties) need far less: once owlrl has closed the
# schema, what the instance data entails is a fixed function of each triple's
# predicate and each type's class. Anything else in the schema (restrictions,
# transitive or functional properties, sameAs, property chains...) and
# `fast_closure` says so by returning None, and the caller runs owlrl on
# everything. tests/test_inference.py checks the two agree on the real data.
# ---------------------------------------------------------------------------

_OX_TYPE = ox.NamedNode(str(RDF.type))
_SCHEMA_PREDICATES = {str(p) for p in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range,
                                        OWL.inverseOf, OWL.equivalentClass, OWL.equivalentProperty)}
#: Other OWL/RDFS predicates that entail nothing about instances.
_INERT_PREDICATES = {str(p) for p in (RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy,
                                       OWL.versionInfo, OWL.versionIRI, OWL.priorVersion,
                                       OWL.imports, OWL.deprecated, OWL.backwardCompatibleWith,
                                       OWL.incompatibleWith, RDFS.member,
                                       RDF.subject, RDF.predicate, RDF.object, RDF.value)}
_DECLARATIONS = {str(c) for c in (OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                                   OWL.AnnotationProperty, OWL.Ontology, RDF.Property,
                                   OWL.NamedIndividual, OWL.SymmetricProperty)}
#: Classes of plumbing namespaces that entail nothing (reified statements).
_INERT_CLASSES = {str(RDF.Statement)}


def fast_closure(store: ox.Store, graphs: list[str]) -> list[ox.Triple] | None:
    """What OWL-RL entails from the union of `graphs`, minus noise; None when the schema is too rich."""
    union = [ox.NamedNode(g) for g in graphs]
    if not _schema_is_simple(store, union):
        return None
    tbox = frozenset(quad.triple for quad in _quads(store, union) if _is_schema(quad))
    tbox_inferred, entailed, domains, ranges, supers = _closed_schema(tbox)
    derived: set[ox.Triple] = set(tbox_inferred)
    types: set[tuple] = set()
    for prop in set(entailed) | set(domains) | set(ranges):  # only triples whose predicate entails
        for quad in _quads(store, union, ox.NamedNode(prop)):
            s, o = quad.subject, quad.object
            for q, flipped in entailed.get(prop, ((prop, False),)):
                if flipped:
                    if isinstance(o, ox.Literal):
                        continue
                    x, y = o, s
                else:
                    x, y = s, o
                if (q, flipped) != (prop, False):
                    derived.add(ox.Triple(x, ox.NamedNode(q), y))
                types.update((x, c) for c in domains.get(q, ()))
                if not isinstance(y, ox.Literal):
                    types.update((y, c) for c in ranges.get(q, ()))
    for cls in supers:  # asserted types of classes that have superclasses
        for quad in _quads(store, union, _OX_TYPE, ox.NamedNode(cls)):
            types.add((quad.subject, cls))
    for node, cls in types:
        for sup in supers.get(cls, (cls,)):
            derived.add(ox.Triple(node, _OX_TYPE, ox.NamedNode(sup)))
    asserted = _asserted(store, union, derived)
    return [t for t in derived if t not in asserted and not _ox_noise(t)]


@functools.lru_cache(maxsize=4)
def _closed_schema(tbox: frozenset[ox.Triple]) -> tuple:
    """The schema closed by owlrl, and what it entails per property and class.

    Kept for the last few schemas: each commit of an edit runs the fast closure on a scratch
    copy around the change (build/increment.py, curate/scoped.py) over the same ontology, and
    owlrl on the schema is most of its cost. Callers only read what is returned.
    """
    graph = Graph()
    for triple in tbox:
        graph.add(terms.to_rdflib(triple))
    tbox_inferred = closure(graph)
    schema = Graph()
    for triple in (*graph, *tbox_inferred):
        schema.add(triple)
    return (frozenset(terms.to_oxigraph(t) for t in tbox_inferred), _property_entailments(schema),
            _by_property(schema, RDFS.domain), _by_property(schema, RDFS.range), _superclasses(schema))


def materialise(graph: Graph) -> Graph:
    """The same triples as `closure(graph)`, by the fast closure when the schema allows."""
    store = ox.Store()
    name = "urn:x-mha-kg:union"
    graph_name = ox.NamedNode(name)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph_name) for t in map(terms.to_oxigraph, graph))
    triples = fast_closure(store, [name])
    if triples is None:
        return closure(graph)
    inferred = Graph()
    for triple in triples:
        inferred.add(terms.to_rdflib(triple))
    return inferred


def _quads(store: ox.Store, graphs: list[ox.NamedNode], predicate=None, obj=None):
    for graph in graphs:
        yield from store.quads_for_pattern(None, predicate, obj, graph)


def _is_schema(quad: ox.Quad) -> bool:
    if quad.predicate.value in _SCHEMA_PREDICATES:
        return True
    return quad.predicate == _OX_TYPE and quad.object.value in _DECLARATIONS


def _schema_is_simple(store: ox.Store, graphs: list[ox.NamedNode]) -> bool:
    """True when the only OWL/RDFS vocabulary used is what the fast closure implements."""
    values = " ".join(f"<{g.value}>" for g in graphs)
    predicates = store.query(
        f"SELECT DISTINCT ?p WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
    for row in predicates:
        p = row["p"].value
        if p.startswith(_PLUMBING) and p not in _SCHEMA_PREDICATES | _INERT_PREDICATES | {str(RDF.type)}:
            return False
    classes = store.query(
        f"SELECT DISTINCT ?c WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s a ?c }} }}")
    allowed = _DECLARATIONS | _INERT_CLASSES
    return all(not row["c"].value.startswith(_PLUMBING) or row["c"].value in allowed for row in classes)


def _property_entailments(schema: Graph) -> dict[str, list[tuple[str, bool]]]:
    """For each property p: every (q, flipped) such that p(x, y) entails q(x, y), or q(y, x) if flipped."""
    edges: dict[str, set[tuple[str, bool]]] = {}

    def edge(a, b, flipped):
        edges.setdefault(str(a), set()).add((str(b), flipped))

    for a, b in schema.subject_objects(RDFS.subPropertyOf):
        edge(a, b, False)
    for a, b in schema.subject_objects(OWL.equivalentProperty):
        edge(a, b, False)
        edge(b, a, False)
    for a, b in schema.subject_objects(OWL.inverseOf):
        edge(a, b, True)
        edge(b, a, True)
    for a in schema.subjects(RDF.type, OWL.SymmetricProperty):
        edge(a, a, True)
    entailed = {}
    for start in edges:
        seen = {(start, False)}
        todo = [(start, False)]
        while todo:
            prop, flipped = todo.pop()
            for nxt, flip in edges.get(prop, ()):
                state = (nxt, flipped != flip)
                if state not in seen:
                    seen.add(state)
                    todo.append(state)
        entailed[start] = sorted(seen | {(start, False)})
    return entailed


def _by_property(schema: Graph, predicate: URIRef) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for prop, cls in schema.subject_objects(predicate):
        if isinstance(cls, URIRef):
            found.setdefault(str(prop), set()).add(str(cls))
    return found


def _superclasses(schema: Graph) -> dict[str, set[str]]:
    """Each class with every class above it (itself included), through subClassOf and equivalentClass."""
    up: dict[str, set[str]] = {}
    for a, b in schema.subject_objects(RDFS.subClassOf):
        up.setdefault(str(a), set()).add(str(b))
    for a, b in schema.subject_objects(OWL.equivalentClass):
        up.setdefault(str(a), set()).add(str(b))
        up.setdefault(str(b), set()).add(str(a))
    closed = {}
    for start in up:
        seen, todo = {start}, [start]
        while todo:
            for nxt in up.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        closed[start] = seen
    return closed


def _asserted(store: ox.Store, graphs: list[ox.NamedNode], candidates: set[ox.Triple]) -> set[ox.Triple]:
    """The candidates some graph of the union already states."""
    present = set()
    wanted = set(graphs)
    for t in candidates:
        for quad in store.quads_for_pattern(t.subject, t.predicate, t.object, None):
            if quad.graph_name in wanted:
                present.add(t)
                break
    return present


_REFLEXIVE_OX = {str(p) for p in _REFLEXIVE}
_NOISE_OBJECTS_OX = {str(o) for o in _NOISE_OBJECTS}
_IDENTITY_OX = {str(OWL.sameAs), str(OWL.differentFrom)}
_KEPT_TYPES_OX = {str(c) for c in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                                   OWL.AnnotationProperty)}


def _ox_noise(triple: ox.Triple) -> bool:
    """`is_noise` on Oxigraph terms (the same tests, without converting to rdflib)."""
    s, p, o = triple.subject, triple.predicate.value, triple.object
    if isinstance(s, ox.NamedNode) and s.value.startswith(_PLUMBING):
        return True
    if (p in _REFLEXIVE_OX and s == o) or p in _IDENTITY_OX:
        return True
    if isinstance(o, ox.Literal):
        return False
    if o.value in _NOISE_OBJECTS_OX:
        return True
    return (p == _OX_TYPE.value and isinstance(o, ox.NamedNode) and o.value.startswith(_PLUMBING)
            and o.value not in _KEPT_TYPES_OX)
