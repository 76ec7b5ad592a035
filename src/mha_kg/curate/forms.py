"""Edit and new-entity forms generated from the SHACL shapes: no form is written per class.

A class's fields are its property shapes: every shape with a simple
predicate path that targets the class or one of its superclasses
(`sh:targetClass`), plus the `sh:targetSubjectsOf` shapes of predicates that
instances of the class use. Shapes with the same path make one field: the
label and help come from `sh:name` and `sh:description` (else `rdfs:comment`),
the order and section from `sh:order` and `sh:group`, required and
repeatable from the tightest `sh:minCount` / `sh:maxCount`, the widget from
`sh:datatype`, a choice from `sh:in`, and a picker of the entities of
`sh:class` (`sh:or` alternatives count too). Adding a property shape to the
shapes file adds the field.

What a curator types becomes RDF terms here (a value that does not parse as
its datatype is refused beside its field); the shapes then validate the
result before anything is stored (changes.commit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from ..build import dataset
from ..errors import KGError, not_found
from ..kg import KnowledgeGraph
from ..namespaces import graph_iri
from ..namespaces import slug as slugify
from ..publish import describe
from . import lists
from .curators import unique_slug

MAX_CHOICES = 300  # entities offered in a picker's list without script (the search API finds the rest)


@dataclass
class Field:
    key: str
    path: str
    name: str
    description: str
    order: float = 1000.0
    group: str = ""
    min_count: int = 0
    max_count: int | None = None
    datatypes: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    iri: bool = False  # values are IRIs (sh:nodeKind sh:IRI or sh:class)
    inverse: bool = False  # the value is the subject: the owner a new figure or list item belongs to
    shapes: list[str] = field(default_factory=list)
    choice_labels: dict[str, str] = field(default_factory=dict)  # how a choice is shown, when not as itself
    values: list[str] = field(default_factory=list)  # as shown and typed
    errors: list[str] = field(default_factory=list)

    @property
    def wanted_key(self) -> str:
        return ("^" if self.inverse else "") + self.path

    @property
    def required(self) -> bool:
        return self.min_count > 0

    @property
    def repeatable(self) -> bool:
        return self.max_count is None or self.max_count > 1

    @property
    def widget(self) -> str:
        """The HTML input: select, picker (an IRI with a list), url, number, date, text or textarea."""
        if self.choices:
            return "select"
        if self.classes:
            return "picker"
        if self.iri:
            return "url"
        kinds = {d.rsplit("#", 1)[-1] for d in self.datatypes}
        if kinds and kinds <= {"integer", "decimal", "int", "long", "double", "float"}:
            return "number"
        if kinds == {"date"}:
            return "date"
        if self.path in (str(RDFS.comment), "https://schema.org/description"):
            return "textarea"
        return "text"

    def slots(self) -> list[str]:
        """The values shown plus one empty input for another value (when one more is allowed)."""
        shown = list(self.values)
        if not shown or (self.repeatable and (self.max_count is None or len(shown) < self.max_count)):
            shown.append("")
        return shown


@dataclass
class Form:
    cls: str
    cls_label: str
    fields: list[Field]
    entity: str | None = None  # None for a new entity
    errors: list[str] = field(default_factory=list)  # violations no field owns

    def groups(self) -> list[tuple[str, list[Field]]]:
        seen: dict[str, list[Field]] = {}
        for f in sorted(self.fields, key=lambda f: (f.order, f.name)):
            seen.setdefault(f.group, []).append(f)
        return list(seen.items())

    def by_path(self, path: str) -> Field | None:
        return next((f for f in self.fields if f.path == path), None)


# ------------------------------------------------------------------ the shapes


def shapes_graph(kg: KnowledgeGraph) -> Graph:
    """The shapes the graph is validated with (the same files), parsed once per input fingerprint."""
    key = kg.inputs.fingerprint() if kg.inputs is not None else ""
    cached = _SHAPES.get(key)
    if cached is None:
        cached = _SHAPES[key] = dataset.load_shapes(kg.inputs) if kg.inputs is not None else Graph()
    return cached


_SHAPES: dict[str, Graph] = {}


def superclasses(kg: KnowledgeGraph, cls: str) -> list[str]:
    rows = kg.select(f"PREFIX rdfs: <{RDFS}> SELECT DISTINCT ?c WHERE {{ <{cls}> rdfs:subClassOf* ?c }}")
    return sorted({cls, *(r["c"].value for r in rows if isinstance(r["c"], ox.NamedNode))})


def path_names(kg: KnowledgeGraph) -> dict[str, str]:
    """{property: its field label} from the shapes (the sh:name of its lowest sh:order shape)."""
    shapes = shapes_graph(kg)
    found: dict[str, tuple[float, str]] = {}
    for shape, path in shapes.subject_objects(SH.path):
        name, order = shapes.value(shape, SH.name), shapes.value(shape, SH.order)
        if isinstance(path, URIRef) and name is not None:
            rank = float(order) if order is not None else 1000.0
            if str(path) not in found or rank < found[str(path)][0]:
                found[str(path)] = (rank, str(name))
    return {path: name for path, (_, name) in found.items()}


def creatable_classes(kg: KnowledgeGraph) -> list[tuple[str, str]]:
    """(class, label) of the ontology's own classes that the shapes target and that have an IRI
    pattern new entities can be named by: the "New ..." menu."""
    shapes = shapes_graph(kg)
    targeted = {str(c) for c in shapes.objects(None, SH.targetClass)}
    rows = kg.select(
        f"PREFIX rdfs: <{RDFS}> PREFIX owl: <http://www.w3.org/2002/07/owl#> "
        f"SELECT DISTINCT ?c ?label WHERE {{ GRAPH <{kg.graph('ontology')}> {{ ?c a owl:Class }} "
        f"?c rdfs:subClassOf* ?t . OPTIONAL {{ ?c rdfs:label ?label }} "
        f"FILTER (STRSTARTS(STR(?c), \"{kg.base}/def/\")) "
        f"VALUES ?t {{ {' '.join(f'<{t}>' for t in targeted)} }} }}")
    found = {r["c"].value: r["label"].value if r.get("label") is not None
             else describe.local_name(r["c"].value) for r in rows}
    return sorted(((c, label) for c, label in found.items()
                   if iri_kind(kg, c) in MINTABLE or owner_link(kg, c) is not None),
                  key=lambda pair: pair[1].lower())


def build_form(kg: KnowledgeGraph, cls: str, entity: str | None = None) -> Form:
    """The form for a class: one field per property path its shapes constrain."""
    shapes = shapes_graph(kg)
    supers = superclasses(kg, cls)
    used = _predicates_used(kg, cls, entity)
    fields: dict[str, Field] = {}
    for shape in set(shapes.subjects(SH.path, None)):
        path = shapes.value(shape, SH.path)
        if not isinstance(path, URIRef) or (None, SH.property, shape) in shapes:
            continue
        targets = {str(c) for c in shapes.objects(shape, SH.targetClass)}
        subjects_of = {str(p) for p in shapes.objects(shape, SH.targetSubjectsOf)}
        if not (targets & set(supers) or (str(path) in subjects_of and str(path) in used)):
            continue
        _merge(fields.setdefault(str(path), Field(key="", path=str(path), name="", description="")),
               shapes, shape)
    for shape in set(shapes.subjects(SH.targetClass, None)):  # "one of these" (sh:or of paths)
        if {str(c) for c in shapes.objects(shape, SH.targetClass)} & set(supers):
            for member in _or_members(shapes, shape):
                path = shapes.value(member, SH.path)
                if isinstance(path, URIRef) and str(path) not in fields:
                    fields[str(path)] = Field(key="", path=str(path), name="", description=str(
                        shapes.value(shape, SH.description) or shapes.value(shape, RDFS.comment) or ""),
                        shapes=[str(shape)])
    if entity is None:
        for extra in owner_fields(kg, cls):
            fields[extra.wanted_key] = extra
        if lists.ITEMS_KEY in fields:  # a new list's elements and count are made from its items
            fields.pop(lists.ELEMENT, None)
            fields.pop(lists.COUNT, None)
    names = describe.labels(kg, {f.path for f in fields.values()})
    for i, f in enumerate(sorted(fields.values(), key=lambda f: (f.order, f.name, f.path))):
        f.key = f"f{i}"
        f.name = f.name or names.get(f.path) or describe.local_name(f.path)
    label = describe.labels(kg, {cls}).get(cls) or describe.local_name(cls)
    form = Form(cls, label, list(fields.values()), entity)
    if entity:
        fill_values(kg, form, entity)
    return form


def _predicates_used(kg: KnowledgeGraph, cls: str, entity: str | None) -> set[str]:
    rows = kg.select(f"SELECT DISTINCT ?p WHERE {{ ?x a <{cls}> ; ?p ?v }}")
    found = {r["p"].value for r in rows}
    if entity:
        found |= {r["p"].value for r in kg.select(f"SELECT DISTINCT ?p WHERE {{ <{entity}> ?p ?v }}")}
    return found


def _merge(f: Field, shapes: Graph, shape) -> None:
    """Fold one property shape into the field for its path: the tightest counts win."""
    f.shapes.append(str(shape))
    name = shapes.value(shape, SH.name)
    order = shapes.value(shape, SH.order)
    if order is not None and float(order) < f.order:
        f.order = float(order)
        f.name = str(name) if name is not None else f.name
    elif name is not None and not f.name:
        f.name = str(name)
    described = shapes.value(shape, SH.description) or shapes.value(shape, RDFS.comment)
    if described is not None and str(described) not in f.description:
        f.description = (f.description + " " + str(described)).strip()
    group = shapes.value(shape, SH.group)
    if group is not None:
        f.group = str(shapes.value(group, RDFS.label) or describe.local_name(str(group)))
    low, high = shapes.value(shape, SH.minCount), shapes.value(shape, SH.maxCount)
    if low is not None:
        f.min_count = max(f.min_count, int(low))
    if high is not None:
        f.max_count = int(high) if f.max_count is None else min(f.max_count, int(high))
    for alternative in [shape, *_or_members(shapes, shape)]:
        f.datatypes += [str(d) for d in shapes.objects(alternative, SH.datatype)]
        f.classes += [str(c) for c in shapes.objects(alternative, SH["class"])]
    choices = shapes.value(shape, SH["in"])
    if choices is not None:
        f.choices = [str(v) for v in Collection(shapes, choices)]
    f.iri = f.iri or bool(f.classes) or shapes.value(shape, SH.nodeKind) == SH.IRI


def _or_members(shapes: Graph, shape) -> list:
    found = []
    for head in shapes.objects(shape, SH["or"]):
        found += list(Collection(shapes, head))
    return found


def fill_values(kg: KnowledgeGraph, form: Form, entity: str) -> None:
    """The entity's current values for each field, as the form shows them."""
    for f in form.fields:
        rows = kg.select(f"SELECT DISTINCT ?v WHERE {{ <{entity}> <{f.path}> ?v }} ORDER BY STR(?v)")
        f.values = [r["v"].value for r in rows if not isinstance(r["v"], ox.BlankNode)]


def choices_for(kg: KnowledgeGraph, form: Form) -> dict[str, list[describe.Value]]:
    """For each picker, the entities of its classes (the list works without script)."""
    found = {}
    for f in form.fields:
        if f.widget == "picker":
            values: list[describe.Value] = []
            for cls in f.classes:
                values += describe.instances(kg, cls, 0, MAX_CHOICES)[0]
            found[f.key] = sorted({v.iri: v for v in values}.values(), key=lambda v: v.label.lower())
    return found


# ------------------------------------------------------------------ what was typed


def read_values(form: Form, posted: dict[str, list[str]]) -> None:
    """Keep what was typed (blank inputs dropped) so a refused form shows it again."""
    for f in form.fields:
        typed = [v.strip() for v in posted.get(f.key, [])]
        f.values = [v for v in typed if v]


def to_terms(form: Form) -> dict[str, list]:
    """Each field's typed values as RDF terms; a value that cannot be one is an error beside it."""
    found: dict[str, list] = {}
    for f in form.fields:
        found[f.wanted_key] = []
        if f.required and not f.values and f.path in lists.FORM_ONLY:  # no shape judges these: say it here
            f.errors.append("This field is required: give at least one value.")
        for text in f.values:
            try:
                found[f.wanted_key].append(to_term(f, text))
            except ValueError as exc:
                f.errors.append(str(exc))
    return found


def to_term(f: Field, text: str):
    if f.choices:
        if text not in f.choices:
            raise ValueError(f"choose one of: {', '.join(f.choices)}")
        return ox.Literal(text)
    if f.iri:
        if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", text):
            what = "pick an entity from the list" if f.classes else "give a web address (http:// or https://)"
            raise ValueError(f"{text!r} is not an IRI: {what}")
        return ox.NamedNode(text)
    kinds = [d for d in f.datatypes if d != str(XSD.string)]
    for datatype in kinds:
        if _valid_lexical(text, datatype):
            return ox.Literal(text, datatype=ox.NamedNode(datatype))
    if kinds:
        words = " or ".join(describe.local_name(d) for d in kinds)
        raise ValueError(f"{text!r} is not a valid {words}")
    return ox.Literal(text)


def _valid_lexical(text: str, datatype: str) -> bool:
    checks = {
        str(XSD.integer): lambda t: re.fullmatch(r"[+-]?\d+", t),
        str(XSD.decimal): lambda t: _is_decimal(t),
        str(XSD.gYear): lambda t: re.fullmatch(r"-?\d{4,}", t),
        str(XSD.date): lambda t: re.fullmatch(r"-?\d{4,}-\d\d-\d\d", t),
    }
    check = checks.get(datatype)
    if check is None:  # any other datatype: what rdflib accepts as its lexical form
        return Literal(text, datatype=URIRef(datatype)).ill_typed is not True
    return bool(check(text))


def _is_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text) is not None


# ------------------------------------------------------------------ the change


def diff(kg: KnowledgeGraph, form: Form, entity: str, wanted: dict[str, list]) -> tuple[list, list]:
    """(added, removed) quads that take the entity's field values to `wanted`.

    A value kept is not touched (its datatype, language and graph stay); a
    value dropped is removed wherever it is asserted, also through a
    sub-property (mha:partner for org:hasMember); a new value goes to the
    data graph under the field's own property.
    """
    subject = ox.NamedNode(entity)
    data = ox.NamedNode(graph_iri(kg.base, "data"))
    added, removed = [], []
    for f in form.fields:
        if f.path in lists.FORM_ONLY:
            continue
        if f.inverse:
            for owner in wanted.get(f.wanted_key, []):
                added.append(ox.Quad(owner, ox.NamedNode(f.path), subject, data))
                if f.path == lists.ELEMENT:  # the list makes room and counts one more, in the same change
                    more, less = lists.make_room(kg, owner.value, _first_int(wanted.get(lists.POSITION)))
                    added += more
                    removed += less
            continue
        current = _current(kg, entity, f.path)
        by_text = {term.value: term for term in current}
        keep = set()
        for term in wanted.get(f.path, []):
            if term.value in by_text:
                keep.add(term.value)
            else:
                added.append(ox.Quad(subject, ox.NamedNode(f.path), term, data))
        for text, term in by_text.items():
            if text not in keep:
                removed += asserted_quads(kg, entity, f.path, term)
    if form.by_path(lists.ITEMS_KEY) is not None:  # a new list: its owner's link, its items, its count
        owner, link = (wanted.get(key) or [None] for key in (lists.OWNER_KEY, lists.LINK_KEY))
        if owner[0] is not None and link[0] is not None:
            texts = [t.value for t in wanted.get(lists.ITEMS_KEY, [])]
            added += lists.new_list_quads(kg, entity, owner[0].value, link[0].value, texts, _item_class(kg))
    return added, removed


def _first_int(terms: list | None) -> int | None:
    text = terms[0].value if terms else ""
    return int(text) if text.isdigit() else None


def _item_class(kg: KnowledgeGraph) -> str:
    """The class of the items a new list is made with: the ontology's list item (mha:ListItem)."""
    return f"{kg.base}/def/ListItem"


def _current(kg: KnowledgeGraph, entity: str, path: str) -> list:
    rows = kg.select(f"SELECT DISTINCT ?v WHERE {{ <{entity}> <{path}> ?v }}")
    return [r["v"] for r in rows if not isinstance(r["v"], ox.BlankNode)]


def asserted_quads(kg: KnowledgeGraph, entity: str, path: str, value) -> list[ox.Quad]:
    """Where `entity path value` is asserted (any value when None): under the property or a
    sub-property, in a data graph."""
    graphs = " ".join(f"<{graph_iri(kg.base, n)}>" for n in ("data", "links", "memberships", "enrichment"))
    term = "?v" if value is None else str(value)
    rows = kg.select(f"PREFIX rdfs: <{RDFS}> SELECT ?q ?g ?v WHERE {{ VALUES ?g {{ {graphs} }} "
                     f"GRAPH ?g {{ <{entity}> ?q {term} }} ?q rdfs:subPropertyOf* <{path}> }}")
    rows += kg.select(f"SELECT ?g ?v WHERE {{ VALUES ?g {{ {graphs} }} "
                      f"GRAPH ?g {{ <{entity}> <{path}> {term} }} }}")
    return sorted({ox.Quad(ox.NamedNode(entity), r.get("q") or ox.NamedNode(path),
                           value if value is not None else r["v"], r["g"]) for r in rows}, key=str)


def type_quad(kg: KnowledgeGraph, entity: str, cls: str) -> ox.Quad:
    return ox.Quad(ox.NamedNode(entity), ox.NamedNode(str(RDF.type)), ox.NamedNode(cls),
                   ox.NamedNode(graph_iri(kg.base, "data")))


# ------------------------------------------------------------------ IRIs for new entities

#: The kinds of docs/iris.md a new entity's IRI can be minted for, from the fields typed.
MINTABLE = {"organisation", "person", "project", "role", "post"}
#: Kinds whose IRI is made under their owner's (a figure under its organisation, a list item under
#: its list): new ones are made with an owner field (owner_link).
OWNED = {"figure", "list"}


def owner_fields(kg: KnowledgeGraph, cls: str) -> list[Field]:
    """The fields a new entity of an owned kind has besides its own properties: what it belongs to
    and, for a new list, by which property and with which items (lists.py makes the statements)."""
    owner = owner_link(kg, cls)
    if owner is None:
        return []
    if owner.path != lists.OWNER_KEY:
        return [owner]
    links = lists.link_properties(kg)
    return [owner,
            Field(key="", path=lists.LINK_KEY, name="linked as",
                  description="The owner's property that names this list (the list-owner shape wants one).",
                  order=0.6, group="Names", min_count=1, max_count=1, choices=list(links),
                  choice_labels=links),
            Field(key="", path=lists.ITEMS_KEY, name="items",
                  description="The list's items in order, one per box: each becomes a list item at its "
                              "position (1, 2, ...), and the list counts them.",
                  order=0.7, group="Names", min_count=1)]


def owner_link(kg: KnowledgeGraph, cls: str) -> Field | None:
    """The field that names what a new figure, list item or list belongs to, from the shapes: an
    inverse path on the class (a figure's owner), or a property whose sh:class is the class (a list's
    elements); a new list's owner is an organisation or a list item (the list-owner shape)."""
    if iri_kind(kg, cls) not in OWNED:
        return None
    if lists.is_list_class(kg, cls):
        return Field(key="", path=lists.OWNER_KEY, name="belongs to (list owner)",
                     description="What the new list is part of: an organisation, or a list item for a "
                                 "sub-list; its IRI is made under this one's.",
                     order=0.5, group="Names", min_count=1, max_count=1, iri=True,
                     classes=[lists.ORGANIZATION, _item_class(kg)])
    shapes, supers = shapes_graph(kg), set(superclasses(kg, cls))
    for shape, path in shapes.subject_objects(SH.path):
        targets = {str(c) for c in shapes.objects(shape, SH.targetClass)}
        inverse = shapes.value(path, SH.inversePath) if not isinstance(path, URIRef) else None
        if inverse is not None and targets & supers:
            qualified = shapes.value(shape, SH.qualifiedValueShape)
            classes = [str(c) for c in shapes.objects(qualified, SH["class"])] if qualified else []
            return _owner_field(shapes, shape, str(inverse), classes)
        valued = {str(c) for c in shapes.objects(shape, SH["class"])}
        if isinstance(path, URIRef) and valued & supers and targets:
            return _owner_field(shapes, shape, str(path), sorted(targets))
    return None


def _owner_field(shapes: Graph, shape, path: str, classes: list[str]) -> Field:
    named = shapes.value(shape, SH.name)
    return Field(key="", path=path, name=f"belongs to ({named})" if named else "belongs to",
                 description="What the new entity is part of; its IRI is made under this one's.",
                 order=0.5, group="Names", min_count=1, max_count=1, classes=classes, iri=True,
                 inverse=True, shapes=[str(shape)])


def iri_kind(kg: KnowledgeGraph, cls: str) -> str | None:
    """The IRI pattern's kind (organisation, person...) from the shapes' sh:pattern for the class."""
    shapes = shapes_graph(kg)
    supers = set(superclasses(kg, cls))
    for shape in shapes.subjects(SH.nodeKind, SH.IRI):
        pattern = shapes.value(shape, SH.pattern)
        targets = {str(c) for c in shapes.objects(shape, SH.targetClass)}
        if pattern is not None and targets & supers:
            match = re.search(r"/id/([a-z]+)/", str(pattern).replace("\\", ""))
            if match:
                return match.group(1)
    return None


def mint_iri(kg: KnowledgeGraph, cls: str, wanted: dict[str, list]) -> str:
    """A new IRI by the class's pattern, never one the graph or its history already uses."""
    kind = iri_kind(kg, cls)
    owner = owner_link(kg, cls)
    if kind not in MINTABLE and owner is None:
        raise KGError(f"new entities of this class cannot be named yet ({kind or 'no IRI pattern'})", 400)

    def first(path: str) -> str:
        values = wanted.get(path) or []
        return values[0].value if values else ""

    schema = "https://schema.org/"
    if owner is not None and owner.path == lists.OWNER_KEY:
        try:
            return lists.new_list_iri(kg, first(owner.wanted_key), first(schema + "name"))
        except ValueError as missing:
            raise KGError(str(missing), 400) from None
    if owner is not None:
        return _owned_iri(kg, kind, first(owner.wanted_key), first(schema + "position"),
                          first(schema + "name"))
    if kind == "person":
        slug = slugify(f"{first(schema + 'givenName')} {first(schema + 'familyName')}")
    elif kind == "post":
        org = "http://www.w3.org/ns/org#"
        slug = "/".join(describe.local_name(first(org + p)) for p in ("member", "organization"))
    else:
        slug = slugify(first(schema + "name") or first(str(RDFS.label)))
    if not slug.strip("/"):
        raise KGError("give a name first: the new entity's IRI is made from it", 400)
    stem = f"{kg.base}/id/{kind}/{slug}"
    rows = kg.select(f"SELECT DISTINCT ?x WHERE {{ {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }} "
                     f"FILTER (isIRI(?x) && STRSTARTS(STR(?x), \"{stem}\")) }}")
    taken = {r["x"].value[len(f"{kg.base}/id/{kind}/"):] for r in rows}
    return f"{kg.base}/id/{kind}/{unique_slug(slug, taken)}"


def _owned_iri(kg: KnowledgeGraph, kind: str, owner: str, position: str, name: str) -> str:
    """figure/<organisation>/<slug of its name>, or a list item's <list>/<n> (lists.next_item_iri)."""
    if not owner:
        raise KGError("choose what the new entity belongs to first: its IRI is made under that one's", 400)
    if kind == "figure":
        stem = f"{kg.base}/id/figure/{describe.local_name(owner)}/"
        slug = slugify(name)
        if not slug:
            raise KGError("give a name first: the new entity's IRI is made from it", 400)
        rows = kg.select(f"SELECT DISTINCT ?x WHERE {{ {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }} "
                         f"FILTER (isIRI(?x) && STRSTARTS(STR(?x), \"{stem}\")) }}")
        return stem + unique_slug(slug, {r["x"].value[len(stem):] for r in rows})
    if not position.isdigit() or int(position) < 1:
        raise KGError("give the item's position in its list (1, 2, ...)", 400)
    return lists.next_item_iri(kg, owner)  # its IRI keeps a number never used; its position may change


def require_class(kg: KnowledgeGraph, curie_or_iri: str) -> str:
    prefix, _, local = curie_or_iri.partition(":")
    iri = kg.prefixes[prefix] + local if prefix in kg.prefixes else curie_or_iri
    if iri not in {c for c, _ in creatable_classes(kg)}:
        raise not_found(f"no class {curie_or_iri!r} that new entities can be made of")
    return iri


def class_of(kg: KnowledgeGraph, entity: str) -> str:
    """The most specific of the ontology's own classes the entity is asserted to have."""
    rows = kg.select(f"SELECT ?c WHERE {{ GRAPH ?g {{ <{entity}> a ?c }} "
                     f"FILTER (?g != <{kg.graph('inferred')}>) "
                     f"FILTER (STRSTARTS(STR(?c), \"{kg.base}/def/\")) }} ORDER BY ?c")
    if rows:
        return max((r["c"].value for r in rows), key=lambda c: len(superclasses(kg, c)))
    rows = kg.select(f"SELECT ?c WHERE {{ <{entity}> a ?c }} ORDER BY ?c")
    if not rows:
        raise not_found(f"the graph says nothing about {entity}")
    return rows[0]["c"].value



# ------------------------------------------------------------------ refusals in words


def place_violations(kg: KnowledgeGraph, form: Form, entity: str, violations) -> None:
    """Each violation beside the field it concerns, worded by its shape; the rest above the form."""
    shapes = shapes_graph(kg)
    names = describe.labels(kg, {v.focus for v in violations})
    for v in violations:
        words = explain(shapes, v)
        target = form.by_path(v.path) if v.focus == entity else None
        if target is not None:
            if words not in target.errors:
                target.errors.append(words)
        else:
            where = names.get(v.focus) or describe.local_name(v.focus)
            line = f"{where}: {words}"
            if line not in form.errors:
                form.errors.append(line)


def explain(shapes: Graph, violation) -> str:
    """A violation in a curator's words: the shape's own sentence, with pyshacl's detail after it."""
    said = shapes.value(URIRef(violation.shape), SH.description) or \
        shapes.value(URIRef(violation.shape), RDFS.comment)
    if said is None:
        return violation.message
    generic = violation.message.startswith(_PYSHACL_WORDING)
    return str(said) if generic else f"{said} ({violation.message})"


#: How pyshacl's own messages begin (they name IRIs and SHACL terms): the shape's sentence replaces them.
_PYSHACL_WORDING = ("Less than", "More than", "Value does not", "Value is not", "Value ", "Node ",
                    "Focus node", "Results ")
