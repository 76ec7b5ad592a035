"""SHACL validation of the dataset with pyshacl.

Shapes are checked against the union of ontology, data and the OWL-RL
closure: the vocabulary contract is stated in standard terms that only the
closure makes explicit, so that is what the shapes must see.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from contextlib import contextmanager
from dataclasses import dataclass

import pyoxigraph as ox
import pyshacl
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.plugins.sparql import processor

from . import shacl_sparql


@dataclass
class Violation:
    focus: str
    path: str
    value: str
    message: str
    shape: str
    severity: str

    def line(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" = {self.value}" if self.value else ""
        return f"{self.severity}: <{self.focus}>{where}{value}: {self.message} [{self.shape}]"


@dataclass
class Report:
    conforms: bool
    violations: list[Violation]
    graph: Graph

    def text(self) -> str:
        if self.conforms:
            return "Conforms: the dataset satisfies every shape."
        lines = [f"Does not conform: {len(self.violations)} result(s)."]
        lines += [v.line() for v in self.violations]
        return "\n".join(lines)

    def json(self) -> str:
        return json.dumps({"conforms": self.conforms,
                           "results": [v.__dict__ for v in self.violations]}, indent=2)


def validate(data: Graph, shapes: Graph, oxigraph: ox.Store | None = None) -> Report:
    """SHACL results for `data`; `oxigraph`, when given, is a store holding the same triples.

    pyshacl works in place (no copy of the data: nothing here infers or runs
    sh:rule), and the SHACL-SPARQL constraints run in Oxigraph.
    """
    shapes, in_oxigraph = shacl_sparql.split(shapes)  # SPARQL constraints: all focus nodes at once
    conforms, results = _pyshacl_in_parallel(data, shapes)
    if in_oxigraph:
        store = oxigraph if oxigraph is not None else shacl_sparql.to_store(data)
        for constraint in in_oxigraph:
            rows = shacl_sparql.evaluate(store, constraint)
            shacl_sparql.add_results(results, constraint, rows)
            conforms = conforms and not (rows and constraint.severity == SH.Violation)
    return Report(conforms=conforms, violations=violations(results), graph=results)


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
#: Below this many triples a second process costs more than it saves.
PARALLEL_FROM = 20_000


def _pyshacl(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    with _prepared_queries():
        conforms, results, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
            inplace=True,
        )
    return conforms, results


def _pyshacl_in_parallel(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    """pyshacl on two cores: each process validates the targets of half the shapes.

    Each shape's results depend only on its own targets, and every shape stays
    in both shapes graphs (so sh:node, sh:or... still resolve): only the
    target statements of the other half are left out. A forked child shares
    the data graph with the parent instead of copying it.
    """
    targeted = sorted({s for p in _TARGETS for s in shapes.subjects(p, None)}, key=str)
    implicit = set(shapes.subjects(RDF.type, RDFS.Class)) | set(shapes.subjects(RDF.type, OWL.Class))
    if len(data) < PARALLEL_FROM or (os.cpu_count() or 1) < 2 or implicit & set(
            shapes.subjects(RDF.type, SH.NodeShape)) or len(targeted) < 2:
        return _pyshacl(data, shapes)
    halves = [_keep_targets(shapes, set(targeted[i::2])) for i in range(2)]
    reader, writer = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=_validate_half, args=(data, halves[1], writer), daemon=True)
    child.start()
    writer.close()
    conforms, results = _pyshacl(data, halves[0])
    other_conforms, other = reader.recv()
    child.join()
    return conforms and other_conforms, _merge(results, Graph().parse(data=other, format="nt"))


def _validate_half(data: Graph, shapes: Graph, writer) -> None:
    conforms, results = _pyshacl(data, shapes)
    writer.send((conforms, results.serialize(format="nt")))
    writer.close()


def _keep_targets(shapes: Graph, keep: set) -> Graph:
    half = Graph()
    for triple in shapes:
        if triple[1] in _TARGETS and triple[0] not in keep:
            continue
        half.add(triple)
    return half


def _merge(results: Graph, other: Graph) -> Graph:
    """The second report's results under the first report's node."""
    report = results.value(predicate=RDF.type, object=SH.ValidationReport)
    theirs = other.value(predicate=RDF.type, object=SH.ValidationReport)
    for s, p, o in other:
        if s == theirs:
            if p == SH.result:
                results.add((report, SH.result, o))
            elif p == SH.conforms and str(o) == "false":
                results.set((report, SH.conforms, o))
        else:
            results.add((s, p, o))
    return results


@contextmanager
def _prepared_queries():
    """Parse each SHACL-SPARQL constraint once, not once per focus node.

    pyshacl hands rdflib the same query text for every focus node (only the
    pre-bound $this changes), and rdflib's pyparsing parser spends about 90%
    of validation re-parsing it. A prepared query is what rdflib itself
    recommends for repeated runs with different initBindings.
    """
    original = processor.SPARQLProcessor.query
    prepared: dict = {}

    def query(self, text, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(text, str):
            key = (text, tuple(sorted((initNs or {}).items())), base)
            if key not in prepared:
                prepared[key] = processor.prepareQuery(text, initNs=initNs, base=base)
            text = prepared[key]
        return original(self, text, initBindings or {}, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original


def violations(results: Graph) -> list[Violation]:
    found = []
    for result in results.subjects(SH.resultSeverity, None):
        def value(prop, result=result):
            term = results.value(result, prop)
            return "" if term is None else str(term)
        found.append(Violation(
            focus=value(SH.focusNode),
            path=value(SH.resultPath),
            value=value(SH.value),
            message=value(SH.resultMessage),
            shape=value(SH.sourceShape),
            severity=value(SH.resultSeverity).rsplit("#", 1)[-1],
        ))
    return sorted(found, key=lambda v: (v.shape, v.focus, v.path, v.value))
