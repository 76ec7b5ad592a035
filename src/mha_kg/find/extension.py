"""The properties a reconciled row can pull back as new columns (data extension).

Each property is a SPARQL pattern from an entity `?s` to a value `?v`, written
in the standard vocabularies of docs/vocabulary.md so that it works on any
graph that honours that contract. Entity values come back as references
(`{"id", "name"}`), everything else as strings, as the Reconciliation API
0.2 data extension asks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import bad_request
from ..kg import KnowledgeGraph, require_iri
from .search import ALIAS_TYPES, FOAF, ORG, RDFS, SCHEMA, SKOS, TYPE_NAMES

ORGS = f"{ORG}Organization"
PEOPLE = f"{FOAF}Person"
PROJECTS = f"{SCHEMA}ResearchProject"
ANY = "*"


@dataclass(frozen=True)
class Property:
    id: str
    name: str
    description: str
    applies_to: tuple[str, ...]  # type IRIs, or ANY
    pattern: str  # from ?s to ?v; may bind ?text to show instead of ?v
    value_type: str = ""  # type IRI when the values are entities

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description}


_SAME = f"<{SCHEMA}sameAs>|<{SKOS}exactMatch>"
_LABEL = f"<{RDFS}label>"

PROPERTIES: tuple[Property, ...] = (
    Property("name", "Name", "The entity's name (rdfs:label, else schema:name): the name its candidates show",
             (ANY,), f"{{ ?s {_LABEL} ?v }} UNION "
             f"{{ ?s <{SCHEMA}name> ?v FILTER NOT EXISTS {{ ?s {_LABEL} ?l }} }}"),
    Property("type", "Type", "What kind of entity it is", (ANY,),
             "?s a ?v VALUES ?v { " + " ".join(f"<{t}>" for t in TYPE_NAMES if t not in ALIAS_TYPES) + " }"),
    Property("description", "Description", "schema:description, as the source words it", (ANY,),
             f"?s <{SCHEMA}description> ?v"),
    Property("website", "Website", "foaf:homepage", (ORGS,), f"?s <{FOAF}homepage> ?v"),
    Property("ror", "ROR id", "The Research Organization Registry id (https://ror.org/...)", (ORGS,),
             f'?s {_SAME} ?v FILTER(STRSTARTS(STR(?v), "https://ror.org/"))'),
    Property("wikidata", "Wikidata id", "The Wikidata item id (Q...)", (ORGS, PEOPLE),
             f'?s {_SAME} ?v FILTER(STRSTARTS(STR(?v), "http://www.wikidata.org/entity/")) '
             'BIND(STRAFTER(STR(?v), "/entity/") AS ?text)'),
    Property("sameAs", "Same as (any external id)",
             "Every external id it is linked to: ROR, Wikidata, GRID, ISNI, FundRef, ODS (schema:sameAs, "
             "skos:exactMatch)", (ORGS, PEOPLE), f"?s {_SAME} ?v"),
    Property("city", "City", "Where it is, from its ROR record (schema:location's schema:name)", (ORGS,),
             f"?s <{SCHEMA}location> ?place . ?place <{SCHEMA}name> ?v"),
    Property("parent", "Parent organisation", "What it is part of (org:subOrganizationOf)", (ORGS,),
             f"?s <{ORG}subOrganizationOf> ?v", ORGS),
    Property("memberOf", "Member of", "Partnerships it is a member of (org:memberOf)", (ORGS,),
             f"?s <{ORG}memberOf> ?v", ORGS),
    Property("members", "Members", "Its members or partners (org:hasMember)", (ORGS,),
             f"?s <{ORG}hasMember> ?v", ORGS),
    Property("units", "Units", "Its departments, institutes and other parts (org:hasSubOrganization)",
             (ORGS,), f"?s <{ORG}hasSubOrganization> ?v", ORGS),
    Property("people", "People", "People holding a post there or working there", (ORGS,),
             f"{{ ?m <{ORG}organization> ?s ; <{ORG}member> ?v }} UNION {{ ?v <{SCHEMA}worksFor> ?s }}",
             PEOPLE),
    Property("posts", "Posts", "Each post held there, as \"person: role\"", (ORGS,),
             f"?v <{ORG}organization> ?s ; <{ORG}member> ?p ; <{ORG}role> ?r . "
             f"?p a <{FOAF}Person> ; {_LABEL} ?pl . "
             f'?r {_LABEL} ?rl BIND(CONCAT(STR(?pl), ": ", STR(?rl)) AS ?text)'),
    Property("projects", "Research projects", "Research projects it runs or leads", (ORGS, PEOPLE),
             f"{{ ?s ?rel ?v }} UNION {{ ?v ?rel ?s }} ?v a <{SCHEMA}ResearchProject>", PROJECTS),
    Property("headOf", "Head of", "What the person leads (org:headOf)", (PEOPLE,),
             f"?s <{ORG}headOf> ?v", ORGS),
    Property("worksFor", "Works for", "Where the person works (schema:worksFor)", (PEOPLE,),
             f"?s <{SCHEMA}worksFor> ?v", ORGS),
    Property("personPosts", "Posts held", "Each post the person holds, as \"role, organisation\"",
             (PEOPLE,), f"?v <{ORG}member> ?s ; <{ORG}organization> ?o ; <{ORG}role> ?r . "
             f'?o {_LABEL} ?ol . ?r {_LABEL} ?rl BIND(CONCAT(STR(?rl), ", ", STR(?ol)) AS ?text)'),
    Property("jobTitle", "Job title", "schema:jobTitle, as the source words it", (PEOPLE,),
             f"?s <{SCHEMA}jobTitle> ?v"),
    Property("principalInvestigator", "Principal investigator", "The project's principal investigator",
             (PROJECTS,), f'?s ?pi ?v . ?pi {_LABEL} ?pil FILTER(STR(?pil) = "principal investigator")',
             PEOPLE),
    Property("runBy", "Run by", "The organisations running the project", (PROJECTS,),
             f"?v ?rel ?s . ?v a <{ORG}Organization>", ORGS),
)
BY_ID = {p.id: p for p in PROPERTIES}


def lookup(pid: str) -> Property:
    """A property of the table, or any predicate IRI of the graph (values as its objects)."""
    if pid in BY_ID:
        return BY_ID[pid]
    if not isinstance(pid, str) or "://" not in pid:
        raise bad_request(f"unknown property {pid!r}; see /reconcile/suggest/property")
    iri = require_iri(pid)
    return Property(iri, iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1], "", (ANY,),
                    f"?s <{iri}> ?v")


def proposals(type_iri: str | None) -> list[Property]:
    """Properties worth adding as columns for entities of a type (all when no type)."""
    if not type_iri:
        return list(PROPERTIES)
    family = _family(type_iri)
    return [p for p in PROPERTIES if ANY in p.applies_to or family in p.applies_to]


#: Types whose entities are organisations, besides the org: ones (org:Role is not one).
ORG_TYPES = {f"{SCHEMA}Organization", f"{SCHEMA}CollegeOrUniversity", f"{SCHEMA}MedicalOrganization"}


def _family(type_iri: str) -> str:
    """Which of organisations, people or projects a (more specific) type belongs to.

    >>> [_family(t).rsplit("/", 1)[1] for t in (f"{ORG}OrganizationalUnit", f"{SCHEMA}Person", f"{ORG}Role")]
    ['org#Organization', 'Person', 'org#Role']
    """
    if type_iri in (PEOPLE, f"{SCHEMA}Person"):
        return PEOPLE
    if type_iri == PROJECTS:
        return PROJECTS
    if type_iri in ORG_TYPES or (type_iri.startswith(ORG) and type_iri != f"{ORG}Role"):
        return ORGS
    return type_iri


def values(kg: KnowledgeGraph, iris: Sequence[str], prop: Property, names: dict[str, str],
           ident: Callable[[str], str] = str) -> dict[str, list[dict]]:
    """Each entity's values of one property, as 0.2 value objects, in a stable order."""
    if not iris:
        return {}
    subjects = " ".join(f"<{require_iri(i)}>" for i in iris)
    text = "?text" if "?text" in prop.pattern else "(STR(?v) AS ?text)"
    rows = kg.select(f"SELECT DISTINCT ?s ?v {text} WHERE {{ VALUES ?s {{ {subjects} }} {prop.pattern} }}")
    found: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        found[row["s"].value].append(_value(row["v"], row["text"], prop, names, ident))
    for key in found:
        found[key] = sorted({repr(v): v for v in found[key]}.values(),
                            key=lambda v: v.get("name", v.get("str", "")))
    return found


def _value(term, text, prop: Property, names: dict[str, str], ident: Callable[[str], str]) -> dict:
    if prop.id == "type" and isinstance(term, ox.NamedNode):
        return {"str": TYPE_NAMES.get(term.value, term.value)}
    if prop.value_type and isinstance(term, ox.NamedNode):
        return {"id": ident(term.value), "name": names.get(term.value, term.value)}
    shown = text.value if text is not None else term.value
    if isinstance(term, ox.Literal) and term.datatype.value.endswith(("#integer", "#int", "#long")):
        try:
            return {"int": int(term.value)}
        except ValueError:
            pass
    return {"str": shown}
