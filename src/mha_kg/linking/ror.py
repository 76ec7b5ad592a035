"""Reconciliation of the graph's organisations against a ROR dump.

Every (organisation, record) pair is scored from features a person checking
the match would look at:

- name (0.55): our name equals ROR's display name (x1.0), a label or alias (x0.9), or is
  close to one (rapidfuzz ratio >= 0.85, scaled down);
- acronym (0.15): one of our alternate names is a ROR acronym;
- domain (0.25): the host of our homepage (a site root, not a sub-unit's path) is a ROR
  website or domain;
- relationship (0.10): ROR relates the record to a record linked to one of our
  organisation's neighbours (part of, member of);
- country (-0.40): the record is not in GB (the graph is of UK organisations);
- status (-0.30): the record is inactive or withdrawn;
- type (-0.15): a university against a non-education record, a trust against a
  non-healthcare one.

At or above `ror_link_threshold` a pair is linked (one record per
organisation and one organisation per record, best score first; a close
runner-up sends both to review); between `ror_review_threshold` and it, the
pair goes to the review list with its evidence; below, nothing happens.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz
from rdflib import Graph, URIRef
from rdflib.namespace import ORG, RDF, RDFS, SKOS

from ..namespaces import SCHEMA
from .common import homepages, normalise, read_csv
from .rordump import RorRecord, host_of

MHA = "https://w3id.org/mha-kg/def/"
WEIGHTS = {"name": 0.55, "acronym": 0.15, "domain": 0.25, "relationship": 0.10}
PENALTIES = {"country": 0.40, "status": 0.30, "type": 0.15}
AMBIGUITY_MARGIN = 0.05
NEIGHBOUR_PROPERTIES = [URIRef(MHA + p) for p in ("partOf", "hasPart", "memberOf", "hasMember")] + [
    ORG.subOrganizationOf, ORG.hasSubOrganization, ORG.memberOf, ORG.hasMember]


@dataclass
class Organisation:
    iri: str
    name: str
    alternates: list[str]
    hosts: set[str]
    kind: str  # university, trust or other
    neighbours: set[str] = field(default_factory=set)


@dataclass
class Candidate:
    org: Organisation
    record: RorRecord
    score: float
    evidence: list[str]

    @property
    def pair(self) -> tuple[str, str]:
        return self.org.iri, self.record.id


@dataclass
class Result:
    links: list[Candidate]
    review: list[Candidate]
    scored: int


def organisations(graph: Graph) -> list[Organisation]:
    """The organisations of the asserted graph, with what the features need."""
    query = """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?o ?name WHERE {
            ?o a/rdfs:subClassOf* org:Organization ; schema:name ?name .
        } ORDER BY ?o"""
    found = []
    for row in graph.query(query):
        subject = row.o
        types = set(graph.objects(subject, RDF.type))
        kind = ("university" if URIRef(MHA + "University") in types
                else "trust" if URIRef(MHA + "NHSTrust") in types else "other")
        alternates = sorted({str(v) for p in (SCHEMA.alternateName, SKOS.altLabel, RDFS.label)
                             for v in graph.objects(subject, p)} - {str(row.name)})
        found.append(Organisation(
            iri=str(subject), name=str(row.name), alternates=alternates,
            hosts={host_of(url) for url in homepages(graph, subject) if _is_site_root(url)},
            kind=kind, neighbours=_neighbours(graph, subject)))
    return found


def _is_site_root(url: str) -> bool:
    """A homepage at a path (warwick.ac.uk/fac/sci/wmg/) is a unit's, not the site owner's."""
    path = url.split("//", 1)[-1].partition("/")[2]
    return path in ("", "index.aspx", "index.html", "index.php")


def _neighbours(graph: Graph, subject: URIRef) -> set[str]:
    near = {str(o) for p in NEIGHBOUR_PROPERTIES for o in graph.objects(subject, p)}
    near |= {str(s) for p in NEIGHBOUR_PROPERTIES for s in graph.subjects(p, subject)}
    for membership in graph.subjects(ORG.member, subject):
        near |= {str(o) for o in graph.objects(membership, ORG.organization)}
    for membership in graph.subjects(ORG.organization, subject):
        near |= {str(o) for o in graph.objects(membership, ORG.member)}
    return near


def score(org: Organisation, record: RorRecord, linked: dict[str, set[str]]) -> Candidate:
    """The score of one pair and the evidence behind it, in words."""
    evidence: list[str] = []
    total = WEIGHTS["name"] * _name_similarity(org, record, evidence)
    acronyms = {normalise(a) for a in record.acronyms}
    shared = sorted(a for a in org.alternates if normalise(a) in acronyms)
    if shared:
        total += WEIGHTS["acronym"]
        evidence.append(f"acronym {shared[0]}")
    hosts = sorted(org.hosts & record.hosts)
    if hosts:
        total += WEIGHTS["domain"]
        evidence.append(f"website domain {hosts[0]}")
    related = sorted(rid for _, rid, _ in record.relationships
                     for n in org.neighbours if rid in linked.get(n, set()))
    if related:
        total += WEIGHTS["relationship"]
        evidence.append(f"related to {related[0]}, linked to a neighbour")
    if record.country != "GB":
        total -= PENALTIES["country"]
        evidence.append(f"country {record.country or 'unknown'} (not GB)")
    if record.status != "active":
        total -= PENALTIES["status"]
        evidence.append(f"status {record.status}")
    if ((org.kind == "university" and "education" not in record.types)
            or (org.kind == "trust" and "healthcare" not in record.types)):
        total -= PENALTIES["type"]
        evidence.append(f"type {'/'.join(record.types)} for a {org.kind}")
    return Candidate(org, record, round(max(0.0, min(1.0, total)), 3), evidence)


def _name_similarity(org: Organisation, record: RorRecord, evidence: list[str]) -> float:
    ours = {normalise(n): n for n in [org.name, *org.alternates] if len(normalise(n)) > 5}
    theirs = [(1.0, "display name", record.name)]
    theirs += [(0.9, "label", n) for n in record.labels] + [(0.9, "alias", n) for n in record.aliases]
    best, words = 0.0, ""
    for weight, kind, name in theirs:
        key = normalise(name)
        if key in ours:
            value, text = weight, f"exact {kind} {name!r}"
        else:
            ratio = max((fuzz.ratio(key, mine) for mine in ours), default=0.0) / 100
            value, text = (ratio * weight * 0.9, f"{kind} {name!r} similar ({ratio:.2f})") \
                if ratio >= 0.85 else (0.0, "")
        if value > best:
            best, words = value, text
    if words:
        evidence.append(words)
    return best


def reconcile(orgs: list[Organisation], records: list[RorRecord], linked: dict[str, set[str]],
              link_at: float, review_at: float) -> Result:
    """Score every pair twice: the second pass counts the first pass's links as relationships."""
    first = _decide(orgs, records, linked, link_at, review_at)
    known = {k: set(v) for k, v in linked.items()}
    for candidate in first.links:
        known.setdefault(candidate.org.iri, set()).add(candidate.record.id)
    return _decide(orgs, records, known, link_at, review_at)


def _decide(orgs, records, linked, link_at: float, review_at: float) -> Result:
    candidates = [score(o, r, linked) for o in orgs for r in records]
    candidates = [c for c in candidates if c.score >= review_at]
    candidates.sort(key=lambda c: (-c.score, c.org.iri, c.record.id))
    links: list[Candidate] = []
    taken: set[str] = set()  # organisation IRIs and record ids already linked
    for c in candidates:
        if c.score < link_at or c.org.iri in taken or c.record.id in taken:
            continue
        if any(_rival(c, other, taken) for other in candidates):
            continue  # a close runner-up: a person decides
        links.append(c)
        taken |= {c.org.iri, c.record.id}
    review = [c for c in candidates if c.org.iri not in taken]
    return Result(links=links, review=review, scored=len(orgs) * len(records))


def _rival(c: Candidate, other: Candidate, taken: set[str]) -> bool:
    return (other is not c and other.score >= c.score - AMBIGUITY_MARGIN
            and (other.org.iri == c.org.iri or other.record.id == c.record.id)
            and other.org.iri not in taken and other.record.id not in taken)


def review_csv(candidates: list[Candidate]) -> str:
    """The review list: one row per pair in the middle band, with its evidence."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["entity", "entity_name", "ror_iri", "ror_name", "score", "evidence", "record"])
    for c in sorted(candidates, key=lambda c: (c.org.iri, -c.score, c.record.id)):
        writer.writerow([c.org.iri, c.org.name, c.record.id, c.record.name, f"{c.score:.3f}",
                         "; ".join(c.evidence), c.record.source])
    return buffer.getvalue()


@dataclass
class Metrics:
    precision: float
    recall: float
    true_links: int
    false_links: list[tuple[str, str]]
    missed: list[tuple[str, str]]
    distractor_links: list[tuple[str, str]]

    def text(self) -> str:
        return (f"precision {self.precision:.3f}, recall {self.recall:.3f} "
                f"({self.true_links} correct, {len(self.false_links)} wrong, {len(self.missed)} missed, "
                f"{len(self.distractor_links)} to distractors)")


def evaluate(links: list[tuple[str, str]], truth: set[tuple[str, str]],
             distractors: set[str]) -> Metrics:
    """Precision and recall of (entity, ROR id) links against verified pairs."""
    made = set(links)
    right = made & truth
    return Metrics(
        precision=round(len(right) / len(made), 3) if made else 1.0,
        recall=round(len(right) / len(truth), 3) if truth else 1.0,
        true_links=len(right),
        false_links=sorted(made - truth), missed=sorted(truth - made),
        distractor_links=sorted(p for p in made if p[1] in distractors))


def links_graph(links: list[Candidate], base: str, date: str) -> Graph:
    """Accepted links with their provenance: method, score, evidence, record, date."""
    from rdflib import Literal
    from rdflib.namespace import DCTERMS, PROV, XSD

    from .common import date_literal, iri, new_graph
    from .curated import SEMAPV, SSSOM

    graph = new_graph()
    graph.bind("sssom", SSSOM)
    graph.bind("semapv", SEMAPV)
    for c in sorted(links, key=lambda c: c.org.iri):
        entity, target = URIRef(c.org.iri), URIRef(c.record.id)
        graph.add((entity, SCHEMA.sameAs, target))
        graph.add((entity, SKOS.exactMatch, target))
        record = iri(base, "link", "ror-reconciliation", c.org.iri.rsplit("/", 1)[1])
        for p, o in ((RDF.type, RDF.Statement), (RDF.type, PROV.Entity), (RDF.subject, entity),
                     (RDF.predicate, SKOS.exactMatch), (RDF.object, target),
                     (RDFS.label, Literal(f"ROR reconciliation link of {c.org.name}")),
                     (SSSOM.mapping_justification, SEMAPV.LexicalMatching),
                     (SSSOM.confidence, Literal(f"{c.score:.3f}", datatype=XSD.decimal)),
                     (DCTERMS.description, Literal("; ".join(c.evidence))),
                     (DCTERMS.source, Literal(c.record.source)),
                     (DCTERMS.created, date_literal(date)),
                     (PROV.wasDerivedFrom, target)):
            graph.add((record, p, o))
    return graph


def linked_ids(graph: Graph) -> dict[str, set[str]]:
    """Entity IRI -> the ROR ids curated links give it."""
    found: dict[str, set[str]] = {}
    for entity, ror_id in ror_links(graph):
        found.setdefault(str(entity), set()).add(ror_id)
    return found


def measure(result: Result, curated_ids: dict[str, set[str]], manifest: Path,
            in_dump: set[str]) -> Metrics:
    """Precision and recall against the curated pairs; distractors from the manifest."""
    rows = read_csv(manifest)
    distractors = {r["ror_iri"] for r in rows if r["role"] == "distractor"}
    truth = {(e, i) for e, ids in curated_ids.items() for i in ids if i in in_dump}
    return evaluate([c.pair for c in result.links], truth, distractors)


def ror_links(graph: Graph) -> list[tuple[URIRef, str]]:
    """(entity, ROR IRI) pairs a graph links with schema:sameAs, sorted."""
    return sorted({(s, str(o)) for s, o in graph.subject_objects(SCHEMA.sameAs)
                   if str(o).startswith("https://ror.org/")})
