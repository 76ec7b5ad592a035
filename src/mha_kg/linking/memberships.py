"""Dated memberships of Midlands Innovation, MI Health and the NIHR SPCR, from memberships.csv.

Each row becomes an `org:Membership` (org:member the university,
org:organization the group, org:role "Member") with `org:memberDuring` a
`time:Interval` whose ends are `time:Instant`s at the precision the source
gives: `time:inXSDDate` for a day, `time:inXSDgYearMonth` for a month,
`time:inXSDgYear` for a year. The lexical forms all start with the year, so
"a member in 2016" is a string comparison that works across precisions.

Universities the source text does not name (Cranfield, Bristol, ...) are
minted here as organisations, with provenance, because a membership needs
them; their names come from external-ids.csv. The source text's own
statements (`mha:hasMember` ...) are left as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, XSD

from ..errors import KGError
from ..namespaces import SCHEMA
from .common import TIME, find_entity, iri, names_index, new_graph, read_csv, slug

MHA = "https://w3id.org/mha-kg/def/"
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


@dataclass(frozen=True)
class Instant:
    value: str
    datatype: URIRef
    prop: URIRef


def parse_point(text: str) -> Instant | None:
    """One end of a period, at the precision written.

    >>> parse_point("1 Oct 2015").value, parse_point("June 2017").value, parse_point("2015").value
    ('2015-10-01', '2017-06', '2015')
    """
    words = text.strip().lower().split()
    try:
        if len(words) == 3:
            day = dt.date(int(words[2]), MONTHS[words[1][:3]], int(words[0]))
            return Instant(day.isoformat(), XSD.date, TIME.inXSDDate)
        if len(words) == 2:
            return Instant(f"{int(words[1]):04d}-{MONTHS[words[0][:3]]:02d}", XSD.gYearMonth,
                           TIME.inXSDgYearMonth)
        if len(words) == 1 and re.fullmatch(r"\d{4}", words[0]):
            return Instant(words[0], XSD.gYear, TIME.inXSDgYear)
    except (KeyError, ValueError):
        return None
    return None


def parse_period(text: str) -> tuple[Instant | None, Instant | None]:
    """(beginning, end) of a period cell; (None, None) when the cell gives no dates.

    >>> [p and p.value for p in parse_period("Aug 2009 - Sep 2015 (8 members)")]
    ['2009-08', '2015-09']
    >>> [p and p.value for p in parse_period("from 1 Apr 2021 (phase IV, 2021-2026)")]
    ['2021-04-01', None]
    >>> [p.value for p in parse_period("1 Oct 2015 - 30 Sep 2020 (phase III) - matches the text")]
    ['2015-10-01', '2020-09-30']
    >>> parse_period("as listed on stored page (undated)")
    (None, None)
    """
    core = re.sub(r"\(.*?\)", "", text).strip()
    core = re.sub(r"^from\s+", "", core, flags=re.IGNORECASE)
    parts = core.split("-")  # a third part is commentary: "... - matches the source text"
    begin = parse_point(parts[0])
    if begin is None:
        return None, None
    end = parse_point(parts[1]) if len(parts) > 1 and parts[1].strip() else None
    if end is None and len(parts) > 1 and parts[1].strip():
        raise KGError(f"memberships.csv: cannot read the end of the period {text!r}")
    return begin, end


def group_name(cell: str) -> str:
    """'Midlands Innovation Health (earlier branded ...)' -> 'Midlands Innovation Health'."""
    return re.sub(r"\s*\(.*\)\s*$", "", cell).strip()


def build(reference: Path, data: Graph, base: str) -> Graph:
    """The memberships graph from memberships.csv and external-ids.csv, for `data`."""
    rows = read_csv(reference / "memberships.csv")
    names_by_ror = {r["iri"]: r["entity"] for r in read_csv(reference / "external-ids.csv")
                    if r["scheme"] == "ror"}
    index = names_index(data)
    graph = new_graph()
    source_doc = iri(base, "source", "reference-memberships")
    graph.add((source_doc, RDF.type, URIRef(MHA + "SourceDocument")))
    graph.add((source_doc, DCTERMS.title, Literal(
        "Reference data: dated memberships (shared/reference/memberships.csv)")))
    role = iri(base, "role", "member")
    graph.add((role, RDF.type, URIRef(MHA + "Role")))
    graph.add((role, RDFS.label, Literal("Member")))
    for row in rows:
        group = find_entity(group_name(row["group"]), index)
        if group is None:
            raise KGError(f"memberships.csv: group {row['group']!r} is not an organisation of the graph")
        member_name = names_by_ror.get(row["member_ror"])
        if member_name is None:
            raise KGError(f"memberships.csv: {row['member_ror']} has no row in external-ids.csv")
        member = find_entity(member_name, index) or _mint(graph, base, member_name, source_doc)
        label = str(data.value(member, SCHEMA.name) or graph.value(member, SCHEMA.name))
        _membership(graph, base, row, group, (member, label), role)
    return graph


def _mint(graph: Graph, base: str, name: str, source_doc: URIRef) -> URIRef:
    """A university the source text does not name, minted for its memberships."""
    entity = iri(base, "organisation", slug(name))
    graph.add((entity, RDF.type, URIRef(MHA + "University")))
    graph.add((entity, RDFS.label, Literal(name)))
    graph.add((entity, SCHEMA.name, Literal(name)))
    graph.add((entity, PROV.wasDerivedFrom, source_doc))
    return entity


def _membership(graph: Graph, base: str, row: dict, group: URIRef, named: tuple[URIRef, str],
                role: URIRef) -> None:
    member, member_label = named
    begin, end = parse_period(row["period"])
    group_slug, member_slug = str(group).rsplit("/", 1)[1], str(member).rsplit("/", 1)[1]
    node = iri(base, "membership", group_slug, member_slug, begin.value if begin else "undated")
    graph.add((node, RDF.type, ORG.Membership))
    graph.add((node, ORG.member, member))
    graph.add((node, ORG.organization, group))
    graph.add((node, ORG.role, role))
    graph.add((node, RDFS.label, Literal(
        f"{member_label} in {group_name(row['group'])}, {row['period']}")))
    graph.add((node, DCTERMS.description, Literal(row["evidence"])))
    for url in (u.strip() for u in row["source"].split(";")):
        if url:
            graph.add((node, PROV.wasDerivedFrom, URIRef(url)))
    graph.add((node, PROV.wasDerivedFrom, iri(base, "source", "reference-memberships")))
    if begin is None:
        return
    interval = URIRef(f"{node}/interval")
    graph.add((node, ORG.memberDuring, interval))
    graph.add((interval, RDF.type, TIME.Interval))
    for prop, point, suffix in ((TIME.hasBeginning, begin, "beginning"), (TIME.hasEnd, end, "end")):
        if point is None:
            continue
        instant = URIRef(f"{node}/{suffix}")
        graph.add((interval, prop, instant))
        graph.add((instant, RDF.type, TIME.Instant))
        graph.add((instant, point.prop, Literal(point.value, datatype=point.datatype)))
