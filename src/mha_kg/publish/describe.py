"""What the graph says about one resource, shaped for a page about it.

An entity page shows every statement about a resource, grouped by property,
with the named graph each statement comes from: a statement from the
`enrichment` graph came from ROR, one from `links` is a curated link, one
from `inferred` was derived by the OWL-RL closure. Incoming statements are
listed too, so a page shows who points at a resource, not only what it
points at (Datasette's "links from other tables").

Everything here returns plain dataclasses of strings; the web layer only
renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..kg import KnowledgeGraph

#: Properties whose value names a resource, best first.
LABEL_PROPERTIES = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "https://schema.org/name",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DESCRIPTION_PROPERTIES = ("https://schema.org/description", "http://www.w3.org/2000/01/rdf-schema#comment",
                          "http://purl.org/dc/terms/description")
EXTERNAL_LINK_PROPERTIES = (
    "https://schema.org/sameAs",
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://xmlns.com/foaf/0.1/homepage",
    "https://schema.org/url",
)
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"

#: How a page marks a statement by the graph it comes from.
GRAPH_NOTES = {"enrichment": "from ROR", "links": "curated link", "inferred": "inferred",
               "memberships": "curated membership"}


@dataclass
class Value:
    """One end of a statement: an IRI with its label, or a literal."""

    text: str
    iri: str | None = None
    label: str | None = None
    datatype: str | None = None
    language: str | None = None
    curie: str | None = None

    @property
    def shown(self) -> str:
        return self.label or self.text


@dataclass
class Statement:
    predicate: Value
    value: Value
    graphs: list[str] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """Marks for the page; a statement also asserted elsewhere is not 'inferred'."""
        names = set(self.graphs)
        if "inferred" in names and len(names) > 1:
            names.discard("inferred")
        return [GRAPH_NOTES[n] for n in sorted(names) if n in GRAPH_NOTES]


@dataclass
class Description:
    iri: str
    label: str
    types: list[Value]
    description: str | None
    outgoing: list[tuple[Value, list[Statement]]]
    incoming: list[tuple[Value, list[Statement]]]
    external: list[Value]
    provenance: list[Value]

    @property
    def incoming_count(self) -> int:
        return sum(len(group) for _, group in self.incoming)


def curie(iri: str, prefixes: dict[str, str]) -> str | None:
    """prefix:local for an IRI in a known namespace (the longest namespace wins)."""
    best = max((ns for ns in prefixes.values() if iri.startswith(ns)), key=len, default=None)
    if best is None or not iri[len(best):] or "/" in iri[len(best):]:
        return None
    prefix = next(p for p, ns in prefixes.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def local_name(iri: str) -> str:
    """The last segment of an IRI, a readable fallback label."""
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def exists(kg: KnowledgeGraph, iri: str) -> bool:
    """True when the graph says anything about, or points at, the IRI (its history aside)."""
    rows = kg.select(f"SELECT ?x WHERE {{ GRAPH ?g {{ {{ <{iri}> ?p ?x }} UNION {{ ?x ?p <{iri}> }} }} "
                     f"{_history_filter(iri)} }} LIMIT 1")
    return bool(rows)


#: Changesets' graphs (curate/changes.py) record statements about entities; they are the
#: entities' history, shown on their history pages, not statements of the entities themselves.
_NOT_HISTORY = "FILTER (!CONTAINS(STR(?g), \"/graph/change/\"))"


def _history_filter(iri: str) -> str:
    """History's own resources (a changeset, its statements, a curator) are described from the
    change graphs; everything else without them."""
    return "" if "/id/change/" in iri or "/id/curator/" in iri else _NOT_HISTORY


def labels(kg: KnowledgeGraph, iris: set[str]) -> dict[str, str]:
    """The best label of each IRI that has one, in one query."""
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in sorted(iris))
    props = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    rows = kg.select(f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {props} }} "
                     f"?s ?p ?l }}")
    best: dict[str, tuple[int, str]] = {}
    for row in rows:
        rank = LABEL_PROPERTIES.index(row["p"].value)
        iri = row["s"].value
        if iri not in best or rank < best[iri][0] or (rank == best[iri][0] and row["l"].value < best[iri][1]):
            best[iri] = (rank, row["l"].value)
    return {iri: text for iri, (_, text) in best.items()}


def labelled_value(term, names: dict[str, str], prefixes: dict[str, str]) -> Value:
    """A term for display, IRIs by the labels given (else their local names)."""
    return _value(term, names, prefixes)


def describe(kg: KnowledgeGraph, iri: str) -> Description | None:
    """Everything about one resource, or None when the graph does not mention it."""
    only = _history_filter(iri)
    out_rows = kg.select(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} {only} }}")
    in_rows = kg.select(f"SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} {only} }} LIMIT 2000")
    if not out_rows and not in_rows:
        return None
    named = {iri} | {r["p"].value for r in out_rows + in_rows}
    named |= {r["o"].value for r in out_rows if isinstance(r["o"], ox.NamedNode)}
    named |= {r["s"].value for r in in_rows if isinstance(r["s"], ox.NamedNode)}
    names = labels(kg, named)
    graph_prefix = kg.graph("")
    outgoing = _group([(r["p"], r["o"], r["g"]) for r in out_rows], names, graph_prefix, kg.prefixes)
    incoming = _group([(r["p"], r["s"], r["g"]) for r in in_rows], names, graph_prefix, kg.prefixes)
    by_predicate = {p.iri: group for p, group in outgoing}
    types = [s.value for s in by_predicate.get(RDF_TYPE, [])]
    description = next((by_predicate[p][0].value.text for p in DESCRIPTION_PROPERTIES
                        if p in by_predicate), None)
    external = [s.value for p in EXTERNAL_LINK_PROPERTIES for s in by_predicate.get(p, [])
                if s.value.iri and not s.value.iri.startswith(kg.base + "/")]
    seen: set[str] = set()
    external = [v for v in external if not (v.iri in seen or seen.add(v.iri))]
    provenance = [s.value for s in by_predicate.get(PROV_DERIVED, [])]
    return Description(iri, names.get(iri, local_name(iri)), types, description,
                       outgoing, incoming, external, provenance)


def _group(rows: list[tuple], names: dict[str, str], graph_prefix: str,
           prefixes: dict[str, str]) -> list[tuple[Value, list[Statement]]]:
    """Statements grouped by property (rdf:type first), one per value, graphs merged."""
    merged: dict[tuple[str, str], Statement] = {}
    for predicate, term, graph in rows:
        key = (predicate.value, str(term))
        if key not in merged:
            merged[key] = Statement(_value(predicate, names, prefixes), _value(term, names, prefixes))
        short = graph.value[len(graph_prefix):] if graph.value.startswith(graph_prefix) else graph.value
        if short not in merged[key].graphs:
            merged[key].graphs.append(short)
    groups: dict[str, list[Statement]] = {}
    for (predicate, _), statement in merged.items():
        groups.setdefault(predicate, []).append(statement)
    order = sorted(groups, key=lambda p: (p != RDF_TYPE, groups[p][0].predicate.curie or p))
    return [(groups[p][0].predicate,
             sorted(groups[p], key=lambda s: (s.value.shown.lower(), s.value.iri or "", s.value.text)))
            for p in order]  # ties broken by IRI: the same page whatever order the engine answers in


def _value(term, names: dict[str, str], prefixes: dict[str, str]) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value(term.value, iri=term.value, label=names.get(term.value) or local_name(term.value),
                     curie=curie(term.value, prefixes))
    if isinstance(term, ox.BlankNode):
        return Value(f"_:{term.value}")
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype else None
        if datatype in ("http://www.w3.org/2001/XMLSchema#string",
                        "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"):
            datatype = None
        return Value(term.value, datatype=datatype, language=term.language)
    return Value(str(term))


def to_value(term, prefixes: dict[str, str]) -> Value | None:
    """A query result's term as a Value for display (IRIs labelled by their CURIE)."""
    if term is None:
        return None
    value = _value(term, {}, prefixes)
    if value.iri:
        value.label = value.curie or value.iri
    return value


def triples(kg: KnowledgeGraph, iri: str) -> list:
    """The RDF a client gets for a resource: its statements both ways, inferred ones included."""
    return kg.triples(f"CONSTRUCT {{ <{iri}> ?p ?o . ?s ?q <{iri}> }} WHERE {{ GRAPH ?g {{ "
                      f"{{ <{iri}> ?p ?o }} UNION {{ ?s ?q <{iri}> }} }} {_history_filter(iri)} }}")


def instances(kg: KnowledgeGraph, class_iri: str, offset: int, size: int) -> tuple[list[Value], int]:
    """One page of the members of a class, sorted by label, and how many there are in all."""
    total = int(kg.select(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{class_iri}> }}")[0]["n"].value)
    props = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    rows = kg.select(
        f"SELECT ?s (MIN(?l) AS ?label) WHERE {{ ?s a <{class_iri}> "
        f"OPTIONAL {{ VALUES ?p {{ {props} }} ?s ?p ?l }} }} GROUP BY ?s "
        f"ORDER BY LCASE(COALESCE(MIN(STR(?l)), STR(?s))) ?s LIMIT {int(size)} OFFSET {int(offset)}")
    # MIN(STR(?l)), not MIN(?l): Virtuoso cannot LCASE an aggregated literal (error SR586).
    values = []
    for row in rows:
        if isinstance(row["s"], ox.NamedNode):
            text = row["label"].value if row.get("label") is not None else local_name(row["s"].value)
            values.append(Value(row["s"].value, iri=row["s"].value, label=text))
    return values, total
