"""Changesets read back: history per entity, recent changes, one change, readable diffs.

Every accepted change is kept in its own named graph `<base>/graph/change/<id>`
in PROV-O terms (the contract; written by `build.changesets` through
`curate.writes.commit_change`, in the same commit as the data change). This
module is the curation editor's side: a curator's change (`Proposed`) goes
to `writes.commit_change` with its source and comment, and the history is
read with SPARQL over the change graphs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..errors import KGError, bad_request, not_found
from ..kg import KnowledgeGraph
from ..namespaces import CHANGE_ID, change_iri
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

    def to_json(self) -> dict:
        def rows(statements):
            return [{"subject": s.subject.value, "predicate": s.predicate.value, "object": s.object.value,
                     "object_is_iri": isinstance(s.object, ox.NamedNode),
                     "datatype": getattr(getattr(s.object, "datatype", None), "value", None),
                     "language": getattr(s.object, "language", None), "graph": s.graph} for s in statements]
        return {"ok": True, "id": self.id, "iri": self.iri, "curator": self.curator,
                "ended": self.ended, "source": self.source, "comment": self.comment,
                "reverts": self.reverts, "added": rows(self.added), "removed": rows(self.removed)}


# ------------------------------------------------------------------ committing


def check_change_id(change_id: str) -> str:
    if not CHANGE_ID.fullmatch(change_id):
        raise bad_request(f"change id {change_id!r} is not slug-safe (letters, digits, - and _)")
    return change_id


#: Why a curator's change is refused before anything else: every change says where it comes from and why.
MISSING_SOURCE = "Say where this comes from: a web address or a note (the Source field)."
MISSING_COMMENT = "Say what you changed and why, for the history (the Comment field)."


def commit(kg: KnowledgeGraph, proposed: Proposed) -> Changeset:
    """Validate and commit the change with its changeset (writes.commit_change); a retry with the
    same change id answers the original. A change without its source or its comment is refused
    (400), and so is one that changes nothing. The changeset names the curator by their own slug."""
    from . import writes

    if not proposed.source.strip():
        raise bad_request(MISSING_SOURCE)
    if not proposed.comment.strip():
        raise bad_request(MISSING_COMMENT)
    meta = writes.Meta(curator=proposed.curator.name, curator_slug=proposed.curator.slug,
                       source=proposed.source.strip(), comment=proposed.comment.strip(),
                       reverts=proposed.reverts)
    change_id = check_change_id(proposed.change_id) if proposed.change_id else None
    if proposed.reverts:
        done = writes.revert(kg, proposed.reverts, meta, change_id)
    else:
        done = writes.commit_change(kg, proposed.added, proposed.removed, meta, change_id)
    if done.change_id is None:
        raise bad_request("nothing to change: the graph already says exactly this")
    found = get(kg, done.change_id)
    if found is None:
        raise KGError(f"change {done.change_id} was committed but its history is not readable", 500)
    return found


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
        number = r["st"].value.rsplit("-", 1)[-1]
        by_change[r["change"].value][kind].append(
            (int(number) if number.isdigit() else 0, Statement(r["s"], r["p"], r["o"], r["graph"].value)))
    for c in changesets:
        c.added = [s for _, s in sorted(by_change[c.iri]["added"], key=lambda pair: pair[0])]
        c.removed = [s for _, s in sorted(by_change[c.iri]["removed"], key=lambda pair: pair[0])]


# ------------------------------------------------------------------ revert and diffs


def revert(kg: KnowledgeGraph, change_id: str, curator: Curator, source: str, comment: str) -> Changeset:
    """A new changeset that removes what the change added and adds back what it removed."""
    require(kg, change_id)
    return commit(kg, Proposed(curator=curator, source=source, reverts=change_id,
                               comment=comment or f"Revert change {change_id}"))


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

