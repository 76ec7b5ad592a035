"""Files to named graphs.

The shipped dataset is a set of Turtle files: `ontology/*.ttl` is the
ontology graph, `data/*.ttl` the data graph, and each `data/<name>/` folder
(links, memberships, enrichment) the graph of that name. `serve FILE...`
swaps all of that for arbitrary RDF files, one graph per file.

A file that does not parse is reported as `path:line: message`, so the
person who broke it can go straight to the line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.util import SUFFIX_FORMAT_MAP, guess_format

from .. import __version__, netguard
from ..errors import KGError
from ..namespaces import DEFAULT_BASE, GRAPH_NAMES, all_prefixes, change_graph_iri, graph_iri

netguard.guard_parsers()  # JSON-LD contexts, owl:imports, XML entities: never fetched

#: Parsers rdflib offers for files, by suffix (guess_format covers the rest).
QUAD_FORMATS = {"trig", "nquads", "json-ld", "trix"}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    graph: str  # a graph name of GRAPH_NAMES, or a full graph IRI for user files


@dataclass
class Inputs:
    """Everything a store is built from; its fingerprint names the store."""

    files: list[SourceFile]
    base: str
    shapes: list[Path] = field(default_factory=list)
    validate: bool = True
    infer: bool = True
    #: Changeset files not yet written back (curate.writes keeps them), re-applied in order
    #: over the files at every build: see changesets.py.
    changes: list[Path] = field(default_factory=list)

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(f"{__version__}|{self.base}|{self.validate}|{self.infer}".encode())
        for path in [f.path for f in self.files] + self.shapes:
            digest.update(str(path).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        for path in self.changes:
            digest.update(path.name.encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()[:16]


def project_inputs(settings: dict) -> Inputs:
    """The shipped dataset: ontology, data and the curated graphs."""
    root = Path(settings["project_dir"])
    files = [SourceFile(p, "ontology") for p in _turtle_files(root / "ontology")]
    files += [SourceFile(p, "data") for p in _turtle_files(root / "data")]
    for name in GRAPH_NAMES:
        if name not in {"ontology", "data", "inferred"}:
            files += [SourceFile(p, name) for p in _turtle_files(root / "data" / name)]
    files += [SourceFile(p, change_graph_iri(settings["base_iri"], p.stem))
              for p in sorted((root / "data" / "changes").glob("*.trig"))]  # written-back history
    if not any(f.graph == "data" for f in files):
        raise KGError(f"no data found: {root / 'data'} holds no .ttl files; pass --project DIR (a "
                      "checkout, or a folder with ontology/, data/ and shapes/) or set MHA_KG_PROJECT_DIR")
    return Inputs(
        files=files,
        base=settings["base_iri"],
        shapes=_turtle_files(root / "shapes"),
        validate=settings["validate"],
        infer=settings["infer"],
    )


def file_inputs(paths: Iterable[str | Path], settings: dict) -> Inputs:
    """User-supplied RDF files: one graph each, no shapes, inference on request."""
    files = []
    for raw in paths:
        path = Path(raw).resolve()
        if not path.is_file():
            raise KGError(f"{raw}: no such file")
        files.append(SourceFile(path, path.as_uri()))
    return Inputs(files=files, base=settings["base_iri"], validate=False, infer=False)


def _turtle_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.ttl")) if folder.is_dir() else []


def graph_name_iri(source: SourceFile, base: str) -> URIRef:
    if source.graph in GRAPH_NAMES:
        return URIRef(graph_iri(base, source.graph))
    return URIRef(source.graph)


def load(inputs: Inputs) -> Dataset:
    """Parse every input file into its named graph of one Dataset."""
    dataset = Dataset()
    for prefix, namespace in all_prefixes(inputs.base).items():
        dataset.bind(prefix, namespace)
    for source in inputs.files:
        parse_into(dataset, source, inputs.base)
    return dataset


def parse_into(dataset: Dataset, source: SourceFile, base: str) -> None:
    fmt = rdf_format(source.path)
    text = read_text(source.path)
    if base != DEFAULT_BASE:
        text = text.replace(DEFAULT_BASE + "/", base + "/")
    target_iri = graph_name_iri(source, base)
    try:
        if fmt in QUAD_FORMATS:
            _parse_quads(dataset, text, fmt, target_iri)
        else:
            dataset.graph(target_iri).parse(data=text, format=fmt, publicID=source.path.as_uri())
    except KGError:
        raise
    except Exception as exc:  # rdflib raises many types; every one is a bad file
        raise KGError(f"{display_path(source.path)}:{error_line(exc)}: {error_message(exc)}") from None


def _parse_quads(dataset: Dataset, text: str, fmt: str, target_iri: URIRef) -> None:
    """A quad file's named graphs keep their names; its default graph becomes the file's graph."""
    scratch = Dataset()
    scratch.parse(data=text, format=fmt, publicID=target_iri)
    default = scratch.default_graph.identifier
    for s, p, o, g in scratch.quads((None, None, None, None)):
        dataset.graph(target_iri if g is None or g == default else g).add((s, p, o))


def rdf_format(path: Path) -> str:
    fmt = guess_format(str(path), {**SUFFIX_FORMAT_MAP, "json": "json-ld", "ttl": "turtle"})
    if fmt is None:
        raise KGError(f"{display_path(path)}: unknown RDF format (by its suffix)")
    return fmt


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KGError(f"{display_path(path)}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise KGError(f"{display_path(path)}: {exc.strerror}") from None


def error_line(exc: Exception) -> str:
    """The line an rdflib parser blames, as a string ('?' when it does not say)."""
    for attr in ("lines", "lineno", "line"):
        value = getattr(exc, attr, None)
        if isinstance(value, int):
            return str(value + 1 if attr == "lines" else value)
    match = re.search(r"line (\d+)", str(exc))
    return match.group(1) if match else "?"


def error_message(exc: Exception) -> str:
    why = getattr(exc, "_why", None)  # rdflib's Turtle/N3 BadSyntax keeps the reason here
    if why:
        return f"bad syntax ({why})"
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    message = " ".join(str(message).split())
    return message[:300]


def display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def quads(dataset: Dataset) -> Iterator[tuple]:
    """Every (s, p, o, graph IRI) of the dataset's named graphs."""
    for s, p, o, g in dataset.quads((None, None, None, None)):
        if g is not None and g != dataset.default_context.identifier:
            yield s, p, o, g


def graph_of(dataset: Dataset, base: str, *names: str) -> Graph:
    """One plain Graph holding the union of the named graphs given."""
    union = Graph()
    for name in names:
        for triple in dataset.graph(URIRef(graph_iri(base, name))):
            union.add(triple)
    return union


def load_shapes(inputs: Inputs) -> Graph:
    shapes = Graph()
    for path in inputs.shapes:
        try:
            shapes.parse(data=read_text(path), format="turtle", publicID=path.as_uri())
        except KGError:
            raise
        except Exception as exc:
            raise KGError(f"{display_path(path)}:{error_line(exc)}: {error_message(exc)}") from None
    return shapes
