"""Changesets: one curated change and its history, as a PROV-O named graph.

The contract agreed between the writes, curation and release work: each
accepted change is kept in its own graph `<base>/graph/change/<id>`, whose
subject `<base>/id/change/<id>` is a `prov:Activity` and `mha:Changeset`
associated with its curator, ended at a UTC time, with its source and
comment, and with one `rdf:Statement` per triple added (`mha:added`) or
removed (`mha:removed`), each naming the graph it was in (`mha:graph`). A
revert is a new changeset with `mha:reverts`.

The graph is all there is to a change: `curate.writes` writes it, and the
build reads back the statements to re-apply the changes not yet written
back over the input files (`apply`). Both directions live here, in the
build stage, because the build is the one that must read them at every start.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .. import namespaces
from ..errors import KGError
from ..namespaces import all_prefixes, change_graph_iri, change_iri, curator_iri

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCTERMS = "http://purl.org/dc/terms/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")


@dataclass(frozen=True)
class Meta:
    """What a curator says about a change; all but the curator's name optional."""

    curator: str = "Curator"
    source: str | None = None  # a URL becomes an IRI, anything else a literal note
    comment: str | None = None
    reverts: str | None = None  # the id of the change this one undoes
    curator_slug: str | None = None  # the curator's own slug (curators file); else one from the name


@dataclass(frozen=True)
class Delta:
    """A change as data: the quads it added and removed, each in its graph."""

    added: tuple[ox.Quad, ...]
    removed: tuple[ox.Quad, ...]


def slug(text: str) -> str:
    """A curator's name as a slug for their IRI, when the change names no slug of its own (a write
    with the write token): the editor's curators have unique slugs (curate/curators.py).

    >>> slug("Ada  Lovelace (MHA)")
    'ada-lovelace-mha'
    """
    return namespaces.slug(text) or "curator"


def quads(base: str, change_id: str, delta: Delta, meta: Meta, ended: str) -> list[ox.Quad]:
    """The changeset graph of one change (`ended`: an xsd:dateTime in UTC, ending in Z)."""
    graph = ox.NamedNode(change_graph_iri(base, change_id))
    change = ox.NamedNode(change_iri(base, change_id))
    curator = ox.NamedNode(curator_iri(base, meta.curator_slug or slug(meta.curator)))
    mha = f"{base}/def/"
    out = [
        (change, RDF + "type", ox.NamedNode(PROV + "Activity")),
        (change, RDF + "type", ox.NamedNode(mha + "Changeset")),
        (change, PROV + "wasAssociatedWith", curator),
        (change, PROV + "endedAtTime", ox.Literal(ended, datatype=XSD_DATETIME)),
        (curator, RDF + "type", ox.NamedNode(PROV + "Agent")),
        (curator, RDF + "type", ox.NamedNode(FOAF + "Person")),
        (curator, FOAF + "name", ox.Literal(meta.curator)),
    ]
    if meta.source:
        source = ox.NamedNode(meta.source) if re.fullmatch(r"https?://\S+", meta.source) \
            else ox.Literal(meta.source)
        out.append((change, DCTERMS + "source", source))
    if meta.comment:
        out.append((change, RDFS + "comment", ox.Literal(meta.comment)))
    if meta.reverts:
        out.append((change, mha + "reverts", ox.NamedNode(change_iri(base, meta.reverts))))
    for kind, items in (("added", delta.added), ("removed", delta.removed)):
        for number, quad in enumerate(sorted(items, key=str), start=1):
            statement = ox.NamedNode(f"{change.value}/{kind}-{number}")
            out += [
                (change, mha + kind, statement),
                (statement, RDF + "type", ox.NamedNode(RDF + "Statement")),
                (statement, RDF + "subject", quad.subject),
                (statement, RDF + "predicate", quad.predicate),
                (statement, RDF + "object", quad.object),
                (statement, mha + "graph", quad.graph_name),
            ]
    return [ox.Quad(s, p if isinstance(p, ox.NamedNode) else ox.NamedNode(p), o, graph)
            for s, p, o in out]


def delta(change_quads: Iterable[ox.Quad], base: str) -> Delta:
    """The added and removed quads a changeset graph records (what `quads` wrote, read back)."""
    mha = f"{base}/def/"
    by_subject: dict[str, dict[str, ox.Quad]] = defaultdict(dict)
    links: dict[str, list] = {"added": [], "removed": []}
    for quad in change_quads:
        predicate = quad.predicate.value
        if predicate in (mha + "added", mha + "removed"):
            links[predicate[len(mha):]].append(quad.object)
        elif predicate in (RDF + "subject", RDF + "predicate", RDF + "object", mha + "graph"):
            by_subject[quad.subject.value][predicate] = quad.object
    found = {}
    for kind, statements in links.items():
        items = []
        for statement in statements:
            parts = by_subject.get(statement.value, {})
            try:
                items.append(ox.Quad(parts[RDF + "subject"], parts[RDF + "predicate"],
                                     parts[RDF + "object"], parts[mha + "graph"]))
            except (KeyError, TypeError, ValueError):
                raise KGError(f"changeset statement <{statement.value}> is incomplete") from None
        found[kind] = tuple(items)
    return Delta(found["added"], found["removed"])


def read(path: Path) -> list[ox.Quad]:
    """A changeset file (TriG): its quads, or a one-line error naming the file."""
    try:
        return list(ox.parse(path.read_bytes(), format=ox.RdfFormat.TRIG))
    except (OSError, SyntaxError, ValueError) as exc:
        raise KGError(f"{path}: not a readable changeset: {' '.join(str(exc).split())[:200]}") from None


def to_trig(change_quads: list[ox.Quad], base: str) -> bytes:
    """The changeset graph as TriG that people read (the project's prefixes, grouped
    subjects), written by Oxigraph so that it reads back to exactly the same terms."""
    graph = change_quads[0].graph_name.value if change_quads else ""
    offered = {**all_prefixes(base), "change": f"{base}/id/change/", "curator": f"{base}/id/curator/",
               "this": change_iri(base, graph.rsplit("/", 1)[-1]) + "/"}
    used = {t.value for q in change_quads for t in (q.subject, q.predicate, q.object, q.graph_name)
            if isinstance(t, ox.NamedNode)} | {q.object.datatype.value for q in change_quads
                                               if isinstance(q.object, ox.Literal)}
    prefixes = {p: ns for p, ns in offered.items()
                if any(iri.startswith(ns) and "/" not in iri[len(ns):] for iri in used)}
    body = ox.serialize(sorted(change_quads, key=str), format=ox.RdfFormat.TRIG, prefixes=prefixes)
    return b"# One curated change and its history (PROV-O), written by mha-kg.\n\n" + body
