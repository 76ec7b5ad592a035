"""SHACL validation of the dataset with pyshacl.

Shapes are checked against the union of ontology, data and the OWL-RL
closure: the vocabulary contract is stated in standard terms that only the
closure makes explicit, so that is what the shapes must see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyshacl
from rdflib import Graph
from rdflib.namespace import SH


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
    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    return Report(conforms=conforms, violations=violations(results), graph=results)


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
