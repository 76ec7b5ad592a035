"""What changed between two releases: entities added, removed, merged and changed, and the
curated changes that made it.

The diff is made on the asserted quads (the graphs a release dumps), entity by
entity: an entity is an IRI under `<base>/id/` that is the subject of a
statement. A changed entity lists, per property, the values it lost and the
values it gained. A removed entity is *merged* when the new release says where
it went (`dcterms:isReplacedBy`, `owl:sameAs`) or when one of its external
identifiers (`schema:sameAs`, `skos:exactMatch` to ROR, Wikidata...) now
belongs to another entity: that is how a merge looks in Wikidata and ROR.

The curated changes are read from the changeset graphs of the curation
contract (`<base>/graph/change/<id>`, PROV-O; see docs/releases.md): every
changeset that ended after the previous release was issued, with its curator,
source, comment and the entities its statements touch.

Values are kept as N-Triples terms (strings), so a changelog is plain data
that goes to JSON, Markdown and RDF alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox

from ..kg import KnowledgeGraph
from ..namespaces import change_graph_iri, graph_kind

SAME_AS = ("https://schema.org/sameAs", "http://www.w3.org/2004/02/skos/core#exactMatch")
REPLACED_BY = ("http://purl.org/dc/terms/isReplacedBy", "http://www.w3.org/2002/07/owl#sameAs")


@dataclass
class PropertyChange:
    property: str
    old: list[str]  # N-Triples terms the entity lost
    new: list[str]  # ... and gained


@dataclass
class ChangedEntity:
    iri: str
    label: str
    properties: list[PropertyChange]


@dataclass
class Changeset:
    """One curated change, as the write path records it (the curation contract)."""

    iri: str
    ended: str
    curator: str | None = None
    curator_name: str | None = None
    source: str | None = None
    comment: str | None = None
    reverts: str | None = None
    entities: list[str] = field(default_factory=list)


@dataclass
class Changelog:
    previous: str | None
    added: list[tuple[str, str]] = field(default_factory=list)  # (iri, label)
    removed: list[tuple[str, str]] = field(default_factory=list)
    merged: list[tuple[str, str]] = field(default_factory=list)  # (old iri, the iri it went into)
    changed: list[ChangedEntity] = field(default_factory=list)
    changesets: list[Changeset] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "removed": len(self.removed), "merged": len(self.merged),
                "changed": len(self.changed), "changesets": len(self.changesets)}

    @classmethod
    def from_json(cls, data: dict) -> Changelog:
        return cls(
            previous=data["previous"],
            added=[tuple(x) for x in data["added"]], removed=[tuple(x) for x in data["removed"]],
            merged=[tuple(x) for x in data["merged"]],
            changed=[ChangedEntity(c["iri"], c["label"], [PropertyChange(**p) for p in c["properties"]])
                     for c in data["changed"]],
            changesets=[Changeset(**c) for c in data["changesets"]])


# ------------------------------------------------------------------ the diff


def diff(old: Iterable[ox.Quad], new: Iterable[ox.Quad], base: str, previous: str | None) -> Changelog:
    """Entities added, removed, merged and changed from `old` to `new` (graphs are ignored)."""
    before, after = _by_entity(old, base), _by_entity(new, base)
    labels = {**_labels(before), **_labels(after)}
    gone = sorted(set(before) - set(after))
    merged_into = _merges(gone, before, after)
    log = Changelog(previous)
    log.added = [(iri, labels.get(iri, iri)) for iri in sorted(set(after) - set(before))]
    log.removed = [(iri, labels.get(iri, iri)) for iri in gone if iri not in merged_into]
    log.merged = sorted(merged_into.items())
    for iri in sorted(set(before) & set(after) - set(merged_into)):
        properties = _property_changes(before[iri], after[iri])
        if properties:
            log.changed.append(ChangedEntity(iri, labels.get(iri, iri), properties))
    return log


def _by_entity(quads: Iterable[ox.Quad], base: str) -> dict[str, set[tuple[str, str]]]:
    """{entity IRI: {(property, N-Triples value)}} over every graph given."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    prefix = base + "/id/"
    for quad in quads:
        subject = quad.subject
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(prefix):
            found[subject.value].add((quad.predicate.value, str(quad.object)))
    return found


def _labels(entities: dict[str, set[tuple[str, str]]]) -> dict[str, str]:
    from ..publish.describe import LABEL_PROPERTIES

    best = {}
    for iri, statements in entities.items():
        named = sorted((LABEL_PROPERTIES.index(p), term_text(v)) for p, v in statements
                       if p in LABEL_PROPERTIES)
        if named:
            best[iri] = named[0][1]
    return best


def _merges(gone: list[str], before: dict, after: dict) -> dict[str, str]:
    """{removed entity: the entity it went into}, by a replacement link or a moved identifier."""
    owners: dict[str, str] = {}
    replaced: dict[str, str] = {}
    for iri, statements in after.items():
        for prop, value in statements:
            if prop in SAME_AS:
                owners.setdefault(value, iri)
            if prop in REPLACED_BY and value.startswith("<"):
                replaced.setdefault(iri, value[1:-1])
    merged = {}
    for iri in gone:
        identifiers = sorted(v for p, v in before[iri] if p in SAME_AS)
        target = next((owners[v] for v in identifiers if v in owners and owners[v] != iri), None)
        if target:
            merged[iri] = target
    # an entity kept only as a pointer to its replacement is merged too
    for iri, target in replaced.items():
        if iri in before and {p for p, _ in after[iri]} <= set(REPLACED_BY):
            merged[iri] = target
    return merged


def _property_changes(old: set[tuple[str, str]], new: set[tuple[str, str]]) -> list[PropertyChange]:
    lost: dict[str, list[str]] = defaultdict(list)
    gained: dict[str, list[str]] = defaultdict(list)
    for prop, value in sorted(old - new):
        lost[prop].append(value)
    for prop, value in sorted(new - old):
        gained[prop].append(value)
    return [PropertyChange(prop, lost.get(prop, []), gained.get(prop, []))
            for prop in sorted(set(lost) | set(gained))]


def term_text(nt: str) -> str:
    """A value for people: an IRI as is, a literal's lexical form."""
    term = parse_term(nt)
    return term.value


def parse_term(nt: str) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """An N-Triples term back as an Oxigraph term."""
    statement = f"<urn:x:s> <urn:x:p> {nt} .".encode()
    return next(iter(ox.parse(statement, format=ox.RdfFormat.N_TRIPLES))).object


# ------------------------------------------------------------------ curated changes


def changesets(kg: KnowledgeGraph, released: set[str]) -> list[Changeset]:
    """Every changeset not in an earlier release (`released`: their IRIs), oldest first.

    By IRI rather than by time, so a change made in the same second as a release
    is neither lost nor listed twice."""
    prefix = change_graph_iri(kg.base, "")
    rows = kg.select(f"""
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>
        PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX mha: <{kg.base}/def/>
        SELECT ?g ?change ?ended ?curator ?name ?source ?comment ?reverts WHERE {{
          GRAPH ?g {{
            ?change a mha:Changeset ; prov:endedAtTime ?ended .
            OPTIONAL {{ ?change prov:wasAssociatedWith ?curator OPTIONAL {{ ?curator foaf:name ?name }} }}
            OPTIONAL {{ ?change dcterms:source ?source }}
            OPTIONAL {{ ?change rdfs:comment ?comment }}
            OPTIONAL {{ ?change mha:reverts ?reverts }}
          }}
          FILTER(STRSTARTS(STR(?g), "{prefix}"))
        }} ORDER BY ?ended ?change""")
    touched = _touched_entities(kg, prefix)
    found: dict[str, Changeset] = {}
    for row in rows:
        iri, ended = row["change"].value, row["ended"].value
        if iri in found or iri in released or graph_kind(kg.base, row["g"].value) != "change":
            continue
        found[iri] = Changeset(iri, ended, *(_value(row.get(k)) for k in
                                             ("curator", "name", "source", "comment", "reverts")),
                               entities=touched.get(iri, []))
    return sorted(found.values(), key=lambda c: (_instant(c.ended), c.iri))


def _touched_entities(kg: KnowledgeGraph, prefix: str) -> dict[str, list[str]]:
    rows = kg.select(f"""
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> PREFIX mha: <{kg.base}/def/>
        SELECT DISTINCT ?change ?subject WHERE {{
          GRAPH ?g {{ ?change mha:added|mha:removed ?statement . ?statement rdf:subject ?subject }}
          FILTER(STRSTARTS(STR(?g), "{prefix}"))
        }} ORDER BY ?change ?subject""")
    touched: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        touched[row["change"].value].append(row["subject"].value)
    return touched


def _value(term) -> str | None:
    return term.value if term is not None else None


def _instant(text: str) -> datetime:
    """An xsd:dateTime as an aware datetime (a value without a zone is taken as UTC)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ------------------------------------------------------------------ for people and machines


def markdown(log: Changelog, title: str, version: str, issued: str, prefixes: dict[str, str]) -> str:
    """The changelog people read: a summary, the curated changes, then entity by entity."""
    counts = log.counts()
    since = f"since {log.previous}" if log.previous else "(the first release)"
    lines = [f"# {title} {version}: changes {since}", "",
             f"Issued {issued}. {counts['added']} entities added, {counts['removed']} removed, "
             f"{counts['merged']} merged, {counts['changed']} changed; "
             f"{counts['changesets']} curated change(s).", ""]
    if log.changesets:
        lines += ["## Curated changes", ""]
        for change in log.changesets:
            who = change.curator_name or change.curator or "unknown curator"
            lines.append(f"- {change.ended}, **{who}**" + (f" ({change.curator})" if change.curator else "")
                         + f": {change.comment or 'no comment'}. Source: {change.source or 'none given'}."
                         + (f" Reverts {change.reverts}." if change.reverts else "")
                         + (" Entities: " + ", ".join(f"<{e}>" for e in change.entities) + "."
                            if change.entities else "") + f" ({change.iri})")
        lines.append("")
    if log.previous is None:
        lines += ["Every entity is new in a first release; `changelog.ttl` lists them.", ""]
    for heading, entries in (("Added", log.added if log.previous else []), ("Removed", log.removed)):
        if entries:
            lines += [f"## {heading}", ""] + [f"- {label} <{iri}>" for iri, label in entries] + [""]
    if log.merged:
        lines += ["## Merged", ""] + [f"- <{old}> into <{new}>" for old, new in log.merged] + [""]
    if log.changed:
        lines += ["## Changed", ""]
        for entity in log.changed:
            lines += [f"### {entity.label} <{entity.iri}>", "", "| property | old | new |", "|---|---|---|"]
            for change in entity.properties:
                lines.append(f"| {_short(change.property, prefixes)} | {_cell(change.old, prefixes)} | "
                             f"{_cell(change.new, prefixes)} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _short(iri: str, prefixes: dict[str, str]) -> str:
    from ..publish.describe import curie

    return f"`{curie(iri, prefixes) or iri}`"


def _cell(values: list[str], prefixes: dict[str, str]) -> str:
    shown = []
    for nt in values:
        term = parse_term(nt)
        text = _short(term.value, prefixes) if isinstance(term, ox.NamedNode) else term.value
        shown.append(text.replace("|", "\\|").replace("\n", " "))
    return "; ".join(shown) or "(none)"


def rdf(log: Changelog, release: str, base: str, prefixes: dict[str, str]) -> bytes:
    """The changelog machines read, in Turtle: the release IRI carries what changed since the
    previous one; each changed value is an `rdf:Statement` under `mha:added` / `mha:removed`,
    as in the changesets, and the curated changes come with their curator, source and comment."""
    mha = f"{base}/def/"
    subject = ox.NamedNode(release)
    triples: list[ox.Triple] = []

    def add(s, p: str, o) -> None:
        triples.append(ox.Triple(s, ox.NamedNode(p), o))

    for key, entries in (("addedEntity", log.added), ("removedEntity", log.removed)):
        for iri, _ in entries:
            add(subject, mha + key, ox.NamedNode(iri))
    for old, new in log.merged:
        add(subject, mha + "mergedEntity", ox.NamedNode(old))
        add(ox.NamedNode(old), "http://purl.org/dc/terms/isReplacedBy", ox.NamedNode(new))
    for entity in log.changed:
        add(subject, mha + "changedEntity", ox.NamedNode(entity.iri))
        for change in entity.properties:
            for key, values in (("removed", change.old), ("added", change.new)):
                for value in values:
                    node = ox.BlankNode()
                    add(subject, mha + key, node)
                    add(node, RDF + "type", ox.NamedNode(RDF + "Statement"))
                    add(node, RDF + "subject", ox.NamedNode(entity.iri))
                    add(node, RDF + "predicate", ox.NamedNode(change.property))
                    add(node, RDF + "object", parse_term(value))
    for change in log.changesets:
        _changeset_triples(change, subject, mha, add)
    return _pretty_turtle(triples, prefixes, f"# What changed in <{release}> since "
                          f"{log.previous or 'nothing (the first release)'}: entities added, removed, merged "
                          "and changed, each changed value as an rdf:Statement, and the curated changes.\n")


def _pretty_turtle(triples: list[ox.Triple], prefixes: dict[str, str], heading: str) -> bytes:
    """Turtle as people write it (rdflib groups subjects and nests statements), with a heading."""
    from rdflib import Graph

    graph = Graph()
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace)
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return heading.encode() + graph.serialize(format="turtle").encode()


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PROV = "http://www.w3.org/ns/prov#"


def _changeset_triples(change: Changeset, release: ox.NamedNode, mha: str, add) -> None:
    node = ox.NamedNode(change.iri)
    add(release, PROV + "wasInfluencedBy", node)
    add(node, RDF + "type", ox.NamedNode(PROV + "Activity"))
    add(node, RDF + "type", ox.NamedNode(mha + "Changeset"))
    add(node, PROV + "endedAtTime",
        ox.Literal(change.ended, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")))
    if change.curator:
        curator = ox.NamedNode(change.curator)
        add(node, PROV + "wasAssociatedWith", curator)
        add(curator, RDF + "type", ox.NamedNode(PROV + "Agent"))
        if change.curator_name:
            add(curator, "http://xmlns.com/foaf/0.1/name", ox.Literal(change.curator_name))
    if change.source:
        source = ox.NamedNode(change.source) if change.source.startswith(("http://", "https://")) \
            else ox.Literal(change.source)
        add(node, "http://purl.org/dc/terms/source", source)
    if change.comment:
        add(node, "http://www.w3.org/2000/01/rdf-schema#comment", ox.Literal(change.comment))
    if change.reverts:
        add(node, mha + "reverts", ox.NamedNode(change.reverts))
