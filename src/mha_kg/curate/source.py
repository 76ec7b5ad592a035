"""Watch the source page: a new copy of its text against the one the graph was built from.

The reference copy is `data/source/associated-organisations.txt`. Both texts
are cut into the page's sections at the titles the graph knows
(`mha:SourceSection` `dcterms:title`); a title missing from the new copy is
looked for where its section should be, as the line that best splits the
text between the neighbouring titles (a renamed section). Each section's
lines are compared with difflib; through `prov:wasDerivedFrom` every changed
section names the entities it feeds, and the statements whose values the
removed or changed lines mention: a to-do list for curators.

Accepting a new copy writes it over the reference and records the change
(the page's `schema:sha256` in the data graph), so it is in the history too.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..build import store
from ..errors import KGError
from ..kg import KnowledgeGraph
from ..namespaces import graph_iri
from ..publish import describe
from . import changes, curators

SOURCE_FILE = Path("data") / "source" / "associated-organisations.txt"
SHA256 = "https://schema.org/sha256"


@dataclass
class Section:
    iri: str
    title: str
    lines: list[str]


@dataclass
class SectionChange:
    iri: str
    title: str
    status: str  # unchanged, changed, renamed, removed
    new_title: str | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    subject: dict | None = None  # the associated organisation the section is about
    likely: list[dict] = field(default_factory=list)  # entities whose statements the old lines state
    statements: list[dict] = field(default_factory=list)  # those statements
    entities: list[dict] = field(default_factory=list)  # everything derived from the section

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Report:
    reference: str
    sections: list[SectionChange]

    @property
    def changed(self) -> list[SectionChange]:
        return [s for s in self.sections if s.status != "unchanged"]

    def to_json(self) -> dict:
        return {"reference": self.reference, "changed": len(self.changed),
                "sections": [s.to_json() for s in self.sections]}

    def text(self) -> str:
        if not self.changed:
            return f"No change: the text has the same {len(self.sections)} sections as {self.reference}."
        out = [f"{len(self.changed)} of {len(self.sections)} sections changed against {self.reference}."]
        for s in self.changed:
            heading = f"{s.title} -> {s.new_title}" if s.status == "renamed" else s.title
            out.append(f"\n[{s.status}] {heading}  <{s.iri}>")
            out += [f"  - {line}" for line in s.removed] + [f"  + {line}" for line in s.added]
            if s.subject:
                out.append(f"  about: {s.subject['label']} <{s.subject['iri']}>")
            for e in s.likely:
                out.append(f"  review: {e['label']} <{e['iri']}>")
                out += [f"    states <{st['predicate']}> {st['object']!r}" for st in s.statements
                        if st["subject"] == e["iri"]]
            out.append(f"  ({len(s.entities)} entities in all are derived from this section: --format json "
                       "lists them)")
        return "\n".join(out)


# ------------------------------------------------------------------ sections


def known_sections(kg: KnowledgeGraph) -> list[tuple[str, str]]:
    rows = kg.select(f"SELECT ?s ?title WHERE {{ ?s a <{kg.base}/def/SourceSection> ; "
                     "<http://purl.org/dc/terms/title> ?title }")
    return [(r["s"].value, r["title"].value) for r in rows]


def _norm(line: str) -> str:
    return " ".join(line.replace("\u2022", " ").split()).lower()


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def split(text: str, titles: list[tuple[str, str]]) -> list[Section]:
    """The sections of a text in page order, cut at the titles the graph knows."""
    lines = _lines(text)
    by_title = {_norm(t): (iri, t) for iri, t in titles}
    heads = [(i, *by_title[_norm(line)]) for i, line in enumerate(lines) if _norm(line) in by_title]
    sections = [Section(iri, title, lines[i + 1:(heads[n + 1][0] if n + 1 < len(heads) else len(lines))])
                for n, (i, iri, title) in enumerate(heads)]
    return sections


def check(kg: KnowledgeGraph, new_text: str, reference: Path | None = None) -> Report:
    path = reference or Path(kg.settings["project_dir"]) / SOURCE_FILE
    if not path.is_file():
        raise KGError(f"no reference copy of the source at {path}")
    titles = known_sections(kg)
    old = split(path.read_text(encoding="utf-8"), titles)
    if not old:
        raise KGError(f"{path}: none of the graph's source sections is in it")
    new_lines = _lines(new_text)
    found = _locate(old, new_lines)
    report = Report(str(SOURCE_FILE), [])
    for n, section in enumerate(old):
        where = found[n]
        if where is None:
            change = SectionChange(section.iri, section.title, "removed", removed=section.lines)
        else:
            start, heading = where
            end = next((found[m][0] for m in range(n + 1, len(old)) if found[m] is not None), len(new_lines))
            body = new_lines[start + 1:end]
            change = _compare(section, heading, body)
        if change.status != "unchanged":
            _todo(kg, change)
        report.sections.append(change)
    return report


def _locate(old: list[Section], lines: list[str]) -> list[tuple[int, str] | None]:
    """Where each old section's heading is in the new lines: by its title, else the best split."""
    found: list[tuple[int, str] | None] = []
    for section in old:
        at = next((i for i, line in enumerate(lines) if _norm(line) == _norm(section.title)), None)
        found.append((at, lines[at]) if at is not None else None)
    for n, section in enumerate(old):
        if found[n] is not None:
            continue
        low = found[n - 1][0] + 1 if n and found[n - 1] is not None else 0
        high = next((found[m][0] for m in range(n + 1, len(old)) if found[m] is not None), len(lines))
        best, best_score = None, 0.5
        for i in range(low, high):
            if len(lines[i]) > 80 or lines[i].endswith("."):
                continue
            score = difflib.SequenceMatcher(None, section.lines, lines[i + 1:high]).ratio()
            if score > best_score:
                best, best_score = i, score
        if best is not None:
            found[n] = (best, lines[best])
    return found


def _compare(section: Section, heading: str, body: list[str]) -> SectionChange:
    renamed = _norm(heading) != _norm(section.title)
    removed, added = [], []
    matcher = difflib.SequenceMatcher(None, section.lines, body, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += section.lines[i1:i2]
            added += body[j1:j2]
    status = "renamed" if renamed else "changed" if removed or added else "unchanged"
    return SectionChange(section.iri, section.title, status, heading if renamed else None, added, removed)


def _todo(kg: KnowledgeGraph, change: SectionChange) -> None:
    """What a curator should look at: the section's subject, the entities and statements its
    removed or changed lines state, and every entity derived from it."""
    rows = kg.select(f"SELECT DISTINCT ?e ?about WHERE {{ ?e <http://www.w3.org/ns/prov#wasDerivedFrom> "
                     f"<{change.iri}> . BIND(EXISTS {{ ?mha <{kg.base}/def/associatedOrganisation> ?e }} "
                     "AS ?about) }")
    entities = sorted(r["e"].value for r in rows if isinstance(r["e"], ox.NamedNode))
    names = describe.labels(kg, set(entities))
    change.entities = [{"iri": e, "label": names.get(e) or describe.local_name(e)} for e in entities]
    subject = next((r["e"].value for r in rows if r["about"].value == "true"), None)
    change.subject = next((e for e in change.entities if e["iri"] == subject), None)
    lines = [_norm(line) for line in change.removed]
    if change.status == "renamed":
        lines.append(_norm(change.title))
    if not entities or not lines:
        return
    values = " ".join(f"<{e}>" for e in entities)
    rows = kg.select(f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o . "
                     "FILTER isLiteral(?o) }")
    for r in rows:
        text = _norm(r["o"].value)
        if (" " in text or len(text) >= 12) and any(text in line for line in lines):
            change.statements.append({"subject": r["s"].value, "predicate": r["p"].value,
                                      "object": r["o"].value})
    change.statements.sort(key=lambda st: (st["subject"], st["predicate"], st["object"]))
    likely = {st["subject"] for st in change.statements}
    change.likely = [e for e in change.entities if e["iri"] in likely]


# ------------------------------------------------------------------ accepting a new copy


def accept(kg: KnowledgeGraph, new_text: str, who: curators.Curator, note: str) -> changes.Changeset:
    """The new copy becomes the reference: its digest is recorded as a change, then the file written."""
    page = ox.NamedNode(f"{kg.base}/id/source/associated-organisations")
    data = ox.NamedNode(graph_iri(kg.base, "data"))
    digest = hashlib.sha256(new_text.encode("utf-8")).hexdigest()
    old = kg.select(f"SELECT ?d WHERE {{ GRAPH <{data.value}> {{ <{page.value}> <{SHA256}> ?d }} }}")
    change = changes.commit(kg, changes.Proposed(
        who, note, "Accepted a new copy of the source page's text as the reference",
        added=[ox.Quad(page, ox.NamedNode(SHA256), ox.Literal(digest), data)],
        removed=[ox.Quad(page, ox.NamedNode(SHA256), r["d"], data) for r in old]))
    target = Path(kg.settings["project_dir"]) / SOURCE_FILE
    store.write_synced(target, new_text.encode("utf-8"))
    return change


def curator_for(settings: dict, slug: str | None) -> curators.Curator:
    entries = curators.read_entries(curators.curators_path(settings))
    match = [e for e in entries if e["slug"] == slug]
    if not match:
        raise KGError("--accept needs --curator SLUG, one of the curators file's slugs")
    return curators.Curator(match[0]["slug"], match[0]["name"])
