"""SHACL validation of the dataset with pyshacl.

Shapes are checked against the union of ontology, data and the OWL-RL
closure: the vocabulary contract is stated in standard terms that only the
closure makes explicit, so that is what the shapes must see.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass

import pyshacl
from rdflib import Graph
from rdflib.namespace import SH
from rdflib.plugins.sparql import processor


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


def validate(data: Graph, shapes: Graph) -> Report:
    with _prepared_queries():
        conforms, results, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
        )
    return Report(conforms=conforms, violations=violations(results), graph=results)


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
