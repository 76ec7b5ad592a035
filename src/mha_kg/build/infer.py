"""The OWL-RL closure, without the reasoner's noise.

owlrl materialises everything OWL 2 RL entails, including triples nobody
asked for: every node typed `owl:Thing`, reflexive `owl:sameAs`,
`C rdfs:subClassOf C`, datatype axioms about `xsd:` terms. Those are dropped
here, so the `inferred` graph holds only statements a user would want to
query: the standard-vocabulary types, inverse and super-properties.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import owlrl
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from . import terms
from .union import Union

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
# instance data by three queries Oxigraph answers (see _property_queries).
#
# owlrl iterates every OWL 2 RL rule over every triple until nothing changes:
# seconds for a thousand triples, hours for a million. Ontologies in the
# shape of ours (subclasses, subproperties, inverses, equivalences, domains,
# ranges, symmetric properties) need far less: once owlrl has closed the
# schema, what the instance data entails is a fixed function of each triple's
# predicate and each type's class. Anything else in the schema (restrictions,
# transitive or functional properties, sameAs, property chains...) and
# `fast_closure` says so by returning None, and the caller runs owlrl on
# everything. tests/test_fast_closure.py checks the two agree on the real data.
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
    plan = closure_plan(store, graphs)
    if plan is None:
        return None
    union = Union(store, graphs)
    derived = {t for query in plan.queries for t in union.query(query)}
    return [*derived, *plan.schema_triples(store, graphs)]


def add_fast_closure(store: ox.Store, graphs: list[str], target: str) -> list[bytes] | None:
    """`fast_closure` written into the named graph `target` of `store`: the N-Triples documents
    written (for the store on disk to load as they are), or None when the schema is too rich.

    The instance entailments go from Oxigraph's query straight to its parser
    as N-Triples, never through a Python object per triple (at 1.9 million
    triples: 1 s instead of 14). Oxigraph's loader gives blank nodes fresh
    labels, so an answer naming one is added through Python instead, keeping
    its label.
    """
    plan = closure_plan(store, graphs)
    if plan is None:
        return None
    union, graph = Union(store, graphs), ox.NamedNode(target)
    schema = ox.serialize(plan.schema_triples(store, graphs), format=ox.RdfFormat.N_TRIPLES)
    asked = threading.Barrier(max(1, len(plan.queries)))

    def answer(query: str) -> bytes:
        """One query's answer, added to `target` as soon as it is complete: a query reads the
        store as it was when asked, and every query is asked before any answer is added."""
        try:
            solutions = union.query(query)
        except BaseException:
            asked.abort()  # the others stop waiting
            raise
        asked.wait()
        text = solutions.serialize(format=ox.RdfFormat.N_TRIPLES)
        _add_ntriples(store, text, graph)
        return text

    with ThreadPoolExecutor(len(plan.queries) or 1) as pool:  # Oxigraph lets go of the interpreter
        answers = list(pool.map(answer, plan.queries))
    _add_ntriples(store, schema, graph)
    return [*answers, schema]


def _add_ntriples(store: ox.Store, text: bytes, graph: ox.NamedNode) -> None:
    if b"_:" in text:
        store.extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                     for t in ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
    else:  # Oxigraph's own output: its loader need not check it again
        store.load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)


@dataclass(frozen=True)
class ClosurePlan:
    """The closure of a schema the fast closure handles: what owlrl entails about the schema
    itself, and the CONSTRUCT queries that apply its entailments to the instance data."""

    schema: frozenset[ox.Triple]
    queries: tuple[str, ...]

    def schema_triples(self, store: ox.Store, graphs: list[str]) -> list[ox.Triple]:
        """The schema's own entailments that no graph of the union states already."""
        asserted = _asserted(store, [ox.NamedNode(g) for g in graphs], set(self.schema))
        return [t for t in self.schema if t not in asserted and not _ox_noise(t)]


def closure_plan(store: ox.Store, graphs: list[str]) -> ClosurePlan | None:
    """The fast closure's plan for the union of `graphs` (None: a schema richer than it handles)."""
    if not _schema_is_simple(Union(store, graphs)):
        return None
    return _plan(frozenset(quad.triple for quad in schema_quads(store, [ox.NamedNode(g) for g in graphs])))


def schema_quads(store: ox.Store, graphs: Iterable[ox.NamedNode]) -> Iterator[ox.Quad]:
    """Every triple of the schema (what the fast closure reads as the TBox), in any of `graphs`."""
    for graph in graphs:
        for predicate in _SCHEMA_PREDICATES:
            yield from store.quads_for_pattern(None, ox.NamedNode(predicate), None, graph)
        for declared in _DECLARATIONS:
            yield from store.quads_for_pattern(None, _OX_TYPE, ox.NamedNode(declared), graph)


@functools.lru_cache(maxsize=4)
def _plan(tbox: frozenset[ox.Triple]) -> ClosurePlan:
    """The schema closed by owlrl, and the queries applying what it entails per property and class.

    Kept for the last few schemas: each commit of an edit runs the fast closure on a scratch
    copy around the change (build/increment.py, curate/scoped.py) over the same ontology, and
    owlrl on the schema is most of its cost.
    """
    graph = Graph()
    for triple in tbox:
        graph.add(terms.to_rdflib(triple))
    tbox_inferred = closure(graph)
    schema = Graph()
    for triple in (*graph, *tbox_inferred):
        schema.add(triple)
    entailed = _property_entailments(schema)
    domains, ranges = _by_property(schema, RDFS.domain), _by_property(schema, RDFS.range)
    supers = _superclasses(schema)
    queries = (*_property_queries(entailed), _type_query(entailed, domains, ranges, supers))
    return ClosurePlan(frozenset(terms.to_oxigraph(t) for t in tbox_inferred),
                       tuple(q for q in queries if q))


# The instance entailments as CONSTRUCT queries over the union of the asserted graphs: each
# rule family is one query whose VALUES table lists the closed schema's entailments, and
# whose answer leaves out what the union states already and what is_noise drops.

_KEEP_SUBJECT = ("FILTER (isBlank({v}) || !(" +
                 " || ".join(f'STRSTARTS(STR({{v}}), "{ns}")' for ns in _PLUMBING) + "))")


def _property_queries(entailed: dict[str, list[tuple[str, bool]]]) -> list[str]:
    """p(x, y) entails q(x, y), or q(y, x) when flipped: one query each way."""
    queries = []
    for flipped in (False, True):
        pairs = sorted({(p, q) for p, found in entailed.items() for q, flip in found
                        if flip == flipped and (q, flip) != (p, False) and q not in _IDENTITY_OX})
        if not pairs:
            continue
        x, y = ("?o", "?s") if flipped else ("?s", "?o")
        reflexive = " || ".join(f"?q = <{q}>" for q in sorted({q for _, q in pairs} & _REFLEXIVE_OX))
        queries.append(
            f"CONSTRUCT {{ {x} ?q {y} }} WHERE {{ VALUES (?p ?q) {{ {_rows(pairs)} }} ?s ?p ?o . "
            + ("FILTER (!isLiteral(?o)) " if flipped else "")
            + (f"FILTER ({x} != {y} || !({reflexive})) " if reflexive else "")
            + _KEEP_SUBJECT.format(v=x) + f" FILTER NOT EXISTS {{ {x} ?q {y} }} }}")
    return queries


def _type_query(entailed: dict, domains: dict[str, set[str]], ranges: dict[str, set[str]],
                supers: dict[str, set[str]]) -> str | None:
    """The types entailed by domains and ranges (of a property and of all it entails) and by
    superclasses of asserted types, each with every class above it."""
    def above(classes) -> set[str]:
        return {sup for cls in classes for sup in supers.get(cls, (cls,)) if not _noise_class(sup)}

    subject, subject_of_resource, object_of_resource = set(), set(), set()
    for prop in set(entailed) | set(domains) | set(ranges):
        for q, flipped in entailed.get(prop, ((prop, False),)):
            if flipped:  # q(o, s): o is its subject, s its object; never for a literal o
                subject_of_resource |= {(prop, c) for c in above(ranges.get(q, ()))}
                object_of_resource |= {(prop, c) for c in above(domains.get(q, ()))}
            else:
                subject |= {(prop, c) for c in above(domains.get(q, ()))}
                object_of_resource |= {(prop, c) for c in above(ranges.get(q, ()))}
    superclass = {(cls, sup) for cls in supers for sup in above(supers[cls]) if sup != cls}
    branches = [f"{{ VALUES (?p ?c) {{ {_rows(subject)} }} ?n ?p [] }}" if subject else "",
                f"{{ VALUES (?p ?c) {{ {_rows(subject_of_resource)} }} ?n ?p ?o FILTER (!isLiteral(?o)) }}"
                if subject_of_resource else "",
                f"{{ VALUES (?p ?c) {{ {_rows(object_of_resource)} }} [] ?p ?n FILTER (!isLiteral(?n)) }}"
                if object_of_resource else "",
                f"{{ VALUES (?k ?c) {{ {_rows(superclass)} }} ?n a ?k }}" if superclass else ""]
    branches = [b for b in branches if b]
    if not branches:
        return None
    distinct = f"{{ SELECT DISTINCT ?n ?c WHERE {{ {' UNION '.join(branches)} }} }}"
    return (f"CONSTRUCT {{ ?n a ?c }} WHERE {{ {distinct} "
            f"{_KEEP_SUBJECT.format(v='?n')} FILTER NOT EXISTS {{ ?n a ?c }} }}")


def _rows(pairs) -> str:
    return " ".join(f"(<{a}> <{b}>)" for a, b in sorted(pairs))


def _noise_class(iri: str) -> bool:
    """A class whose instances the inferred graph does not type with it (see is_noise)."""
    return iri in _NOISE_OBJECTS_OX or (iri.startswith(_PLUMBING) and iri not in _KEPT_TYPES_OX)


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


def _schema_is_simple(union: Union) -> bool:
    """True when the only OWL/RDFS vocabulary used is what the fast closure implements."""
    for row in union.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }"):
        p = row["p"].value
        if p.startswith(_PLUMBING) and p not in _SCHEMA_PREDICATES | _INERT_PREDICATES | {str(RDF.type)}:
            return False
    allowed = _DECLARATIONS | _INERT_CLASSES
    return all(not row["c"].value.startswith(_PLUMBING) or row["c"].value in allowed
               for row in union.query("SELECT DISTINCT ?c WHERE { ?s a ?c }"))


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
