"""SHACL core constraints evaluated by Oxigraph, one query per constraint for all focus nodes.

pyshacl walks the data focus node by focus node in rdflib: at a million
triples that took 90 s of a two-minute cold start. Most core constraints are
a filter over the pairs (focus node, value node) or a count per focus node,
and Oxigraph answers either for every focus node of a shape in one query
(the way build/shacl_sparql.py runs the SPARQL-based constraints). Only the
failing pairs come back to Python, where pyshacl's own constraint component
writes each result (`make_v_result`) and pyshacl's validator the report
graph, so messages, paths and severities are pyshacl's, to the character.

A shape is taken over only when every constraint parameter it has is one of
`_VALUE`, `_COUNT` and the logical ones over nested shapes this module can
express as a SPARQL condition (`_conforms`): anything else (sh:node,
sh:closed, string lengths, value ranges, property pairs, sh:property,
custom components, deactivated shapes, SPARQL targets, paths that may be
zero steps long...) stays with pyshacl
(`split` leaves it there). tests/test_shacl_core.py checks both give the same
results on the shipped data, broken generated data, every shape fixture and
shapes written to exercise each component with ill-typed and blank values.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox
from pyshacl.constraints import CONSTRAINT_PARAMETERS_MAP
from pyshacl.shapes_graph import ShapesGraph
from pyshacl.validator import Validator
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD

from . import shacl_scope, terms

_TYPE = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
#: XSD datatypes whose well-formedness pyshacl checks (rdflib's parse), written as an Oxigraph cast.
_CASTABLE = {XSD.integer, XSD.decimal, XSD.float, XSD.double, XSD.boolean, XSD.date, XSD.dateTime,
             XSD.time, XSD.gYear}
_NODE_KINDS = {SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
               SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))",
               SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
               SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))"}
_PATH_OPERATORS = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}
#: Parameters that only qualify another (sh:flags goes with sh:pattern...).
_QUALIFIERS = {SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint}
_VALUE = {SH["class"], SH.datatype, SH.nodeKind, SH["in"], SH.pattern, SH["or"], SH["and"], SH["not"],
          SH.xone}
_COUNT = {SH.minCount, SH.maxCount, SH.qualifiedValueShape}
_ALLOWED_SEVERITY = {SH.Violation}
#: Checks asked at once: one per core (two checks on one core took as long as one after the other).
QUERY_THREADS = min(4, os.cpu_count() or 1)


@dataclass
class Check:
    """One constraint of one shape: a query for its failures, and pyshacl's component to report them."""

    component: object
    query: str
    pattern: object = None  # sh:pattern: a compiled regex applied here, as pyshacl does
    extra: dict = field(default_factory=dict)


@dataclass
class Plan:
    shape: object  # pyshacl.shape.Shape
    checks: list[Check]


@dataclass
class Core:
    """The shapes taken over, and the shapes graph left for pyshacl (their targets removed)."""

    plans: list[Plan]
    rest: Graph
    shapes_graph: ShapesGraph | None


def split(shapes: Graph, rest: Graph | None = None, closed: bool = False) -> Core:
    """Take over the targeted shapes whose constraints all have a query form.

    `shapes` is the whole shapes graph (pyshacl's messages print its terms with
    its prefixes); `rest` the one pyshacl would otherwise get (shacl_sparql may
    have taken SPARQL constraints out of it). The shapes taken lose their
    target statements in the returned `rest`, so pyshacl skips them, and stay
    in it otherwise: nested shapes still resolve. `closed`: the data holds its
    OWL-RL closure, so an instance of a subclass of C is typed C itself
    (`_closed`).
    """
    rest = shapes if rest is None else rest
    if any((None, p, None) in shapes for p in (SH.rule, SH.js, SH.jsFunctionName)) or \
            (None, RDF.type, SH.ConstraintComponent) in shapes:
        return Core([], rest, None)
    graph = ShapesGraph(shapes)
    plans = []
    for shape in graph.shapes:
        plan = _plan(shape, rest)
        if plan is not None:
            if closed:
                for check in plan.checks:
                    check.query = _closed(check.query)
            plans.append(plan)
    if not plans:
        return Core([], rest, graph)
    taken = {p.shape.node for p in plans}
    left = Graph()
    for prefix, namespace in rest.namespaces():
        left.bind(prefix, namespace, override=True)
    targets = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
    for triple in rest:
        if not (triple[0] in taken and triple[1] in targets):
            left.add(triple)
    return Core(plans, left, graph)


_SUBCLASS_STEP = re.compile(re.escape(_TYPE) + r" <([^>]+)>")


def _closed(query: str) -> str:
    """`rdf:type/rdfs:subClassOf* C` as `rdf:type C` when the data holds its OWL-RL closure.

    The closure types every instance of a subclass with the class itself,
    except for the classes it leaves out as noise (infer.is_noise), which keep
    the path. Walking subClassOf from every type was most of a class check's time.
    """
    def plain(match: re.Match) -> str:
        kept = shacl_scope.is_noise_class(match.group(1))
        return match.group(0) if kept else f"<{RDF.type}> <{match.group(1)}>"
    return _SUBCLASS_STEP.sub(plain, query)


#: Datatypes Oxigraph stores as another (xsd:int as xsd:integer...): a datatype check would differ.
_RETYPED = {XSD[name] for name in ("int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                                   "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt",
                                   "unsignedShort", "unsignedByte", "dateTimeStamp")}


def stored_as_written(data: Graph) -> bool:
    """True when Oxigraph keeps every literal of `data` with its datatype.

    Oxigraph stores the XSD integer subtypes as xsd:integer (and
    dateTimeStamp as dateTime); pyshacl reading the rdflib graph would see
    the datatype as written. The build validates what Oxigraph stored, so
    there the two agree; `validate.validate` over rdflib data asks this first.
    """
    return not any(isinstance(o, Literal) and o.datatype in _RETYPED for o in data.objects())


def _plan(shape, rest: Graph) -> Plan | None:
    """The checks of a targeted shape, or None when pyshacl must validate it."""
    node = shape.node
    targets = _targets(shape)
    if targets is None or shape.deactivated or (node, SH.target, None) in rest:
        return None
    if (node, SH.sparql, None) in rest or shape.severity not in (SH.Violation, SH.Warning, SH.Info):
        return None
    params = {p for p, _ in shape.sg.predicate_objects(node) if p in CONSTRAINT_PARAMETERS_MAP
              or p in (SH.property, SH.node, SH.closed)} - {SH.sparql}
    if params - _VALUE - _COUNT - _QUALIFIERS:
        return None
    if not shape.is_property_shape and params & _COUNT:
        return None
    path = _path(shape.sg.graph, shape.path()) if shape.is_property_shape else None
    if shape.is_property_shape and (path is None or not _at_least_one_step(path)):
        return None
    checks = []
    for param in sorted(params - _QUALIFIERS, key=str):
        made = _checks(shape, param, targets, path)
        if made is None:
            return None
        checks += made
    return Plan(shape, checks)


def _targets(shape) -> str | None:
    """A group pattern binding ?this to every focus node (None: an implicit class target)."""
    nodes = list(shape.target_nodes())
    if list(shape.implicit_class_targets()) or any(isinstance(n, BNode) for n in nodes):
        return None
    parts = [f"{{ ?this {_TYPE} {c.n3()} }}" for c in shape.target_classes()]
    parts += [f"{{ VALUES ?this {{ {_term(n)} }} }}" for n in nodes]
    parts += [f"{{ ?this {p.n3()} [] }}" for p in shape.target_subjects_of()]
    parts += [f"{{ [] {p.n3()} ?this }}" for p in shape.target_objects_of()]
    return " UNION ".join(parts) if parts else None


def _term(node) -> str:
    """A term as SPARQL, literals with their datatype spelt out (Oxigraph's xsd:string is explicit)."""
    if isinstance(node, Literal) and not node.language:
        return f"{Literal(str(node)).n3()}^^<{node.datatype or XSD.string}>"
    return node.n3()


def _path(shapes: Graph, path, depth: int = 0) -> str | None:
    """A SHACL path as a SPARQL property path (None: not a well-formed one)."""
    if depth > 20:
        return None
    if isinstance(path, URIRef):
        return path.n3()
    if not isinstance(path, BNode):
        return None
    if (path, RDF.first, None) in shapes:
        items = [_path(shapes, item, depth + 1) for item in shapes.items(path)]
        return None if not items or None in items else "(" + "/".join(items) + ")"
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        inner = _path(shapes, inverse, depth + 1)
        return None if inner is None else f"^({inner})"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        items = [_path(shapes, item, depth + 1) for item in shapes.items(alternatives)]
        return None if not items or None in items else "(" + "|".join(items) + ")"
    for predicate, operator in _PATH_OPERATORS.items():
        inner = shapes.value(path, predicate)
        if inner is not None:
            inner_path = _path(shapes, inner, depth + 1)
            return None if inner_path is None else f"({inner_path}){operator}"
    return None


def _component(shape, param):
    return CONSTRAINT_PARAMETERS_MAP[param](shape)


def _focus(targets: str) -> str:
    """A sub-query binding ?this to each focus node once."""
    return f"{{ SELECT DISTINCT ?this WHERE {{ {targets} }} }}"


def _values(targets: str, path: str | None) -> str:
    """The pairs (?this, ?value) of a shape: its focus nodes and their value nodes.

    Along a path, the path's pairs are enumerated and their subject tested against the
    targets: no table of every focus node is made first (a quarter less time for the class
    checks at scale 1000).
    """
    if path is None:
        return f"{_focus(targets)} BIND (?this AS ?value)"
    return f"?this {path} ?value . FILTER EXISTS {{ {targets} }}"


def _at_least_one_step(path: str) -> bool:
    """True when a SPARQL property path has no `*` or `?` (outside its IRIs).

    SHACL relates every focus node to itself along a path that may be zero steps long;
    SPARQL only a node that is in the graph. Such shapes stay with pyshacl.
    """
    return not re.search(r"[*?]", re.sub(r"<[^>]*>", "", path))


def _failing(targets: str, path: str | None, condition: str) -> str:
    return f"SELECT DISTINCT ?this ?value WHERE {{ {_values(targets, path)} FILTER ({condition}) }}"


def _counting(targets: str, path: str, having: str, condition: str = "true") -> str:
    return (f"SELECT ?this WHERE {{ {_focus(targets)} "
            f"OPTIONAL {{ ?this {path} ?value FILTER ({condition}) }} }} GROUP BY ?this HAVING ({having})")


def _more_than_one(targets: str, path: str) -> str:
    """sh:maxCount 1: focus nodes with two different values (a quarter faster than counting)."""
    return (f"SELECT DISTINCT ?this WHERE {{ ?this {path} ?value . ?this {path} ?other . "
            f"FILTER (!sameTerm(?value, ?other)) FILTER EXISTS {{ {targets} }} }}")


def _checks(shape, param, targets: str, path: str | None) -> list[Check] | None:
    """The checks for one parameter of a shape (None: not expressible here)."""
    component = _component(shape, param)
    if param == SH.minCount:
        least = int(component.min_count)
        if least == 1:  # no value at all: cheaper than counting them (a third less at scale 100)
            empty = f"SELECT ?this WHERE {{ {_focus(targets)} FILTER NOT EXISTS {{ ?this {path} [] }} }}"
            return [Check(component, empty)]
        return [Check(component, _counting(targets, path, f"COUNT(DISTINCT ?value) < {least}"))] \
            if least > 0 else []
    if param == SH.maxCount:
        most = int(component.max_count)
        if most == 1:
            return [Check(component, _more_than_one(targets, path))]
        return [Check(component, _counting(targets, path, f"COUNT(DISTINCT ?value) > {most}"))]
    if param == SH.qualifiedValueShape:
        return _qualified(shape, component, targets, path)
    if param == SH.pattern:
        return [Check(component, f"SELECT DISTINCT ?this ?value WHERE {{ {_values(targets, path)} }}",
                      pattern=component.compiled_cache[rule]) for rule in component.string_rules]
    if param == SH["class"]:
        return [Check(component, _failing(targets, path, f"NOT EXISTS {{ ?value {_TYPE} {c.n3()} }}"))
                for c in component.class_rules]
    condition = _value_condition(shape.sg, shape.node, param, "?value")
    return None if condition is None else [Check(component, _failing(targets, path, f"!({condition})"))]


def _qualified(shape, component, targets: str, path: str) -> list[Check] | None:
    if component.is_disjoint or len(component.value_shapes) != 1:
        return None
    conforms = _conforms(shape.sg, next(iter(component.value_shapes)), "?value")
    if conforms is None:
        return None
    counted = "COUNT(DISTINCT ?value)"
    checks = []
    if component.max_count is not None:
        checks.append(Check(component, _counting(targets, path, f"{counted} > {int(component.max_count)}",
                                                 conforms),
                            extra={"constraint_component": SH.QualifiedMaxCountConstraintComponent}))
    if component.min_count is not None:
        checks.append(Check(component, _counting(targets, path, f"{counted} < {int(component.min_count)}",
                                                 conforms),
                            extra={"constraint_component": SH.QualifiedMinCountConstraintComponent}))
    return checks


def _value_condition(sg: ShapesGraph, node, param, var: str, depth: int = 0) -> str | None:
    """A SPARQL condition true when `var` satisfies `node`'s constraint `param`."""
    graph = sg.graph
    values = list(graph.objects(node, param))
    if len(values) != 1:
        return None
    value = values[0]
    if param == SH["class"]:
        return f"EXISTS {{ {var} {_TYPE} {value.n3()} }}"
    if param == SH.datatype:
        return _datatype_condition(value, var)
    if param == SH.nodeKind:
        return _NODE_KINDS[value].format(v=var) if value in _NODE_KINDS else None
    if param == SH["in"]:
        members = list(graph.items(value))
        if not members or any(isinstance(m, BNode) for m in members):
            return None
        return "(" + " || ".join(f"sameTerm({var}, {_term(m)})" for m in members) + ")"
    if param in (SH["or"], SH["and"], SH.xone):
        members = [_conforms(sg, m, var, depth + 1) for m in graph.items(value)]
        if not members or None in members:
            return None
        if param == SH.xone:
            return "(" + " + ".join(f"IF({m}, 1, 0)" for m in members) + " = 1)"
        return "(" + (" || " if param == SH["or"] else " && ").join(members) + ")"
    if param == SH["not"]:
        inner = _conforms(sg, value, var, depth + 1)
        return None if inner is None else f"!({inner})"
    return None


def _datatype_condition(datatype, var: str) -> str | None:
    if not isinstance(datatype, URIRef) or datatype in (RDF.langString, RDFS.Literal, RDFS.Datatype):
        return None
    same = f"(isLiteral({var}) && datatype({var}) = {datatype.n3()})"
    if datatype in _CASTABLE:  # ill-typed literals fail, as rdflib's parse makes them fail in pyshacl
        return f"({same} && COALESCE(datatype({datatype.n3()}(STR({var}))) = {datatype.n3()}, false))"
    if str(datatype).startswith(str(XSD)) and datatype != XSD.string:
        return None  # rdflib checks other XSD types its own way
    return same


def _conforms(sg: ShapesGraph, node, var: str, depth: int = 0) -> str | None:
    """A SPARQL condition true when `var` conforms to the (nested) shape `node`, or None."""
    if depth > 8:
        return None
    shape = sg.lookup_shape_from_node(node)
    if shape is None or shape.deactivated or shape.severity not in _ALLOWED_SEVERITY:
        return None
    params = {p for p, _ in sg.predicate_objects(node) if p in CONSTRAINT_PARAMETERS_MAP}
    parts = []
    if shape.is_property_shape:
        path = _path(sg.graph, shape.path())
        if path is None or not _at_least_one_step(path) or params - _VALUE - {SH.minCount}:
            return None
        fresh = f"?v{depth}"
        for param in sorted(params - {SH.minCount, SH.pattern}, key=str):
            condition = _value_condition(sg, node, param, fresh, depth)
            if condition is None:
                return None
            parts.append(f"NOT EXISTS {{ {var} {path} {fresh} FILTER (!({condition})) }}")
        least = [int(m) for m in sg.objects(node, SH.minCount)]
        if SH.pattern in params or len(least) > 1 or (least and least[0] > 1):
            return None
        if least and least[0] == 1:
            parts.append(f"EXISTS {{ {var} {path} {fresh} }}")
    else:
        if params - _VALUE - {SH.pattern} or SH.pattern in params:
            return None
        for param in sorted(params, key=str):
            condition = _value_condition(sg, node, param, var, depth)
            if condition is None:
                return None
            parts.append(condition)
    return "(" + " && ".join(parts) + ")" if parts else "true"


def evaluate(store, core: Core, datagraph: Graph | None = None) -> tuple[bool, Graph]:
    """Run every check; pyshacl's own report graph of the failures, and whether the data conforms.

    `store` answers `query(text)` over the data as its default graph: an
    Oxigraph store holding only the data, or a view of some of its graphs.
    `datagraph`: the rdflib graph of the same data, when there is one (pyshacl
    writes focus nodes with its prefixes and describes blank nodes from it).
    """
    results = []
    convert = terms.converter()
    checks = [(plan, check) for plan in core.plans for check in plan.checks]
    with ThreadPoolExecutor(QUERY_THREADS) as pool:  # Oxigraph lets go of the interpreter as it answers
        answers = list(zip(checks, pool.map(lambda pair: _rows(store, pair[1], convert), checks),
                           strict=True))
    failures = [(check, focus, value) for (_, check), rows in answers for focus, value in rows]
    conforms = not any(rows and plan.shape.severity == SH.Violation for (plan, _), rows in answers)
    if datagraph is None:
        datagraph = _described(store, {n for _, f, v in failures for n in (f, v) if isinstance(n, BNode)})
    for check, focus, value in failures:
        results.append(check.component.make_v_result(datagraph, focus, value_node=value, **check.extra))
    report, _ = Validator.create_validation_report(core.shapes_graph, conforms, results) \
        if core.shapes_graph is not None else (_empty_report(), "")
    return conforms, report


def _rows(store, check: Check, convert) -> list[tuple]:
    """The failing (focus, value) pairs of one check, read out on the calling thread (Oxigraph's
    answers may not be dropped on another)."""
    solutions = store.query(check.query)
    has_value = "value" in {v.value for v in solutions.variables}
    rows = []
    for solution in solutions:
        raw = solution["value"] if has_value else None
        if check.pattern is not None and _matches_as_stored(check.pattern, raw):
            continue  # most values of a pattern check: no rdflib term made for them
        focus, value = convert(solution["this"]), None if raw is None else convert(raw)
        if check.pattern is None or isinstance(value, BNode) or not _matches(check, value):
            rows.append((focus, value))
    del solutions
    return rows


def _matches(check: Check, value) -> bool:
    return _found(check.pattern, check.component.value_node_to_string(value))


def _found(pattern: re.Pattern, text: str) -> bool:
    """sh:pattern's test, as pyshacl makes it."""
    return bool(pattern.match(text) or pattern.search(text))


_PLAIN = {str(XSD.string), str(RDF.langString)}


def _matches_as_stored(pattern: re.Pattern, term) -> bool:
    """True when an IRI or a string literal matches, read from Oxigraph's term as pyshacl reads
    it (the IRI, the string); other terms (typed literals, whose lexical form rdflib may
    normalise) are left to `_matches`."""
    if isinstance(term, ox.NamedNode) or (isinstance(term, ox.Literal) and term.datatype.value in _PLAIN):
        return _found(pattern, term.value)
    return False


def _described(store: ox.Store, nodes: set) -> Graph:
    """An rdflib graph describing the blank nodes reported (pyshacl prints and copies them)."""
    graph = Graph()
    todo, seen = list(nodes), set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for quad in _quads_about(store, ox.BlankNode(str(node))):
            triple = terms.to_rdflib(quad.triple)
            graph.add(triple)
            if isinstance(triple[2], BNode):
                todo.append(triple[2])
    return graph


def _quads_about(store, node: ox.BlankNode) -> Iterable[ox.Quad]:
    if isinstance(store, ox.Store):
        return store.quads_for_pattern(node, None, None, None)
    return (q for g in store.graphs for q in store.store.quads_for_pattern(node, None, None, g))


def _empty_report() -> Graph:
    report = Graph()
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(True)))
    return report
