"""The W3C Reconciliation Service API, version 0.2, on top of the name index.

Plain functions over plain data: the web layer (web/reconcile.py) and the
`mha-kg reconcile` command both call them. Entity ids are the entity IRIs
relative to `<base>/id/` (`organisation/university-of-warwick`), so the
manifest's identifierSpace plus an id is the entity's IRI; full IRIs are
accepted wherever an id is.

`match` is true only when the service is certain: the query is, after
normalisation, the name or an alternate name of exactly one entity of the
requested type, or a property of the row carries an external id (ROR,
Wikidata) that the graph links to exactly one entity. Everything else,
however close, is a candidate with `match: false`.

OpenRefine is the client that matters, so the service takes what OpenRefine's
own code sends (docs/reconciliation.md walks through it): property values of
already reconciled cells as `{"id", "name"}`, extension calls at the service
URL, a property-proposal type cut at its `#`, and a page of up to 1000 ids
in one extension call, where one odd id must not empty the others.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import KGError, bad_request, too_large
from ..kg import KnowledgeGraph, require_iri
from . import extension, search

VERSION = "0.2"
DEFAULT_LIMIT = 5
MAX_LIMIT = 100
DEFAULT_TYPES = (f"{search.ORG}Organization", f"{search.FOAF}Person", f"{search.SCHEMA}ResearchProject")
#: Query properties whose value is an external id: one the graph links to one entity is a certain match.
ID_PROPERTIES = {"ror", "wikidata", "sameAs", f"{search.SCHEMA}sameAs", f"{search.SKOS}exactMatch"}
#: How much a matching property adds to a candidate's score (at most 100 in all).
PROPERTY_BOOST = {"website": 10.0, "parent": 10.0, "memberOf": 10.0, "city": 5.0}
#: Every property a query may use. OpenRefine sends a column only as a property picked from the
#: property suggest service, so each of these must be suggestible (suggest_properties).
SCORING_PROPERTIES = sorted(ID_PROPERTIES | PROPERTY_BOOST.keys())
#: The query properties that are predicate IRIs rather than rows of the extension table.
IRI_PROPERTIES = (
    {"id": f"{search.SCHEMA}sameAs", "name": "schema:sameAs",
     "description": "An external id (ROR, Wikidata, ...); one linked to a single entity is a certain match"},
    {"id": f"{search.SKOS}exactMatch", "name": "skos:exactMatch",
     "description": "An external id, as skos:exactMatch; one linked to a single entity is a certain match"},
)
#: Types never offered as candidates or as types to reconcile against: a list of points from the
#: source page is not something a column of a table names.
UNRECONCILED_TYPES = {f"{search.SCHEMA}ItemList"}


@dataclass
class Query:
    """One reconciliation query, as the 0.2 specification gives it."""

    text: str
    types: list[str] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    properties: list[tuple[str, list]] = field(default_factory=list)


# ---------------------------------------------------------------------------- ids


def ident(kg: KnowledgeGraph, iri: str) -> str:
    """The service id of an entity IRI (its path under <base>/id/)."""
    prefix = f"{kg.base}/id/"
    return iri[len(prefix):] if iri.startswith(prefix) else iri


def iri_of(kg: KnowledgeGraph, value: str) -> str:
    """The IRI of a service id (or of a full IRI, unchanged)."""
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"not an entity id: {value!r}")
    value = value.strip()
    return value if "://" in value else f"{kg.base}/id/{value}"


def resolve_type(kg: KnowledgeGraph, value: str) -> str:
    """A type given as an IRI or a prefixed name (org:Organization)."""
    prefix, _, local = value.partition(":")
    if not value.startswith(("http://", "https://")) and prefix in kg.prefixes:
        return kg.prefixes[prefix] + local
    return value


def type_refs(record: search.Record) -> list[dict]:
    return [{"id": t, "name": name} for t, name in search.TYPE_NAMES.items()
            if t in record.types and t not in search.ALIAS_TYPES]


# ---------------------------------------------------------------------------- manifest


def manifest(kg: KnowledgeGraph, service_url: str, site_url: str, batch_size: int) -> dict:
    """The service manifest: what OpenRefine reads when the service is added."""
    return {
        "versions": [VERSION],
        "name": "Midlands Health Alliance knowledge graph",
        "identifierSpace": f"{kg.base}/id/",
        "schemaSpace": f"{kg.base}/def/",
        "documentation": f"{site_url}/search",
        "defaultTypes": [{"id": t, "name": search.TYPE_NAMES[t]} for t in DEFAULT_TYPES],
        "view": {"url": f"{site_url}/id/{{{{id}}}}"},
        "preview": {"url": f"{service_url}/preview?id={{{{id}}}}", "width": 400, "height": 180},
        "suggest": {kind: {"service_url": service_url, "service_path": f"/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "extend": {
            "propose_properties": {"service_url": service_url, "service_path": "/propose_properties"},
            "property_settings": [],
        },
        "batchSize": batch_size,
    }


# ---------------------------------------------------------------------------- queries


def parse_batch(raw: str, batch_size: int) -> dict[str, Query]:
    """The `queries` parameter: a JSON object of named queries, at most batch_size of them."""
    data = _json(raw, "queries")
    if not isinstance(data, dict):
        raise bad_request('queries must be a JSON object of named queries, like {"q0": {"query": "..."}}')
    if len(data) > batch_size:
        raise too_large(f"{len(data)} queries in one batch; at most {batch_size} "
                        "(the reconcile_batch_size setting)")
    return {str(name): parse_query(value, name) for name, value in data.items()}


def parse_query(value: Any, name: str = "query") -> Query:
    """One query object (or a bare string, as older clients send)."""
    if isinstance(value, str):
        return Query(value)
    if not isinstance(value, dict):
        raise bad_request(f"{name}: a query is a JSON object with a \"query\" string")
    text = value.get("query")
    if not isinstance(text, str):
        raise bad_request(f"{name}: \"query\" must be a string")
    types = value.get("type") or []
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise bad_request(f"{name}: \"type\" must be a type id or a list of them")
    return Query(text, types, parse_limit(value.get("limit"), name), _properties(value, name))


def parse_limit(value: Any, name: str = "limit") -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
        if isinstance(value, float | bool) or str(limit) != str(value).strip():
            raise ValueError
    except (TypeError, ValueError):
        raise bad_request(f"{name}: limit must be a whole number") from None
    if limit < 0:
        raise bad_request(f"{name}: limit must not be negative")
    return min(limit, MAX_LIMIT)


def _properties(value: dict, name: str) -> list[tuple[str, list]]:
    props = value.get("properties") or []
    if not isinstance(props, list):
        raise bad_request(f"{name}: \"properties\" must be a list of {{\"pid\", \"v\"}} objects")
    found = []
    for prop in props:
        if not isinstance(prop, dict) or not isinstance(prop.get("pid"), str) or "v" not in prop:
            raise bad_request(f"{name}: each property is an object with \"pid\" and \"v\"")
        v = prop["v"]
        found.append((prop["pid"], v if isinstance(v, list) else [v]))
    return found


def _json(raw: str, what: str) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, TypeError) as exc:
        raise bad_request(f"{what} is not valid JSON: {exc}") from None


def reconcile_batch(kg: KnowledgeGraph, queries: Mapping[str, Query]) -> dict:
    """Every query's candidates; the batch's words are looked up in the index together first."""
    search.index_for(kg).prepare(query.text for query in queries.values())
    return {name: {"result": reconcile(kg, query)} for name, query in queries.items()}


def reconcile(kg: KnowledgeGraph, query: Query) -> list[dict]:
    """Candidates for one query, best first, with the features that made each score."""
    index = search.index_for(kg)
    types = [resolve_type(kg, t) for t in query.types]
    hits = {h.record.iri: h for h in index.search(query.text, types, limit=max(query.limit * 3, 10))
            if reconcilable(h.record)}
    certain = _by_external_id(index, query, types)
    for iri in certain:
        record = index.records[index.by_iri[iri]]
        hits[iri] = search.Hit(record, 100.0, "id", {"name": hits[iri].score if iri in hits else 0.0})
    exact = {i for i in index.exact_matches(query.text, types)
             if reconcilable(index.records[index.by_iri[i]])}
    ranked = []
    for hit in hits.values():
        boost = _property_boost(kg, index, hit.record, query)
        features = {**hit.features, **boost, "exact_name": float(hit.record.iri in exact)}
        score = round(min(100.0, hit.score + sum(boost.values())), 2)
        match = (hit.record.iri in certain and len(certain) == 1) or (
            not certain and hit.record.iri in exact and len(exact) == 1)
        ranked.append((not match, -score, hit.record.name, hit.record, features))
    ranked.sort(key=lambda r: r[:3])  # only the candidates shown are written out
    return [_candidate(kg, record, -negated, not unmatched, features)
            for unmatched, negated, _, record, features in ranked[:query.limit]]


def reconcilable(record: search.Record) -> bool:
    """Whether an entity may be a candidate (lists may not: UNRECONCILED_TYPES)."""
    return UNRECONCILED_TYPES.isdisjoint(record.types)


def _candidate(kg: KnowledgeGraph, record: search.Record, score: float, match: bool,
               features: dict[str, float]) -> dict:
    found = {"id": ident(kg, record.iri), "name": record.name, "type": type_refs(record),
             "score": score, "match": match,
             "features": [{"id": k, "value": round(v, 2)} for k, v in features.items()]}
    if record.description:
        found["description"] = _short(record.description)
    return found


def _by_external_id(index: search.Index, query: Query, types: list[str]) -> set[str]:
    found: set[str] = set()
    for pid, values in query.properties:
        if pid in ID_PROPERTIES:
            for text in _value_texts(values):
                found |= {i for i in index.by_external_id(text)
                          if not types or not set(types).isdisjoint(index.records[index.by_iri[i]].types)}
    return found


def _value_texts(values: list) -> list[str]:
    """The strings a property's values stand for.

    OpenRefine sends a plain cell as its value (a string, number or boolean) and a cell it has
    already reconciled as {"id": ..., "name": ...}; both the id and the name count.

    >>> _value_texts(["Coventry", 3, {"id": "organisation/wmg", "name": "WMG"}, None, " "])
    ['Coventry', '3', 'organisation/wmg', 'WMG']
    """
    texts = []
    for value in values:
        parts = [value.get("id"), value.get("name")] if isinstance(value, dict) else [value]
        texts += [str(p).strip() for p in parts if p is not None and str(p).strip()]
    return texts


def _entities_named(kg: KnowledgeGraph, index: search.Index, texts: list[str]) -> set[str]:
    """The entities that values name, given as a service id, a full IRI or a name (or alternate name)."""
    found: set[str] = set()
    for text in texts:
        found |= {iri for iri in (text, f"{kg.base}/id/{text}") if iri in index.by_iri}
        found |= index.exact_matches(text)
    return found


def _property_boost(kg: KnowledgeGraph, index: search.Index, record: search.Record,
                    query: Query) -> dict[str, float]:
    """Points for properties of the row that agree with the candidate (website, parent, city)."""
    boost = {}
    for pid, values in query.properties:
        texts = _value_texts(values)
        if pid == "website":
            hosts = {search.host(w) for w in record.websites}
            agree = any(search.host(t) in hosts for t in texts)
        elif pid in ("parent", "memberOf"):
            agree = not _entities_named(kg, index, texts).isdisjoint(record.parents)
        elif pid == "city":
            agree = any(_in_city(kg, index, record, t) for t in texts)
        else:
            continue
        boost[pid] = PROPERTY_BOOST[pid] if agree else 0.0
    return boost


def _in_city(kg: KnowledgeGraph, index: search.Index, record: search.Record, city: str) -> bool:
    """Whether the entity is in the city: its ROR location, or the city's words in its name or description."""
    words = set(search.tokens(city))
    if not words:
        return False
    return search.key(city) in _cities(kg, index).get(record.iri, set()) or words <= set(
        search.tokens(" ".join([record.name, record.description])))


_CITIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cities(kg: KnowledgeGraph, index: search.Index) -> dict[str, set[str]]:
    """Each entity's city names (normalised), read once per index, so a batch costs no extra query."""
    cached = _CITIES.get(index)
    if cached is None:
        cached = {}
        for row in kg.select(f"SELECT ?s ?v WHERE {{ {extension.BY_ID['city'].pattern} }}"):
            cached.setdefault(row["s"].value, set()).add(search.key(row["v"].value))
        _CITIES[index] = cached
    return cached


def _short(text: str, size: int = 200) -> str:
    return text if len(text) <= size else text[:size].rsplit(" ", 1)[0] + "…"


# ---------------------------------------------------------------------------- suggest


def suggest_entities(kg: KnowledgeGraph, prefix: str, types: list[str], limit: int) -> dict:
    hits = search.index_for(kg).suggest(prefix, [resolve_type(kg, t) for t in types], limit)
    return {"result": [
        {"id": ident(kg, h.record.iri), "name": h.record.name, "notable": type_refs(h.record),
         **({"description": _short(h.record.description, 120)} if h.record.description else {})}
        for h in hits]}


def suggest_types(kg: KnowledgeGraph, prefix: str, limit: int) -> dict:
    index = search.index_for(kg)
    present = {t for r in index.records for t in r.types}
    wanted = prefix.strip().lower()
    return {"result": [{"id": t, "name": name} for t, name in search.TYPE_NAMES.items()
                       if t in present and t not in UNRECONCILED_TYPES
                       and (wanted in name.lower() or wanted in t.lower())][:limit]}


def suggest_properties(prefix: str, limit: int) -> dict:
    """Properties for a query column or a new column: the extension table and the id predicates."""
    wanted = prefix.strip().lower()
    every = [p.to_json() for p in extension.PROPERTIES] + list(IRI_PROPERTIES)
    return {"result": [p for p in every if wanted in p["name"].lower() or wanted in p["id"].lower()][:limit]}


def propose_properties(kg: KnowledgeGraph, type_id: str | None, limit: int) -> dict:
    """Properties worth adding as columns for a type, also when OpenRefine's URL cut the type at "#"."""
    chosen = resolve_type(kg, type_id) if type_id else None
    proposed: dict[str, extension.Property] = {}
    for type_iri in uncut_types(chosen) if chosen else [None]:
        proposed.update((p.id, p) for p in extension.proposals(type_iri))
    found = {"properties": [p.to_json() for p in proposed.values()][:limit]}
    return {"type": chosen, **found} if chosen else found


def uncut_types(type_iri: str) -> list[str]:
    """The known types a type IRI may be when a URL dropped everything from its "#".

    OpenRefine asks for proposals at `service_url + "?type=" + typeID` without encoding the type,
    so the browser takes the "#" for a fragment and sends `type=http://www.w3.org/ns/org`.

    >>> [t.rsplit("#", 1)[1] for t in uncut_types("http://www.w3.org/ns/org")]
    ['OrganizationalUnit', 'OrganizationalCollaboration', 'Organization', 'Role']
    >>> uncut_types("https://schema.org/CollegeOrUniversity")
    ['https://schema.org/CollegeOrUniversity']
    """
    if "#" in type_iri or type_iri in search.TYPE_NAMES:
        return [type_iri]
    return [t for t in search.TYPE_NAMES if t.startswith(type_iri + "#")] or [type_iri]


# ---------------------------------------------------------------------------- preview and extend


def preview(kg: KnowledgeGraph, entity_id: str) -> dict:
    """What the preview card shows, or a 404 when the id names no entity."""
    index = search.index_for(kg)
    iri = iri_of(kg, entity_id)
    if iri not in index.by_iri:
        raise KGError(f"no entity with id {entity_id!r}", 404)
    record = index.records[index.by_iri[iri]]
    names = {r.iri: r.name for r in index.records}
    return {"id": ident(kg, iri), "iri": iri, "name": record.name, "kind": search.kind_of(record),
            "description": _short(record.description, 300), "websites": record.websites,
            "external_ids": record.ids, "parents": [names.get(p, p) for p in record.parents]}


def parse_extend(raw: str, max_ids: int) -> tuple[list[str], list[dict]]:
    """The `extend` parameter: {"ids": [...], "properties": [{"id": ...}, ...]}, at most max_ids ids."""
    data = _json(raw, "extend")
    if not isinstance(data, dict) or not isinstance(data.get("ids"), list) or not isinstance(
            data.get("properties"), list):
        raise bad_request("extend must be a JSON object with \"ids\" and \"properties\" lists")
    if len(data["ids"]) > max_ids:
        raise too_large(f"{len(data['ids'])} ids in one extension; at most {max_ids} "
                        "(the reconcile_extend_max_ids setting)")
    if not all(isinstance(i, str) for i in data["ids"]) or not all(
            isinstance(p, dict) and isinstance(p.get("id"), str) for p in data["properties"]):
        raise bad_request("extend: ids are strings and each property is an object with an \"id\"")
    return data["ids"], data["properties"]


def extend(kg: KnowledgeGraph, ids: list[str], properties: list[dict]) -> dict:
    """The 0.2 data extension: {"meta": [...], "rows": {id: {pid: [values]}}}.

    Every id gets a row: one that names no entity, or cannot be an IRI at all, gets empty values,
    so one odd id does not cost the other rows of OpenRefine's call their values.
    """
    index = search.index_for(kg)
    names = {r.iri: r.name for r in index.records}
    chosen = [extension.lookup(p["id"]) for p in properties]
    iris = {i: iri for i in ids if (iri := _extensible_iri(kg, i))}
    subjects = _in_graph(kg, index, set(iris.values()))
    rows: dict[str, dict[str, list]] = {i: {} for i in ids}
    for prop in chosen:
        found = extension.values(kg, subjects, prop, names, lambda v: ident(kg, v))
        for i in ids:
            rows[i][prop.id] = found.get(iris.get(i, ""), [])
    meta = []
    for prop in chosen:
        entry = {"id": prop.id, "name": prop.name}
        if prop.value_type:
            entry["type"] = {"id": prop.value_type, "name": search.TYPE_NAMES[prop.value_type]}
        meta.append(entry)
    return {"meta": meta, "rows": rows}


def _in_graph(kg: KnowledgeGraph, index: search.Index, iris: set[str]) -> list[str]:
    """The IRIs that are entities of the index or subjects of the graph, in a stable order.

    Each property is one query with the IRIs in VALUES; a preview page of 1000 ids that name
    nothing would make each of them cost ~20 ms, so those are dropped first with one query.
    """
    found = {i for i in iris if i in index.by_iri}
    others = sorted(iris - found)
    if others:
        subjects = " ".join(f"<{i}>" for i in others)
        rows = kg.select(f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {subjects} }} ?s ?p ?o }}")
        found |= {row["s"].value for row in rows}
    return sorted(found)


def _extensible_iri(kg: KnowledgeGraph, value: str) -> str | None:
    """The IRI an extension id stands for, or None when it cannot be one (blank, a space, a quote...)."""
    try:
        return require_iri(iri_of(kg, value))
    except KGError:
        return None
