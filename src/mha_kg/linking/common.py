"""What the linking modules share: reference files, the graph's names, stable Turtle output.

The reference data lives in `data/reference/` (a copy of the team's shared/reference); every
command takes an explicit path too, so nothing depends on that layout.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS, XSD

from ..errors import KGError
from ..namespaces import DEFAULT_BASE, SCHEMA, all_prefixes

TIME = Namespace("http://www.w3.org/2006/time#")
LINKING_PREFIXES = {"time": str(TIME)}
NAME_PROPERTIES = (SCHEMA.name, RDFS.label, SCHEMA.alternateName, SKOS.altLabel)
HOMEPAGE_PROPERTIES = ("https://w3id.org/mha-kg/def/homepage", str(FOAF.homepage), str(SCHEMA.url))


def reference_dir(project_dir: str | Path) -> Path:
    """The reference data kept with the project (`data/reference/`, a copy of shared/reference)."""
    return Path(project_dir).resolve() / "data" / "reference"


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a reference CSV; a missing or unreadable file is the user's to fix."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise KGError(f"cannot read {path}: {exc.strerror}") from None


def normalise(text: str) -> str:
    """Lower-case ASCII words, '&' as 'and', punctuation dropped: how names are compared."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ")
    return " ".join(re.findall(r"[a-z0-9]+", text))


def slug(text: str) -> str:
    """A slug as docs/iris.md wants: lower-case ASCII words joined by '-'."""
    return normalise(text).replace(" ", "-")


def name_variants(entity: str) -> list[str]:
    """The names a reference row's entity may go by in the graph.

    >>> name_variants("National Institute for Health and Care Research (NIHR)")[1:]
    ['National Institute for Health and Care Research', 'NIHR']
    >>> name_variants("WMG (Warwick Manufacturing Group), University of Warwick")[1:]
    ['WMG (Warwick Manufacturing Group)', 'WMG', 'Warwick Manufacturing Group']
    """
    variants = [entity]
    head = entity.split("), ")[0] + ")" if "), " in entity else entity
    if head != entity:
        variants.append(head)
    match = re.fullmatch(r"(.+?) \((.+)\)", head)
    if match:
        variants += [match.group(1), match.group(2)]
    return variants


def names_index(graph: Graph) -> dict[str, set[URIRef]]:
    """Normalised name or alternate name -> the organisations and people that bear it."""
    index: dict[str, set[URIRef]] = {}
    for prop in NAME_PROPERTIES:
        for subject, _, name in graph.triples((None, prop, None)):
            if isinstance(subject, URIRef) and "/id/" in str(subject) and _is_named_thing(subject):
                index.setdefault(normalise(str(name)), set()).add(subject)
    return index


def _is_named_thing(subject: URIRef) -> bool:
    return any(f"/id/{kind}/" in str(subject) for kind in ("organisation", "person", "project"))


def find_entity(entity: str, index: dict[str, set[URIRef]]) -> URIRef | None:
    """The one graph entity a reference name denotes by exact name, or None (absent or ambiguous)."""
    found: set[URIRef] = set()
    for variant in name_variants(entity):
        found |= index.get(normalise(variant), set())
    return next(iter(found)) if len(found) == 1 else None


def homepages(graph: Graph, subject: URIRef) -> list[str]:
    return sorted({str(o) for p in HOMEPAGE_PROPERTIES for o in graph.objects(subject, URIRef(p))})


def project_graph(project_dir: str | Path, *folders: str) -> Graph:
    """The asserted Turtle of `ontology/`, `data/` and the named `data/<folder>/`s, as one graph.

    Linking reads the files, not the store, so that what it writes never
    depends on its own previous output (re-runs are idempotent).
    """
    root = Path(project_dir)
    paths = [*sorted((root / "ontology").glob("*.ttl")), *sorted((root / "data").glob("*.ttl"))]
    for folder in folders:
        paths += sorted((root / "data" / folder).glob("*.ttl"))
    graph = Graph()
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many types; each is a broken file
            raise KGError(f"{path}: {' '.join(str(exc).split())[:200]}") from None
    return graph


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in {**all_prefixes(DEFAULT_BASE), **LINKING_PREFIXES}.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def iri(base: str, *parts: str) -> URIRef:
    return URIRef("/".join([base, "id", *parts]))


def recorded_date(path: Path) -> str | None:
    """The dcterms:created date a previous run wrote into `path`, so re-runs keep it."""
    if not path.is_file():
        return None
    match = re.search(r'dcterms:created "(\d{4}-\d{2}-\d{2})"', path.read_text(encoding="utf-8"))
    return match.group(1) if match else None


def run_date(path: Path, override: str | None = None) -> str:
    """The date a generated file records: given, else the previous run's, else today."""
    if override:
        try:
            return dt.date.fromisoformat(override).isoformat()
        except ValueError:
            raise KGError(f"--date expects YYYY-MM-DD, got {override!r}") from None
    return recorded_date(path) or dt.date.today().isoformat()


def date_literal(value: str) -> Literal:
    return Literal(value, datatype=XSD.date)


def write_turtle(graph: Graph, path: Path, header: Iterable[str]) -> bool:
    """Write `graph` as Turtle under a comment header; True when the bytes changed.

    rdflib sorts subjects and predicates, and every node is an IRI (no blank
    nodes), so the same graph always gives the same text.
    """
    body = graph.serialize(format="turtle")
    text = "".join(f"# {line}\n" for line in header) + "\n" + body
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if old == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def relative(path: Path, root: str | Path) -> str:
    """A path as shown in provenance: relative to the checkout's parent when under it."""
    try:
        return str(path.resolve().relative_to(Path(root).resolve().parent))
    except ValueError:
        return str(path)


__all__ = ["DCTERMS", "TIME"]
