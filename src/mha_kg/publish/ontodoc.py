"""Documentation of the ontology's classes and properties, read from the ontology graph.

What pyLODE shows, for a small ontology, in one query per kind: each term's
label, comment, super-terms, domain, range and inverse, and how often the
data uses it, so the page at the ontology's IRI is generated from the same
triples clients fetch as RDF and can never drift from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..kg import KnowledgeGraph

OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
KINDS = {f"{OWL}Class": "class", f"{OWL}ObjectProperty": "object property",
         f"{OWL}DatatypeProperty": "datatype property", f"{OWL}AnnotationProperty": "annotation property"}
RELATIONS = {f"{RDFS}subClassOf": "subclass of", f"{RDFS}subPropertyOf": "subproperty of",
             f"{RDFS}domain": "domain", f"{RDFS}range": "range", f"{OWL}inverseOf": "inverse of"}


@dataclass
class Term:
    iri: str
    name: str
    kind: str
    label: str = ""
    comment: str = ""
    relations: dict[str, list[str]] = field(default_factory=dict)
    uses: int = 0


def terms(kg: KnowledgeGraph) -> list[Term]:
    """Every class and property the ontology declares in its own namespace, classes first."""
    namespace = kg.ontology + "/"
    graph = kg.graph("ontology")
    found: dict[str, Term] = {}
    rows = kg.select(f"SELECT ?t ?k ?l ?c WHERE {{ GRAPH <{graph}> {{ ?t a ?k "
                     f"OPTIONAL {{ ?t <{RDFS}label> ?l }} OPTIONAL {{ ?t <{RDFS}comment> ?c }} }} "
                     f"FILTER(STRSTARTS(STR(?t), \"{namespace}\")) }}")
    for row in rows:
        kind = KINDS.get(row["k"].value)
        if kind is None:
            continue
        iri = row["t"].value
        term = found.setdefault(iri, Term(iri, iri[len(namespace):], kind))
        term.label = row["l"].value if row.get("l") is not None else term.label
        term.comment = row["c"].value if row.get("c") is not None else term.comment
    relations = " ".join(f"<{p}>" for p in RELATIONS)
    for row in kg.select(f"SELECT ?t ?p ?o WHERE {{ GRAPH <{graph}> {{ VALUES ?p {{ {relations} }} "
                         f"?t ?p ?o }} }} ORDER BY ?o"):
        term = found.get(row["t"].value)
        if term is not None and isinstance(row["o"], ox.NamedNode):
            term.relations.setdefault(RELATIONS[row["p"].value], []).append(row["o"].value)
    _count_uses(kg, found)
    order = list(KINDS.values())
    return sorted(found.values(), key=lambda t: (order.index(t.kind), t.name.lower()))


def _count_uses(kg: KnowledgeGraph, found: dict[str, Term]) -> None:
    if not found:
        return
    values = " ".join(f"<{iri}>" for iri in found)
    data = kg.graph("data")
    for row in kg.select(f"SELECT ?t (COUNT(*) AS ?n) WHERE {{ VALUES ?t {{ {values} }} GRAPH <{data}> "
                         f"{{ {{ ?s a ?t }} UNION {{ ?s ?t ?o }} }} }} GROUP BY ?t"):
        found[row["t"].value].uses = int(row["n"].value)


def ontology_triples(kg: KnowledgeGraph) -> list:
    """The ontology as clients fetch it: the ontology graph, as asserted."""
    return kg.triples(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{kg.graph('ontology')}> {{ ?s ?p ?o }} }}")


def term_triples(kg: KnowledgeGraph, iri: str) -> list:
    return kg.triples(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ GRAPH <{kg.graph('ontology')}> "
                      f"{{ <{iri}> ?p ?o }} }}")
