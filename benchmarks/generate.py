"""Synthetic graphs in the project's own model, at any scale, deterministic by seed.

A scale-N project folder holds the real ontology and shapes and N x 7
generated "sections", each shaped like one section of the real source page: a
collaboration with members, partners and a parent in the organisation tree,
universities and NHS trusts with units and sub-units, people with posts
(`mha:Post`, an `org:Membership`) and roles, research initiatives with
principal investigators, a list of priorities, figures and provenance. One
section is about 150 asserted triples, so scale 1 is about 1,000 triples plus
the ontology, and scale 1000 about a million.

The output passes the project's SHACL shapes, so `mha-kg serve` loads it
exactly as it loads the real data (validation and inference included).

    python -m benchmarks.generate --scale 10 --out /tmp/mha-10
"""

from __future__ import annotations

import argparse
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/mha-kg"
SECTIONS_PER_SCALE = 7

PREFIXES = f"""@prefix mha: <{BASE}/def/> .
@prefix o: <{BASE}/id/organisation/> .
@prefix person: <{BASE}/id/person/> .
@prefix project: <{BASE}/id/project/> .
@prefix role: <{BASE}/id/role/> .
@prefix post: <{BASE}/id/post/> .
@prefix list: <{BASE}/id/list/> .
@prefix figure: <{BASE}/id/figure/> .
@prefix source: <{BASE}/id/source/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""

PLACES = ["Birmingham", "Coventry", "Leicester", "Nottingham", "Derby", "Stoke", "Wolverhampton",
          "Lincoln", "Warwick", "Keele", "Loughborough", "Worcester", "Hereford", "Shrewsbury",
          "Northampton", "Telford", "Walsall", "Dudley", "Solihull", "Mansfield", "Chesterfield",
          "Stafford", "Nuneaton", "Rugby", "Kettering", "Burton", "Redditch", "Tamworth"]
TOPICS = ["Cardiovascular", "Cancer", "Genomics", "Dementia", "Diabetes", "Mental Health",
          "Respiratory", "Stroke", "Primary Care", "Digital Health", "Population Health",
          "Surgery", "Child Health", "Ageing", "Infection", "Imaging", "Nutrition", "Kidney",
          "Musculoskeletal", "Data Science", "Trials", "Pharmacy", "Rehabilitation", "Sleep"]
KINDS = ["Partnership", "Network", "Collaborative", "Alliance", "Centre", "Consortium"]
UNIT_KINDS = ["Department of", "Institute of", "School of", "Centre for", "Unit of"]
GIVEN = ["Amelia", "Ben", "Chloe", "Daniel", "Elena", "Farah", "George", "Hannah", "Imran", "Julia",
         "Kwame", "Laura", "Mohammed", "Nadia", "Oliver", "Priya", "Rhys", "Sofia", "Tom", "Uma",
         "Victor", "Wen", "Yusuf", "Zara", "Anil", "Beth", "Carlos", "Deborah", "Emeka", "Fiona"]
FAMILY = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal",
          "Jones", "Khan", "Lewis", "Morgan", "Nguyen", "Owen", "Patel", "Quinn", "Roberts", "Singh",
          "Taylor", "Usman", "Vaughan", "Walker", "Xu", "Young", "Zhang", "Okafor", "Murphy"]
ROLES = ["Director", "Associate Director", "Deputy Director", "Chair", "Programme Lead",
         "Theme Lead", "Head of Department", "Professor", "Senior Lecturer", "Research Fellow",
         "Clinical Lead", "Chief Executive"]
FIGURES = [("people served", "people", "over {n:,} people"),
           ("annual research funding", "GBP", "about £{n:,} a year"),
           ("researchers", "researchers", "nearly {n:,} researchers"),
           ("trials supported", "trials", "more than {n:,} trials")]


def slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def letters(number: int) -> str:
    """A number spelt in letters (person IRIs hold letters only): 0 -> a, 27 -> bb."""
    word = ""
    while True:
        number, digit = divmod(number, 26)
        word = chr(ord("a") + digit) + word
        if number == 0:
            return word


def lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Section:
    """What one section creates that later sections and the queries refer to."""

    index: int
    collab: str
    name: str
    orgs: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)


class Generator:
    def __init__(self, scale: float, seed: int = 1):
        self.rng = random.Random(seed)
        self.sections = max(SECTIONS_PER_SCALE, round(scale * SECTIONS_PER_SCALE))
        self.made: list[Section] = []
        self.out: list[str] = []

    def emit(self, subject: str, *pairs: tuple[str, str | list[str]]) -> None:
        parts = []
        for predicate, obj in pairs:
            objects = obj if isinstance(obj, list) else [obj]
            if objects:
                parts.append(f"{predicate} {' , '.join(objects)}")
        self.out.append(f"{subject} " + " ;\n    ".join(parts) + " .\n")

    def named(self, subject: str, kind: str, name: str, source: str, *pairs) -> None:
        """An organisation, person or initiative: types, equal label and name, provenance."""
        self.emit(subject, ("a", kind), ("rdfs:label", lit(name)), ("schema:name", lit(name)),
                  ("prov:wasDerivedFrom", source), *pairs)

    def run(self) -> str:
        self.out.append(PREFIXES)
        self.emit("source:synthetic", ("a", "mha:SourceDocument"),
                  ("dcterms:title", lit("Synthetic benchmark source")))
        for name in ROLES:
            self.emit(f"role:{slug(name)}", ("a", "mha:Role"), ("rdfs:label", lit(name)))
        for index in range(self.sections):
            self.section(index)
        self.alliance()
        return "\n".join(self.out)

    def alliance(self) -> None:
        """The alliance under the IRI the shapes require (shape:AllianceCoreShape names its node)."""
        top = [s.collab for s in self.made[:SECTIONS_PER_SCALE]]
        self.named("o:midlands-health-alliance", "mha:Collaboration", "Synthetic Health Alliance",
                   "source:synthetic", ("mha:associatedOrganisation", top),
                   ("schema:description", lit("An alliance of the synthetic benchmark graph.")))

    def section(self, index: int) -> None:
        rng = self.rng
        place, topic = PLACES[index % len(PLACES)], TOPICS[index % len(TOPICS)]
        name = f"{place} {topic} {KINDS[index % len(KINDS)]} {index}"
        collab = f"o:{slug(name)}"
        source = f"source:section-{index}"
        self.emit(source, ("a", "mha:SourceSection"), ("dcterms:title", lit(name)),
                  ("dcterms:isPartOf", "source:synthetic"))
        section = Section(index, collab, name)
        self.organisations(section, place, topic, source)
        people = self.people(section, source)
        projects = self.projects(section, topic, people, source)
        partners = section.orgs + [rng.choice(s.orgs) for s in rng.sample(self.made, min(2, len(self.made)))]
        pairs = [("skos:altLabel", lit(f"{place[:3].upper()}{index}")),
                 ("schema:alternateName", lit(f"{place[:3].upper()}{index}")),
                 ("schema:description", lit(f"The {name} brings together universities and NHS trusts "
                                            f"in {place} to improve {topic.lower()} research and care.")),
                 ("mha:homepage", f"<https://example.org/{slug(name)}/>"),
                 ("schema:foundingDate", f'"{1990 + index % 35}"^^xsd:gYear'),
                 ("mha:hasMember", partners),
                 ("mha:researchInitiative", projects),
                 ("mha:priorityArea", self.priorities(section, topic, source)),
                 ("mha:figure", self.figures(section, source))]
        if index >= SECTIONS_PER_SCALE:  # the organisation tree: every later section has a parent
            pairs.append(("mha:partOf", self.made[(index - SECTIONS_PER_SCALE) // 3].collab))
        self.named(collab, "mha:Collaboration", name, source, *pairs)
        self.emit(f"{people[0]}", ("org:headOf", collab))
        self.made.append(section)

    def organisations(self, section: Section, place: str, topic: str, source: str) -> None:
        rng = self.rng
        i = section.index
        for kind, label in (("mha:University", f"University of {place} {i}"),
                            ("mha:NHSTrust", f"{place} {i} Hospitals NHS Foundation Trust")):
            org = f"o:{slug(label)}"
            self.named(org, kind, label, source, ("mha:homepage", f"<https://example.org/{slug(label)}>"))
            section.orgs.append(org)
            unit_name = f"{rng.choice(UNIT_KINDS)} {topic} ({label})"
            unit = f"o:{slug(unit_name)}"
            self.named(unit, "mha:OrganisationalUnit", unit_name, source, ("mha:partOf", org))
            sub_name = f"{rng.choice(TOPICS)} Group, {unit_name}"
            sub = f"o:{slug(sub_name)}"
            self.named(sub, "mha:OrganisationalUnit", sub_name, source, ("mha:partOf", unit))
            section.units += [unit, sub]

    def people(self, section: Section, source: str) -> list[str]:
        rng = self.rng
        people = []
        for n in range(4):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            who = f"person:{slug(given)}-{slug(family)}-{letters(section.index * 4 + n)}"
            unit = rng.choice(section.units)
            roles = [ROLES[n % 4], rng.choice(ROLES[6:])]
            self.named(who, "mha:Person", f"{given} {family}", source,
                       ("schema:honorificPrefix", lit(rng.choice(["Professor", "Dr"]))),
                       ("schema:givenName", lit(given)), ("schema:familyName", lit(family)),
                       ("schema:jobTitle", [lit(f"{roles[0]}, {section.name}"), lit(roles[1])]),
                       ("schema:worksFor", unit))
            for org, role in ((section.collab, roles[0]), (unit, roles[1])):
                self.emit(f"<{BASE}/id/post/{who.split(':')[1]}/{org.split(':')[1]}>", ("a", "mha:Post"),
                          ("org:member", who), ("org:organization", org), ("org:role", f"role:{slug(role)}"),
                          ("prov:wasDerivedFrom", source))
            people.append(who)
        return people

    def projects(self, section: Section, topic: str, people: list[str], source: str) -> list[str]:
        projects = []
        for n, aim in enumerate(("Understanding", "Preventing")):
            title = f"{aim} {topic.lower()} outcomes across the region ({section.index}.{n})"
            project = f"project:{slug(title)}"
            self.named(project, "mha:ResearchInitiative", title, source,
                       ("mha:principalInvestigator", people[1 + n]))
            projects.append(project)
        return projects

    def priorities(self, section: Section, topic: str, source: str) -> str:
        base = f"{BASE}/id/list/section-{section.index}/priorities"
        items = [f"<{base}/{n}>" for n in range(1, 4)]
        self.emit(f"<{base}>", ("a", "mha:List"),
                  ("schema:name", lit(f"Priorities of {section.name}")),
                  ("schema:numberOfItems", f'"{len(items)}"^^xsd:integer'),
                  ("schema:itemListElement", items), ("prov:wasDerivedFrom", source))
        for n, item in enumerate(items, 1):
            self.emit(item, ("a", "mha:ListItem"), ("schema:position", f'"{n}"^^xsd:integer'),
                      ("schema:name", lit(f"{topic} priority {n}")))
        return f"<{base}>"

    def figures(self, section: Section, source: str) -> str:
        name, unit, words = FIGURES[section.index % len(FIGURES)]
        value = self.rng.randrange(1_000, 10_000_000)
        fig = f"<{BASE}/id/figure/section-{section.index}/{slug(name)}>"
        self.emit(fig, ("a", "mha:Figure"), ("schema:name", lit(name)),
                  ("schema:value", f'"{value}"^^xsd:integer'), ("schema:unitText", lit(unit)),
                  ("schema:description", lit(words.format(n=value))), ("prov:wasDerivedFrom", source))
        return fig


def write_project(scale: float, out: Path, seed: int = 1) -> Path:
    """A project folder (ontology/, data/, shapes/) holding the scale-N graph."""
    out.mkdir(parents=True, exist_ok=True)
    for folder in ("ontology", "shapes"):
        shutil.rmtree(out / folder, ignore_errors=True)
        shutil.copytree(ROOT / folder, out / folder)
    (out / "data").mkdir(exist_ok=True)
    for old in (out / "data").glob("*.ttl"):
        old.unlink()
    (out / "data" / "synthetic.ttl").write_text(Generator(scale, seed).run(), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(write_project(args.scale, args.out, args.seed))


if __name__ == "__main__":
    main()
