"""Lists kept in order: removing an item, inserting one, and making a new list for an owner.

A list item's IRI is `<list>/<n>` (docs/iris.md), n being the position it
was given when it was made. The IRI never changes afterwards; its
`schema:position` may. Removing item 3 of 5 moves items 4 and 5 to positions
3 and 4 (their IRIs stay `/4` and `/5`, so every link to them stays true) and
the list counts one fewer, in the same change; `/3` answers 410 Gone from
then on. A new item takes the next number its list has never used, now or
in its history, so no IRI ever names two items; inserting one at position k
moves the items at k and after down one. Re-minting the following items
instead (`/4` becoming `/3`) would make an IRI name another item than the one
published, and leave `/5` answering 410 for an item that was not removed.

The shapes (`shapes/mha-shapes.ttl`, "Lists") judge the result: the count
equals the items, the positions run from 1 to the count without a gap, a
list has at least one item and is linked from its owner.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from ..kg import KnowledgeGraph
from ..namespaces import graph_iri
from ..namespaces import slug as slugify
from ..publish import describe
from .curators import unique_slug

SCHEMA = "https://schema.org/"
ELEMENT = SCHEMA + "itemListElement"
POSITION = SCHEMA + "position"
COUNT = SCHEMA + "numberOfItems"
NAME = SCHEMA + "name"
ITEM_LIST = SCHEMA + "ItemList"
ORGANIZATION = "http://www.w3.org/ns/org#Organization"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

#: The new-list form's own fields (not properties of the list): who owns it, by which property,
#: and its items' texts. forms.diff turns them into statements with new_list_quads.
OWNER_KEY = "urn:mha-kg:form:list-owner"
LINK_KEY = "urn:mha-kg:form:list-link"
ITEMS_KEY = "urn:mha-kg:form:list-items"
FORM_ONLY = {OWNER_KEY, LINK_KEY, ITEMS_KEY}

_DATA_GRAPHS = ("data", "links", "memberships", "enrichment")


def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=INTEGER)


def _graphs(kg: KnowledgeGraph) -> str:
    return " ".join(f"<{graph_iri(kg.base, name)}>" for name in _DATA_GRAPHS)


def is_list_class(kg: KnowledgeGraph, cls: str) -> bool:
    return bool(kg.select(f"SELECT ?c WHERE {{ <{cls}> <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c "
                          f"FILTER (?c = <{ITEM_LIST}>) }} LIMIT 1"))


# ------------------------------------------------------------------ keeping positions


def lists_holding(kg: KnowledgeGraph, item: str) -> list[str]:
    rows = kg.select(f"SELECT DISTINCT ?l WHERE {{ ?l <{ELEMENT}> <{item}> }}")
    return sorted(r["l"].value for r in rows if isinstance(r["l"], ox.NamedNode))


def _asserted(kg: KnowledgeGraph, subject_pattern: str, predicate: str) -> list[ox.Quad]:
    """The asserted (subject, predicate, integer) quads in the data graphs, `subject_pattern` binding ?s."""
    rows = kg.select(f"SELECT ?s ?v ?g WHERE {{ {subject_pattern} VALUES ?g {{ {_graphs(kg)} }} "
                     f"GRAPH ?g {{ ?s <{predicate}> ?v }} }}")
    return [ox.Quad(r["s"], ox.NamedNode(predicate), r["v"], r["g"]) for r in rows
            if isinstance(r["v"], ox.Literal) and re.fullmatch(r"[+-]?\d+", r["v"].value)]


def _shift(quads: list[ox.Quad], by: int) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(added, removed) that move each quad's integer by `by`, in its own graph."""
    added = [ox.Quad(q.subject, q.predicate, _integer(int(q.object.value) + by), q.graph_name) for q in quads]
    return added, list(quads)


def _positions_from(kg: KnowledgeGraph, lst: str, start: int) -> list[ox.Quad]:
    return [q for q in _asserted(kg, f"<{lst}> <{ELEMENT}> ?s .", POSITION) if int(q.object.value) >= start]


def _count(kg: KnowledgeGraph, lst: str) -> list[ox.Quad]:
    return _asserted(kg, f"BIND(<{lst}> AS ?s)", COUNT)


def position_of(kg: KnowledgeGraph, item: str) -> int | None:
    found = _asserted(kg, f"BIND(<{item}> AS ?s)", POSITION)
    return int(found[0].object.value) if found else None


def after_removal(kg: KnowledgeGraph, item: str) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(added, removed) that close the gap an item leaves in each list holding it: the following
    items move up one position and the list counts one fewer. The item's own statements are the
    caller's (tombstones.remove)."""
    added, removed = [], []
    own = position_of(kg, item)
    for lst in lists_holding(kg, item):
        following = _positions_from(kg, lst, own + 1) if own is not None else []
        for more, less in (_shift(following, -1), _shift(_count(kg, lst), -1)):
            added += more
            removed += less
    return added, removed


def make_room(kg: KnowledgeGraph, lst: str, position: int | None) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(added, removed) for an item joining the list at `position`: the items there and after move
    down one, and the list counts one more, in the same change."""
    added, removed = _shift(_count(kg, lst), +1)
    if position is not None:
        more, less = _shift(_positions_from(kg, lst, position), +1)
        added += more
        removed += less
    return added, removed


def next_item_iri(kg: KnowledgeGraph, lst: str) -> str:
    """`<list>/<n>` with n one more than any number the list's items have had, now or in history."""
    stem = lst + "/"
    rows = kg.select(f"SELECT DISTINCT ?x WHERE {{ {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }} "
                     f"FILTER (isIRI(?x) && STRSTARTS(STR(?x), \"{stem}\")) }}")
    used = [int(rest) for rest in (r["x"].value[len(stem):] for r in rows) if rest.isdigit()]
    return f"{lst}/{max(used, default=0) + 1}"


def parts(kg: KnowledgeGraph, iri: str) -> list[str]:
    """What goes with an entity when it is removed: a list's items, an item's sub-lists, and theirs."""
    found: list[str] = []
    todo = [iri]
    while todo:
        current = todo.pop()
        rows = kg.select(f"SELECT DISTINCT ?x WHERE {{ {{ <{current}> <{ELEMENT}> ?x }} UNION "
                         f"{{ <{current}> <{kg.base}/def/subList> ?x }} }}")
        for r in rows:
            x = r["x"].value
            if isinstance(r["x"], ox.NamedNode) and x != iri and x not in found:
                found.append(x)
                todo.append(x)
    return found


# ------------------------------------------------------------------ a new list


def link_properties(kg: KnowledgeGraph) -> dict[str, str]:
    """{property: label} of the ontology's properties whose values are lists (mha:priorityArea,
    mha:aim, mha:subList...): how an owner links a new list (the list-owner shape wants one)."""
    rows = kg.select(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT DISTINCT ?p ?label WHERE { "
        f"?p rdfs:range ?r ; rdfs:label ?label . ?r rdfs:subClassOf* <{ITEM_LIST}> "
        f"FILTER (STRSTARTS(STR(?p), \"{kg.base}/def/\")) }}")
    return dict(sorted(((r["p"].value, r["label"].value) for r in rows), key=lambda pair: pair[1].lower()))


def new_list_iri(kg: KnowledgeGraph, owner: str, name: str) -> str:
    """`<base>/id/list/<owner>/<slug of its name>`, never an IRI the graph or its history knows.
    A sub-list (owned by a list item) is named under its top owner, as the shipped ones are."""
    lists_stem = f"{kg.base}/id/list/"
    owner_slug = owner[len(lists_stem):].split("/", 1)[0] if owner.startswith(lists_stem) \
        else describe.local_name(owner)
    stem = f"{lists_stem}{owner_slug}/"
    slug = slugify(name)
    if not slug or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", owner_slug):
        raise ValueError("give the list a name (and an owner): its IRI is made from them")
    rows = kg.select(f"SELECT DISTINCT ?x WHERE {{ {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }} "
                     f"FILTER (isIRI(?x) && STRSTARTS(STR(?x), \"{stem}\")) }}")
    taken = {r["x"].value[len(stem):].split("/", 1)[0] for r in rows}
    return stem + unique_slug(slug, taken)


def new_list_quads(kg: KnowledgeGraph, iri: str, owner: str, link: str, texts: list[str],
                   item_class: str) -> list[ox.Quad]:
    """The owner's link to the new list, its count, and one item per text at positions 1, 2, ..."""
    data = ox.NamedNode(graph_iri(kg.base, "data"))
    lst = ox.NamedNode(iri)
    quads = [ox.Quad(ox.NamedNode(owner), ox.NamedNode(link), lst, data),
             ox.Quad(lst, ox.NamedNode(COUNT), _integer(len(texts)), data)]
    for position, text in enumerate(texts, start=1):
        item = ox.NamedNode(f"{iri}/{position}")
        quads += [ox.Quad(lst, ox.NamedNode(ELEMENT), item, data),
                  ox.Quad(item, ox.NamedNode(RDF_TYPE), ox.NamedNode(item_class), data),
                  ox.Quad(item, ox.NamedNode(POSITION), _integer(position), data),
                  ox.Quad(item, ox.NamedNode(NAME), ox.Literal(text), data)]
    return quads
