"""Changesets: every accepted change with who, when, source, comment and its exact triples.

A changeset lives in its own named graph `<base>/graph/change/<id>`, in
PROV-O terms (the contract in docs/curating.md): the activity
`<base>/id/change/<id>` (`prov:Activity`, `mha:Changeset`) was associated with
a curator (`prov:Agent`, `foaf:Person`, `foaf:name`), ended at a UTC time,
has a `dcterms:source` (an IRI for a URL, else a note) and an `rdfs:comment`,
and links by `mha:added` / `mha:removed` one `rdf:Statement` per triple
(`rdf:subject`, `rdf:predicate`, `rdf:object`, `mha:graph`). Statement nodes
have IRIs (`<change>/statement/<n>`), not blank nodes, so writeback can match
them. A revert is a new changeset with `mha:reverts`.

The change graph is committed with the data change it describes, in one
commit (`_commit`), and is never validated as data nor given to OWL-RL
(`namespaces.graph_kind`).
"""

from __future__ import annotations

import re
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox

from ..errors import KGError, bad_request, not_found
from ..kg import KnowledgeGraph
from ..namespaces import (
    CHANGE_ID_PATTERN,
    change_graph_iri,
    change_iri,
    curator_iri,
    graph_iri,
    is_change_graph,
)
from ..publish import describe
from .curators import Curator

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"

_PREFIXES = (f"PREFIX rdf: <{RDF}> PREFIX rdfs: <{RDFS}> PREFIX prov: <{PROV}> "
             f"PREFIX foaf: <{FOAF}> PREFIX dcterms: <{DCTERMS}> ")


@dataclass
class Proposed:
    """A change as a curator asks for it: triples to add and remove, and why."""

    curator: Curator
    source: str
    comment: str
    added: list[ox.Quad] = field(default_factory=list)
    removed: list[ox.Quad] = field(default_factory=list)
    change_id: str | None = None
    reverts: str | None = None  # the id of the change this one undoes


@dataclass
class Statement:
    subject: ox.NamedNode
    predicate: ox.NamedNode
    object: object
    graph: str

    @property
    def quad(self) -> ox.Quad:
        return ox.Quad(self.subject, self.predicate, self.object, ox.NamedNode(self.graph))


@dataclass
class Changeset:
    id: str
    iri: str
    curator: str
    curator_iri: str
    ended: str
    source: str
    comment: str
    reverts: str | None = None
    added: list[Statement] = field(default_factory=list)
    removed: list[Statement] = field(default_factory=list)

    def subjects(self) -> list[str]:
        return sorted({s.subject.value for s in [*self.added, *self.removed]})

    def to_json(self) -> dict:
        def rows(statements):
            return [{"subject": s.subject.value, "predicate": s.predicate.value, "object": s.object.value,
                     "object_is_iri": isinstance(s.object, ox.NamedNode),
                     "datatype": getattr(getattr(s.object, "datatype", None), "value", None),
                     "language": getattr(s.object, "language", None), "graph": s.graph} for s in statements]
        return {"ok": True, "id": self.id, "iri": self.iri, "curator": self.curator,
                "ended": self.ended, "source": self.source, "comment": self.comment,
                "reverts": self.reverts, "added": rows(self.added), "removed": rows(self.removed)}


# ------------------------------------------------------------------ building a changeset


def new_change_id() -> str:
    """A UTC timestamp plus a short random part: sortable, slug-safe, unique in practice."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


def check_change_id(change_id: str) -> str:
    if not re.fullmatch(CHANGE_ID_PATTERN, change_id):
        raise bad_request(f"change id {change_id!r} is not slug-safe (letters, digits, - _ .)")
    return change_id


def changeset_quads(base: str, proposed: Proposed, change_id: str, ended: str) -> list[ox.Quad]:
    """The changeset's own graph, in PROV-O terms."""
    graph = ox.NamedNode(change_graph_iri(base, change_id))
    change = ox.NamedNode(change_iri(base, change_id))
    agent = ox.NamedNode(curator_iri(base, proposed.curator.slug))
    mha = f"{base}/def/"

    def q(s, p, o) -> ox.Quad:
        return ox.Quad(s, ox.NamedNode(p), o, graph)

    source = proposed.source.strip()
    quads = [
        q(change, RDF + "type", ox.NamedNode(PROV + "Activity")),
        q(change, RDF + "type", ox.NamedNode(mha + "Changeset")),
        q(change, PROV + "wasAssociatedWith", agent),
        q(change, PROV + "endedAtTime", ox.Literal(ended, datatype=ox.NamedNode(XSD + "dateTime"))),
        q(change, DCTERMS + "source", ox.NamedNode(source) if is_url(source) else ox.Literal(source)),
        q(agent, RDF + "type", ox.NamedNode(PROV + "Agent")),
        q(agent, RDF + "type", ox.NamedNode(FOAF + "Person")),
        q(agent, FOAF + "name", ox.Literal(proposed.curator.name)),
    ]
    if proposed.comment.strip():
        quads.append(q(change, RDFS + "comment", ox.Literal(proposed.comment.strip())))
    if proposed.reverts:
        quads.append(q(change, mha + "reverts", ox.NamedNode(change_iri(base, proposed.reverts))))
    n = 0
    for kind, statements in (("added", proposed.added), ("removed", proposed.removed)):
        for quad in sorted(statements, key=str):
            n += 1
            node = ox.NamedNode(f"{change.value}/statement/{n}")
            quads += [q(change, mha + kind, node),
                      q(node, RDF + "type", ox.NamedNode(RDF + "Statement")),
                      q(node, RDF + "subject", quad.subject),
                      q(node, RDF + "predicate", quad.predicate),
                      q(node, RDF + "object", quad.object),
                      q(node, mha + "graph", quad.graph_name)]
    return quads


def is_url(text: str) -> bool:
    return re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", text) is not None


# ------------------------------------------------------------------ committing


def commit(kg: KnowledgeGraph, proposed: Proposed) -> Changeset:
    """Validate and commit the change with its changeset, atomically; a retry answers the original.

    Refused (writes.Invalid, 422) when the result breaks a shape; a change
    that adds nothing new and removes nothing present is refused too (400),
    so history never records empty changes.
    """
    if not proposed.source.strip():
        raise bad_request("every change needs its source: a URL or a note")
    change_id = check_change_id(proposed.change_id) if proposed.change_id else new_change_id()
    earlier = get(kg, change_id)
    if earlier is not None:
        return earlier
    proposed.added = [q for q in proposed.added if q not in set(proposed.removed)]
    present = set(_present(kg, [*proposed.added, *proposed.removed]))
    proposed.added = sorted({q for q in proposed.added if q not in present}, key=str)
    proposed.removed = sorted({q for q in proposed.removed if q in present}, key=str)
    if not proposed.added and not proposed.removed:
        raise bad_request("nothing to change: the graph already says exactly this")
    ended = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    history = changeset_quads(kg.base, proposed, change_id, ended)
    _commit(kg, proposed.added, proposed.removed, history)
    found = get(kg, change_id)
    assert found is not None, "a committed changeset is readable"
    return found


def _present(kg: KnowledgeGraph, quads: list[ox.Quad]) -> list[ox.Quad]:
    """Which of these quads the graph holds now."""
    if not quads:
        return []
    values = " ".join(f"({q.subject} {q.predicate} {q.object} {q.graph_name})" for q in quads)
    rows = kg.select(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?p ?o ?g) {{ {values} }} "
                     "GRAPH ?g { ?s ?p ?o } }")
    return [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]


def _commit(kg: KnowledgeGraph, added: list[ox.Quad], removed: list[ox.Quad],
            history: list[ox.Quad]) -> None:
    """One commit of data and history.

    Stop-gap until the write path's own commit API (branch `writes`) lands:
    it reuses writes.py's lock, validation, overlay and store switch, and
    validates only the standard graphs (change graphs are history, not data).
    """
    from . import scoped, writes

    if kg.build is None or getattr(kg, "inputs", None) is None:
        raise KGError("changes need the embedded store built from the project's files", 400)
    with writes._LOCK:
        before = writes._asserted(kg)
        after = (set(before) - set(removed)) | set(added) | set(history)
        data = [q for q in after if not is_change_graph(kg.base, q.graph_name.value)]
        scoped.check_change(kg, data, added, removed)
        overlay = writes.save_overlay(kg.settings, kg.inputs, sorted(after, key=str))
        writes._switch(kg, writes.overlay_inputs(kg.inputs, overlay))


# ------------------------------------------------------------------ reading history


def get(kg: KnowledgeGraph, change_id: str) -> Changeset | None:
    found = _changesets(kg, f"VALUES ?change {{ <{change_iri(kg.base, change_id)}> }}", limit=1)
    return found[0] if found else None


def require(kg: KnowledgeGraph, change_id: str) -> Changeset:
    found = get(kg, check_change_id(change_id))
    if found is None:
        raise not_found(f"no change with id {change_id}")
    return found


def recent(kg: KnowledgeGraph, limit: int = 50) -> list[Changeset]:
    return _changesets(kg, "", limit)


def history(kg: KnowledgeGraph, iri: str, limit: int = 200) -> list[Changeset]:
    """The changesets that added or removed a statement about this entity, newest first."""
    return _changesets(kg, f"?change ?kind ?st . ?st rdf:subject <{iri}> . "
                           f"VALUES ?kind {{ <{kg.base}/def/added> <{kg.base}/def/removed> }}", limit)


def _changesets(kg: KnowledgeGraph, where: str, limit: int) -> list[Changeset]:
    mha = f"{kg.base}/def/"
    rows = kg.select(
        _PREFIXES + "SELECT DISTINCT ?change ?who ?name ?ended ?source ?comment ?reverts WHERE { "
        f"GRAPH ?g {{ ?change a <{mha}Changeset> ; prov:endedAtTime ?ended ; prov:wasAssociatedWith ?who . "
        f"?who foaf:name ?name . {where} "
        "OPTIONAL { ?change dcterms:source ?source } OPTIONAL { ?change rdfs:comment ?comment } "
        f"OPTIONAL {{ ?change <{mha}reverts> ?reverts }} }} }} "
        f"ORDER BY DESC(?ended) DESC(?change) LIMIT {int(limit)}")
    found = [Changeset(
        id=r["change"].value.rsplit("/", 1)[-1], iri=r["change"].value, curator=r["name"].value,
        curator_iri=r["who"].value, ended=r["ended"].value,
        source=r["source"].value if r.get("source") is not None else "",
        comment=r["comment"].value if r.get("comment") is not None else "",
        reverts=r["reverts"].value.rsplit("/", 1)[-1] if r.get("reverts") is not None else None)
        for r in rows]
    _attach_statements(kg, found)
    return found


def _attach_statements(kg: KnowledgeGraph, changesets: list[Changeset]) -> None:
    if not changesets:
        return
    mha = f"{kg.base}/def/"
    values = " ".join(f"<{c.iri}>" for c in changesets)
    rows = kg.select(
        _PREFIXES + f"SELECT ?change ?kind ?st ?s ?p ?o ?graph WHERE {{ VALUES ?change {{ {values} }} "
        f"VALUES ?kind {{ <{mha}added> <{mha}removed> }} GRAPH ?g {{ ?change ?kind ?st . "
        f"?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; <{mha}graph> ?graph }} }}")
    by_change: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        kind = "added" if r["kind"].value.endswith("/added") else "removed"
        by_change[r["change"].value][kind].append(
            (int(r["st"].value.rsplit("/", 1)[-1]),
             Statement(r["s"], r["p"], r["o"], r["graph"].value)))
    for c in changesets:
        c.added = [s for _, s in sorted(by_change[c.iri]["added"], key=lambda pair: pair[0])]
        c.removed = [s for _, s in sorted(by_change[c.iri]["removed"], key=lambda pair: pair[0])]


# ------------------------------------------------------------------ revert and diffs


def revert(kg: KnowledgeGraph, change_id: str, curator: Curator, source: str, comment: str) -> Changeset:
    """A new changeset that removes what the change added and adds back what it removed."""
    original = require(kg, change_id)
    return commit(kg, Proposed(
        curator=curator, source=source, comment=comment or f"Revert change {change_id}",
        added=[s.quad for s in original.removed], removed=[s.quad for s in original.added],
        reverts=change_id))


@dataclass
class DiffLine:
    kind: str  # "added" or "removed"
    subject: describe.Value
    property: describe.Value
    value: describe.Value


def readable(kg: KnowledgeGraph, changeset: Changeset) -> list[DiffLine]:
    """The change's statements with subjects, properties and values by their labels."""
    statements = [("removed", s) for s in changeset.removed] + [("added", s) for s in changeset.added]
    iris = {t.value for _, s in statements for t in (s.subject, s.predicate, s.object)
            if isinstance(t, ox.NamedNode)}
    from .forms import path_names

    names = {**path_names(kg), **describe.labels(kg, iris)}
    prefixes = kg.prefixes

    def value(term) -> describe.Value:
        return describe.labelled_value(term, names, prefixes)

    lines = [DiffLine(kind, value(s.subject), value(s.predicate), value(s.object)) for kind, s in statements]
    return sorted(lines, key=lambda d: (d.subject.label or d.subject.text, d.property.label or "",
                                        d.kind != "removed"))


def data_graph(kg: KnowledgeGraph) -> str:
    return graph_iri(kg.base, "data")
