"""SHACL validation of the dataset with pyshacl.

Shapes are checked against the union of ontology, data and the OWL-RL
closure: the vocabulary contract is stated in standard terms that only the
closure makes explicit, so that is what the shapes must see.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import pyoxigraph as ox
import pyshacl
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.plugins.sparql import processor

from . import shacl_core, shacl_scope, shacl_sparql
from .union import Union


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

    The core and SPARQL-based constraints that have a query form run in
    Oxigraph (shacl_core, shacl_sparql); pyshacl validates, in place, only
    the shapes left (nothing here infers or runs sh:rule).
    """
    rest, in_oxigraph = shacl_sparql.split(shapes)
    core = shacl_core.split(shapes, rest) if shacl_core.stored_as_written(data) else \
        shacl_core.Core([], rest, None)
    union = functools.cache(lambda: Union(oxigraph if oxigraph is not None else shacl_sparql.to_store(data)))

    def in_store(conforms: bool, results: Graph | None) -> tuple[bool, Graph]:
        return _oxigraph_results(conforms, results, core, in_oxigraph, union(), data)

    if not _targeted(core.rest):
        return _report(*in_store(True, None))
    return _report(*_pyshacl_in_parallel(lambda _half, _roots: data, core.rest, len(data), then=in_store))


def validate_store(store: ox.Store, graphs: list[str], shapes: Graph, closed: bool) -> Report:
    """SHACL results for the union of `graphs` in an Oxigraph store, as `validate` would give.

    The core and SPARQL-based constraints with a query form run in Oxigraph
    over the union of `graphs` (shacl_core, shacl_sparql; `closed`: the
    graphs hold their own OWL-RL closure). pyshacl validates the shapes
    left, if any, handed only the triples they can read (shacl_scope.reach),
    each of two processes copying out what its half of the shapes reads.
    """
    rest, in_oxigraph = shacl_sparql.split(shapes)
    core = shacl_core.split(shapes, rest, closed)
    union = Union(store, graphs)

    def in_store(conforms: bool, results: Graph | None) -> tuple[bool, Graph]:
        return _oxigraph_results(conforms, results, core, in_oxigraph, union)

    if not _targeted(core.rest):
        return _report(*in_store(True, None))

    def data_for(half: Graph, roots: set) -> Graph:
        return shacl_scope.to_rdflib(store, graphs, shacl_scope.reach(half, closed, roots))

    @functools.cache
    def cost(shape) -> float:  # asked twice per shape while balancing
        return shacl_scope.cost(store, graphs, core.rest, shape)

    # `then` runs the queries in this process: about two cost units a triple (measured)
    head_start = 2.0 * len(store) if in_oxigraph or core.plans else 0.0
    return _report(*_pyshacl_in_parallel(data_for, core.rest, len(store), cost, then=in_store,
                                         head_start=head_start))


def _report(conforms: bool, results: Graph) -> Report:
    return Report(conforms=conforms, violations=violations(results), graph=results)


def _targeted(shapes: Graph) -> bool:
    """True when some shape still has targets (pyshacl has work to do)."""
    return any((None, p, None) in shapes for p in _TARGETS) or shacl_scope.has_implicit_targets(shapes)


def _oxigraph_results(conforms: bool, results: Graph | None, core: shacl_core.Core, in_oxigraph: list,
                      union: Union, data: Graph | None = None) -> tuple[bool, Graph]:
    """pyshacl's results (None: pyshacl had nothing to do) with those of the constraints run by Oxigraph.

    The SHACL-SPARQL constraints are asked on a thread beside the core checks: run after them,
    the longest (a join over every label) was a second alone at the end of a cold start.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="shacl-sparql") as beside:
        answers = beside.map(lambda constraint: shacl_sparql.evaluate(union, constraint), in_oxigraph)
        if core.plans or results is None:
            core_conforms, core_results = shacl_core.evaluate(union, core, data)
            conforms = conforms and core_conforms
            results = core_results if results is None else _merge(results, core_results)
        for constraint, rows in zip(in_oxigraph, answers, strict=True):
            shacl_sparql.add_results(results, constraint, rows)
            conforms = conforms and not (rows and constraint.severity == SH.Violation)
    return conforms, results


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
#: Below this many triples a second process costs more than it saves.
PARALLEL_FROM = 20_000
DataFor = Callable[[Graph, set], Graph]


def _pyshacl(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    with _prepared_queries():
        conforms, results, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
            inplace=True,
        )
    return conforms, results


def _pyshacl_in_parallel(data_for: DataFor, shapes: Graph, size: int,
                         cost: Callable[[object], float] = lambda _: 1.0,
                         then: Callable[[bool, Graph], tuple[bool, Graph]] | None = None,
                         head_start: float = 0.0) -> tuple[bool, Graph]:
    """pyshacl on two cores: each process validates the targets of half the shapes.

    Each shape's results depend only on its own targets, and every shape stays
    in both shapes graphs (so sh:node, sh:or... still resolve): only the
    target statements of the other half are left out. The halves are balanced
    by `cost` (an estimate of each targeted shape's work). `data_for(half,
    roots)` gives the data graph a half validates: the whole graph, or only
    what the half's shapes read; a forked child shares memory with the parent
    instead of copying it. `then` runs on this process's results, while the
    child may still be working; `head_start` is its cost, in `cost`'s units.
    """
    then = then or (lambda conforms, results: (conforms, results))
    targeted = sorted({s for p in _TARGETS for s in shapes.subjects(p, None)}, key=str)
    implicit = set(shapes.subjects(RDF.type, RDFS.Class)) | set(shapes.subjects(RDF.type, OWL.Class))
    if size < PARALLEL_FROM or (os.cpu_count() or 1) < 2 or implicit & set(
            shapes.subjects(RDF.type, SH.NodeShape)) or len(targeted) < 2:
        return then(*_pyshacl(data_for(shapes, set(targeted)), shapes))
    roots = _balance(targeted, cost, head_start)
    halves = [_keep_targets(shapes, r) for r in roots]
    reader, writer = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=_validate_half, args=(data_for, halves[1], roots[1], writer), daemon=True)
    child.start()
    writer.close()
    conforms, results = then(*_pyshacl(data_for(halves[0], roots[0]), halves[0]))
    other_conforms, other = reader.recv()
    child.join()
    theirs = Graph()
    for triple in other:
        theirs.add(triple)
    return conforms and other_conforms, _merge(results, theirs)


def _balance(shapes: list, cost: Callable[[object], float], head_start: float = 0.0) -> list[set]:
    """Two sets of shapes of about equal cost (the first has other work worth `head_start`)."""
    sets: list[set] = [set(), set()]
    totals = [head_start, 0.0]
    for shape in sorted(shapes, key=lambda s: (-cost(s), str(s))):
        lighter = totals.index(min(totals))
        sets[lighter].add(shape)
        totals[lighter] += cost(shape)
    return sets


def _validate_half(data_for: DataFor, shapes: Graph, roots: set, writer) -> None:
    conforms, results = _pyshacl(data_for(shapes, roots), shapes)
    writer.send((conforms, list(results)))  # pickled terms keep their blank node ids
    writer.close()


def _keep_targets(shapes: Graph, keep: set) -> Graph:
    half = Graph()
    for prefix, namespace in shapes.namespaces():  # pyshacl's messages write IRIs with them
        half.bind(prefix, namespace, override=True)
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
