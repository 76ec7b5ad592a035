"""Fold curated writes back into the Turtle files, in their own style.

A validated write (writes.py) leaves the whole curated dataset as an overlay
under the state folder. `mha-kg writeback` compares it with the files
subject by subject and edits only what changed: a subject block whose
statements are unchanged keeps its exact text (comments, order, layout); a
changed one is rewritten in place with the file's own prefixes; a removed
one is dropped; a new subject goes to the end of `curated.ttl` in its
graph's folder. Then the overlay is removed, so the next start builds from
the files alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from ..build import dataset
from ..errors import KGError
from ..namespaces import graph_iri
from .writes import overlay_path

_DIRECTIVE = re.compile(r"^\s*(@prefix|@base|PREFIX|BASE)\b", re.IGNORECASE)


@dataclass
class Block:
    """The text of one subject's statements in a file, and what it states."""

    text: str
    subject: str | None = None  # None for comments, directives and blank lines
    triples: frozenset = frozenset()


@dataclass
class Result:
    changed: list[Path] = field(default_factory=list)
    overlay: Path | None = None


def writeback(settings: dict, dry_run: bool = False) -> Result:
    inputs = dataset.project_inputs(settings)
    overlay = overlay_path(settings, inputs)
    if not overlay.is_file():
        return Result()
    wanted = _by_graph(ox.parse(overlay.read_bytes(), format=ox.RdfFormat.N_QUADS))
    result = Result(overlay=overlay)
    root = Path(settings["project_dir"])
    for name in ("ontology", "data", "links", "memberships", "enrichment"):
        files = [f.path for f in inputs.files if f.graph == name]
        folder = root / ("ontology" if name == "ontology" else "data" if name == "data" else f"data/{name}")
        want = _by_subject(wanted.get(graph_iri(inputs.base, name), set()))
        result.changed += _write_graph(files, folder, want, dry_run)
    if not dry_run:
        overlay.unlink()
    return result


def _write_graph(files: list[Path], folder: Path, want: dict[str, set], dry_run: bool) -> list[Path]:
    changed = []
    placed: set[str] = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        blocks = split_blocks(text)
        new_text = _rewrite(text, blocks, want, placed)
        placed |= {b.subject for b in blocks if b.subject}
        if new_text != text:
            changed.append(path)
            if not dry_run:
                path.write_text(new_text, encoding="utf-8")
    new_subjects = sorted(s for s in want if s not in placed and want[s])
    if new_subjects:
        target = folder / "curated.ttl"
        head = target.read_text(encoding="utf-8") if target.exists() else (
            "# Curated additions, written back by `mha-kg writeback`.\n\n")
        prefixes = _prefix_lines(files[0].read_text(encoding="utf-8")) if files else ""
        if not target.exists():
            head += prefixes + "\n"
        body = "\n".join(_serialise(want[s], head + prefixes) for s in new_subjects)
        changed.append(target)
        if not dry_run:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_text(head.rstrip("\n") + "\n\n" + body, encoding="utf-8")
    return changed


def _rewrite(text: str, blocks: list[Block], want: dict[str, set], placed: set[str]) -> str:
    out, seen = [], set()
    for block in blocks:
        if block.subject is None:
            out.append(block.text)
        elif block.subject in seen:
            continue  # a subject split over blocks is written once, in its first block
        else:
            seen.add(block.subject)
            wanted = want.get(block.subject, set())
            if not wanted:
                continue
            out.append(block.text if wanted == set(block.triples) else _serialise(wanted, text))
    return "".join(out)


def split_blocks(text: str) -> list[Block]:
    """Cut a Turtle file into subject blocks and the lines between them."""
    header = _prefix_lines(text)
    blocks: list[Block] = []
    pending: list[str] = []
    for line in text.splitlines(keepends=True):
        starts = line[:1] not in ("", " ", "\t", "#", "\n", "\r") and not _DIRECTIVE.match(line)
        if not pending and not starts:
            blocks.append(Block(line))
            continue
        pending.append(line)
        if line.rstrip().endswith("."):
            chunk = "".join(pending)
            triples = _parse(header + chunk)
            if triples is not None:
                subjects = {_key(t.subject) for t in triples if not isinstance(t.subject, ox.BlankNode)}
                subject = next(iter(subjects)) if len(subjects) == 1 else None
                blocks.append(Block(chunk, subject, frozenset(triples)))
                pending = []
    if pending:
        raise KGError("a file ends inside a statement; fix it before writing back")
    return blocks


def _parse(text: str) -> list | None:
    try:
        return _normalised(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE))
    except SyntaxError:
        return None


def _normalised(quads) -> list:
    """Triples as Oxigraph stores them (canonical literals), for exact comparison."""
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    return [q.triple for q in store]


def _by_graph(quads) -> dict[str, set]:
    graphs: dict[str, list] = defaultdict(list)
    for q in quads:
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
            raise KGError("the curated data has blank nodes, which cannot be matched to the files' "
                          "text; give them IRIs")
        graphs[q.graph_name.value].append(q)
    return {name: set(_normalised(qs)) for name, qs in graphs.items()}


def _by_subject(triples: set) -> dict[str, set]:
    subjects: dict[str, set] = defaultdict(set)
    for t in triples:
        subjects[_key(t.subject)].add(t)
    return subjects


def _key(term) -> str:
    return term.value


def _prefix_lines(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if _DIRECTIVE.match(line))


def _serialise(triples: set, file_text: str) -> str:
    """One subject's statements, written with the prefixes the file declares."""
    graph = Graph()
    graph.parse(data=_prefix_lines(file_text), format="turtle")  # binds the file's prefixes
    nt = ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    graph.parse(data=nt, format="nt")
    body = graph.serialize(format="turtle")
    lines = [line for line in body.splitlines(keepends=True) if not _DIRECTIVE.match(line)]
    return "".join(lines).strip("\n") + "\n"
