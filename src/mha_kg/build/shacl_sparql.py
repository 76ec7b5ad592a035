"""SHACL-SPARQL constraints evaluated by Oxigraph, once per constraint instead of once per focus node.

pyshacl runs a SPARQL-based constraint as one rdflib query per focus node,
and each such query costs time in proportion to the graph: validation grows
with the square of the data (six minutes at 100,000 triples, 90% of it in
these constraints). The same constraint can be answered for every focus node
at once: the focus nodes become a sub-query that binds `$this`, placed at
the start of the constraint's WHERE group, and Oxigraph evaluates the whole.
For the queries this is done to (no nested SELECT, MINUS, SERVICE or
`$PATH`, on node shapes) that is the same as SHACL's pre-binding of `$this`.
Anything else stays with pyshacl. tests/test_shacl_sparql.py checks that
both give the same results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from . import terms
from .union import Union

_UNSAFE = re.compile(r"\b(MINUS|SERVICE|VALUES)\b|\$PATH|\$currentShape|\$shapesGraph", re.I)
_WHERE = re.compile(r"\bWHERE\s*\{", re.I)
_MESSAGE_VARS = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Constraint:
    shape: URIRef
    node: URIRef | BNode
    query: str
    targets: str
    message: str
    severity: URIRef


def split(shapes: Graph) -> tuple[Graph, list[Constraint]]:
    """The shapes left for pyshacl, and the SPARQL constraints Oxigraph can take over."""
    taken: list[Constraint] = []
    for shape, node in shapes.subject_objects(SH.sparql):
        constraint = _constraint(shapes, shape, node)
        if constraint is not None:
            taken.append(constraint)
    if not taken:
        return shapes, []
    rest = Graph()
    moved = {(c.shape, c.node) for c in taken}
    for triple in shapes:
        if not (triple[1] == SH.sparql and (triple[0], triple[2]) in moved):
            rest.add(triple)
    for prefix, namespace in shapes.namespaces():
        rest.bind(prefix, namespace)
    return rest, taken


def _constraint(shapes: Graph, shape, node) -> Constraint | None:
    select = shapes.value(node, SH.select)
    if select is None or (shapes.value(shape, SH.path) is not None):
        return None
    if "true" in (str(shapes.value(node, SH.deactivated)), str(shapes.value(shape, SH.deactivated))):
        return None
    text = str(select)
    if _UNSAFE.search(text) or len(re.findall(r"\bSELECT\b", text, re.I)) != 1 or not _WHERE.search(text):
        return None
    targets = _targets(shapes, shape)
    if targets is None:
        return None
    message = shapes.value(node, SH.message) or shapes.value(shape, SH.message) or ""
    severity = shapes.value(shape, SH.severity) or SH.Violation
    return Constraint(shape, node, _prefixes(shapes, node) + text, targets, str(message), severity)


def _targets(shapes: Graph, shape) -> str | None:
    """A group pattern binding ?this to every focus node of the shape (None: a kind not handled)."""
    parts = [f"{{ ?this <{RDF.type}>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{c}> }}"
             for c in shapes.objects(shape, SH.targetClass)]
    parts += [f"{{ VALUES ?this {{ {n.n3()} }} }}" for n in shapes.objects(shape, SH.targetNode)]
    parts += [f"{{ ?this <{p}> [] }}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    parts += [f"{{ [] <{p}> ?this }}" for p in shapes.objects(shape, SH.targetObjectsOf)]
    if (shape, RDF.type, URIRef("http://www.w3.org/2000/01/rdf-schema#Class")) in shapes or \
            (shape, SH.target, None) in shapes:
        return None
    return " UNION ".join(parts) if parts else None


def _prefixes(shapes: Graph, node) -> str:
    lines = []
    for source in shapes.objects(node, SH.prefixes):
        for declaration in shapes.objects(source, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(lines) + "\n"


def evaluate(store: Union, constraint: Constraint) -> list[dict]:
    """Every violation of the constraint: {this, value, path, message} per result row."""
    where = _WHERE.search(constraint.query)
    bulk = f" {{ SELECT DISTINCT ?this WHERE {{ {constraint.targets} }} }} "
    return _rows(store, constraint.query[: where.end()] + bulk + constraint.query[where.end():], constraint)


def _rows(store: Union, text: str, constraint: Constraint) -> list[dict]:
    rows = []
    solutions = store.query(text)
    names = [v.value for v in solutions.variables]
    for solution in solutions:
        bound = {name: solution[name] for name in names if solution[name] is not None}
        rows.append({"this": bound.get("this"), "value": bound.get("value"), "path": bound.get("path"),
                     "failure": "failure" in bound,
                     "message": _MESSAGE_VARS.sub(lambda m, b=bound: b[m.group(1)].value
                                                  if m.group(1) in b else m.group(0), constraint.message)})
    return rows


def to_store(data: Graph) -> ox.Store:
    """The triples in the default graph: Oxigraph is far faster there than over a union of graphs."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                 for t in map(terms.to_oxigraph, data))
    return store


def add_results(report: Graph, constraint: Constraint, rows: list[dict]) -> None:
    """Record the rows as sh:ValidationResult nodes, as pyshacl would, in its report graph."""
    for row in rows:
        result = BNode()
        focus = terms.term_to_rdflib(row["this"]) if row["this"] is not None else None
        report.add((result, RDF.type, SH.ValidationResult))
        if focus is not None:
            report.add((result, SH.focusNode, focus))
        value = row["value"] if row["value"] is not None else row["this"]
        if value is not None:
            report.add((result, SH.value, terms.term_to_rdflib(value)))
        if row["path"] is not None:
            report.add((result, SH.resultPath, terms.term_to_rdflib(row["path"])))
        report.add((result, SH.resultMessage, Literal(row["message"])))
        report.add((result, SH.sourceShape, constraint.shape))
        report.add((result, SH.sourceConstraint, constraint.node))
        report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        report.add((result, SH.resultSeverity, constraint.severity))
        for top in list(report.subjects(RDF.type, SH.ValidationReport)):
            report.add((top, SH.result, result))
            if constraint.severity == SH.Violation:
                report.set((top, SH.conforms, Literal(False)))
