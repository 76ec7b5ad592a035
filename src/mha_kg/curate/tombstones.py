"""Removing and merging entities without breaking a published IRI.

A removed entity's statements go in a changeset, with its parts' (a list's
items) and, for a list item, the renumbering of its list (lists.py); its IRI then answers 410
Gone with a page saying what it was, when and by which change it went (all
read from the history, so nothing is added to the data). Merging moves the
old entity's links to the kept one, keeps the old one's statements the kept
one has no value for, and leaves `<old> dcterms:isReplacedBy <kept>` in the
data graph: the old IRI redirects to the kept one. No published IRI 404s.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import KGError, bad_request, not_found
from ..kg import KnowledgeGraph
from ..namespaces import graph_iri
from ..publish import describe
from . import changes, lists
from .curators import Curator

DCTERMS_REPLACED_BY = "http://purl.org/dc/terms/isReplacedBy"
_DATA_GRAPHS = ("data", "links", "memberships", "enrichment")


@dataclass
class Gone:
    iri: str
    label: str
    types: list[describe.Value]
    change: changes.Changeset


def asserted_about(kg: KnowledgeGraph, iri: str) -> list[ox.Quad]:
    """Every asserted statement with the entity as subject or object, in the data graphs."""
    graphs = " ".join(f"<{graph_iri(kg.base, n)}>" for n in _DATA_GRAPHS)
    rows = kg.select(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ "
                     f"{{ BIND(<{iri}> AS ?s) ?s ?p ?o }} UNION {{ BIND(<{iri}> AS ?o) ?s ?p ?o }} }} }}")
    return [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]


def remove(kg: KnowledgeGraph, iri: str, who: Curator, source: str, comment: str) -> changes.Changeset:
    """Everything about the entity and its parts (a list's items, an item's sub-lists) goes in one
    change; a list item's list closes the gap (lists.after_removal) in the same change."""
    found = asserted_about(kg, iri)
    if not found:
        raise not_found(f"the graph asserts nothing about {iri}")
    for part in lists.parts(kg, iri):
        found += asserted_about(kg, part)
    added, renumbered = lists.after_removal(kg, iri)
    removed = sorted(set(found) | set(renumbered), key=str)
    return changes.commit(kg, changes.Proposed(who, source, comment, added=added, removed=removed))


def merge(kg: KnowledgeGraph, old: str, kept: str, who: Curator, source: str,
          comment: str) -> changes.Changeset:
    """Fold `old` into `kept`: links move, values `kept` lacks move, `old` is replaced by `kept`."""
    if not kept or kept == old:
        raise bad_request("name the entity to keep: another entity's IRI")
    if not describe.exists(kg, kept):
        raise not_found(f"the graph says nothing about {kept}")
    found = asserted_about(kg, old)
    if not found:
        raise not_found(f"the graph asserts nothing about {old}")
    kept_node, old_node = ox.NamedNode(kept), ox.NamedNode(old)
    has = {r["p"].value for r in kg.select(f"SELECT DISTINCT ?p WHERE {{ <{kept}> ?p ?o }}")}
    added = []
    for q in found:
        if q.object == old_node and q.subject != kept_node:
            added.append(ox.Quad(q.subject, q.predicate, kept_node, q.graph_name))
        elif q.subject == old_node and q.predicate.value not in has and q.object != kept_node:
            added.append(ox.Quad(kept_node, q.predicate, q.object, q.graph_name))
    added.append(ox.Quad(old_node, ox.NamedNode(DCTERMS_REPLACED_BY), kept_node,
                         ox.NamedNode(graph_iri(kg.base, "data"))))
    return changes.commit(kg, changes.Proposed(who, source, comment, added=added, removed=found))


def replaced_by(kg: KnowledgeGraph, iri: str) -> str | None:
    rows = kg.select(f"SELECT ?k WHERE {{ <{iri}> <{DCTERMS_REPLACED_BY}> ?k }} LIMIT 1")
    return rows[0]["k"].value if rows else None


def gone(kg: KnowledgeGraph, iri: str) -> Gone | None:
    """The tombstone of an entity the graph no longer mentions, from the change that removed it."""
    if describe.exists(kg, iri):
        return None
    mha = f"{kg.base}/def/"
    rows = kg.select(
        f"SELECT ?change WHERE {{ GRAPH ?g {{ ?change <{mha}removed> ?st ; "
        f"<http://www.w3.org/ns/prov#endedAtTime> ?ended . "
        f"?st <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{iri}> }} }} "
        "ORDER BY DESC(?ended) LIMIT 1")
    if not rows:
        return None
    change = changes.get(kg, rows[0]["change"].value.rsplit("/", 1)[-1])
    if change is None:
        raise KGError(f"the history of {iri} is unreadable", 500)
    said = [s for s in change.removed if s.subject.value == iri]
    names = [s.object.value for s in said if s.predicate.value.endswith(("#label", "/name"))]
    types = sorted({s.object.value for s in said if s.predicate.value.endswith("#type")})
    labels = describe.labels(kg, set(types))
    kinds = [describe.Value(t, iri=t, label=labels.get(t) or describe.local_name(t)) for t in types]
    return Gone(iri, names[0] if names else describe.local_name(iri), kinds, change)
