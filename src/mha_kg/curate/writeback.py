"""Fold the pending changes back into the Turtle files, in their own style.

`mha-kg writeback` takes the state's writer lock (so it refuses to run while
a server that writes is up), reads the journal of changes not yet written
back (writes.py) and nets them out in order. Each triple removed is taken out
of the subject block, in the file, that states it; each triple added goes
into the first block of its subject among its graph's files, or, for a new
subject, to `curated-writes.ttl` in that graph's folder. Only blocks whose
statements change are rewritten, with the prefixes their file declares
(an IRI no prefix covers is written in full, so no prefix is ever used
undeclared); every other line keeps its exact text. Each change's history
graph goes to `data/changes/<id>.trig`.

Nothing is written until the new files are proven right: they are parsed
from a scratch copy of the project and must give exactly the dataset the
server builds from the old files plus the journal. Then every new text goes
to a redo log (`<state_dir>/changes/writeback.json`, fsynced) before any file
is replaced, each file is replaced atomically, the journal is emptied and
the log removed; a writeback killed halfway is finished by the next start
(Journal.finish_writeback), so the files never hold half of it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..build import changesets, dataset, store
from ..errors import KGError
from ..namespaces import WRITABLE_GRAPHS, all_prefixes, graph_iri
from .journal import Journal

_DIRECTIVE = re.compile(r"^\s*(@prefix|@base|PREFIX|BASE)\b", re.IGNORECASE)
_PREFIX = re.compile(r"^\s*@?prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)

#: Where new subjects of each graph go, beside that graph's files.
NEW_SUBJECTS = "curated-writes.ttl"


@dataclass
class Block:
    """The text of one subject's statements in a file, and what it states."""

    text: str
    subject: str | None = None  # None for comments, directives and blank lines
    triples: frozenset = frozenset()
    order: tuple = ()  # the same triples, in the order the text states them


@dataclass
class Result:
    changes: list[str] = field(default_factory=list)  # ids written back
    changed: list[Path] = field(default_factory=list)  # files written (or that would be)


def writeback(settings: dict, dry_run: bool = False) -> Result:
    """Write the pending changes into the files, after proving the files give the served dataset."""
    journal = Journal(settings)
    with journal.writer():
        entries = journal.load()
        if not entries:
            return Result()
        inputs = dataset.project_inputs(settings)
        pending = journal.files(entries)
        root = Path(settings["project_dir"])
        texts = _plan(inputs, root, pending)
        for path in pending:
            texts[root / "data" / "changes" / path.name] = path.read_text(encoding="utf-8")
        _prove(settings, inputs, root, texts, pending)
        result = Result([e["id"] for e in entries], sorted(texts))
        if dry_run:
            return result
        # the redo log first: a writeback killed from here on is finished by the next start
        store.write_synced(journal.redo, json.dumps({"files": {str(p): t for p, t in texts.items()}})
                           .encode("utf-8"))
        journal.finish_writeback()
        return result


# ------------------------------------------------------------------ planning


def net_delta(pending: list[Path], base: str) -> tuple[set, set]:
    """The changes in order, netted: (quads added, quads removed) overall."""
    added: set = set()
    removed: set = set()
    for path in pending:
        delta = changesets.delta(changesets.read(path), base)
        for quad in delta.removed:
            added.discard(quad) if quad in added else removed.add(quad)
        for quad in delta.added:
            removed.discard(quad) if quad in removed else added.add(quad)
    return added, removed


def _plan(inputs: dataset.Inputs, root: Path, pending: list[Path]) -> dict[Path, str]:
    """The new text of every file the changes touch."""
    added, removed = net_delta(pending, inputs.base)
    texts: dict[Path, str] = {}
    for name in WRITABLE_GRAPHS:
        iri = graph_iri(inputs.base, name)
        gone = {q.triple for q in removed if q.graph_name.value == iri}
        new = {q.triple for q in added if q.graph_name.value == iri}
        if gone or new:
            files = [f.path for f in inputs.files if f.graph == name]
            texts |= _plan_graph(files, _folder(root, name), gone, new, inputs.base)
    return texts


def _folder(root: Path, name: str) -> Path:
    return root / {"ontology": "ontology", "data": "data"}.get(name, f"data/{name}")


def _plan_graph(files: list[Path], folder: Path, gone: set, new: set, base: str) -> dict[Path, str]:
    parsed = {path: split_blocks(path.read_text(encoding="utf-8")) for path in files}
    edits: dict[tuple[Path, int], set] = {}
    first_block: dict[str, tuple[Path, int]] = {}
    for path, blocks in parsed.items():
        for index, block in enumerate(blocks):
            if block.subject and block.subject not in first_block:
                first_block[block.subject] = (path, index)
            for triple in gone & block.triples:
                edits.setdefault((path, index), set(block.triples)).discard(triple)
                gone = gone - {triple}
    if gone:
        triple = sorted(gone, key=str)[0]
        raise KGError(f"cannot write back: the triple {triple} is not in a single-subject block of "
                      "its graph's files; edit the file by hand")
    homeless: dict[str, set] = defaultdict(set)
    for triple in new:
        where = first_block.get(triple.subject.value)
        if where is None:
            homeless[triple.subject.value].add(triple)
        else:
            edits.setdefault(where, set(parsed[where[0]][where[1]].triples)).add(triple)
    texts = {}
    for path, blocks in parsed.items():
        prefixes = _declared(path.read_text(encoding="utf-8"))
        changed = {index: triples for (p, index), triples in edits.items() if p == path}
        if changed:
            texts[path] = "".join(
                (_serialise(changed[i], prefixes, b.order) if changed[i] else "") if i in changed
                else b.text for i, b in enumerate(blocks))
    if homeless:
        texts[folder / NEW_SUBJECTS] = _new_subjects(folder / NEW_SUBJECTS, homeless, base)
    return texts


def _new_subjects(target: Path, subjects: dict[str, set], base: str) -> str:
    """New subjects at the end of the graph's curated-writes.ttl, started when absent."""
    if target.exists():
        head = target.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
        prefixes = _declared(head)
    else:
        used = {t.value for triples in subjects.values() for triple in triples
                for t in (triple.subject, triple.predicate, triple.object) if isinstance(t, ox.NamedNode)}
        prefixes = {p: ns for p, ns in all_prefixes(base).items() if any(i.startswith(ns) for i in used)}
        head = "# Curated additions, written back by `mha-kg writeback`.\n\n" + "".join(
            f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items())) + "\n"
    return head + "\n".join(_serialise(subjects[s], prefixes) for s in sorted(subjects))


def split_blocks(text: str) -> list[Block]:
    """Cut a Turtle file into subject blocks and the lines between them."""
    header = "".join(line for line in text.splitlines(keepends=True) if _DIRECTIVE.match(line))
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
                subjects = {t.subject.value for t in triples if not isinstance(t.subject, ox.BlankNode)}
                subject = next(iter(subjects)) if len(subjects) == 1 else None
                blocks.append(Block(chunk, subject, frozenset(triples), tuple(triples)))
                pending = []
    if pending:
        raise KGError("a file ends inside a statement; fix it before writing back")
    return blocks


def _parse(text: str) -> list | None:
    try:
        return [q.triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)]
    except SyntaxError:
        return None


def _declared(text: str) -> dict[str, str]:
    """The prefixes a Turtle file declares."""
    return {m.group(1) or "": m.group(2) for m in map(_PREFIX.match, text.splitlines()) if m}


def _serialise(triples: set, prefixes: dict[str, str], order: tuple = ()) -> str:
    """One subject's statements, written by Oxigraph with the file's own prefixes only, in
    the order the block had them (new statements after), one object per line in long lists."""
    place = {triple: n for n, triple in enumerate(order)}
    first = {}
    for n, triple in enumerate(order):
        first.setdefault(triple.predicate, n)
    ranked = sorted(triples, key=lambda t: (first.get(t.predicate, len(order)), place.get(t, len(order)),
                                            str(t)))
    body = ox.serialize(ranked, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")
    lines = [part for line in body.splitlines() if not _DIRECTIVE.match(line)
             for part in _one_object_per_line(line.replace("\t", "    "))]
    return "\n".join(lines).strip("\n") + "\n"


def _one_object_per_line(line: str) -> list[str]:
    """`    p o1 , o2 , o3 ;` longer than 100 characters as the files write it: the predicate,
    then each object on its own line (never a line holding a literal, whose text may hold ' , ')."""
    if len(line) <= 100 or " , " not in line or not line.startswith(" ") or '"' in line:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    predicate, _, objects = line.strip().partition(" ")
    items = objects.split(" , ")
    return [indent + predicate] + [f"{indent}    {item}" + (" ," if n < len(items) - 1 else "")
                                   for n, item in enumerate(items)]


# ------------------------------------------------------------------ the proof


def _prove(settings: dict, inputs: dataset.Inputs, root: Path, texts: dict[Path, str],
           pending: list[Path]) -> None:
    """The new files, parsed from a scratch copy of the project, give the served dataset."""
    expected = ox.Store()
    store.load_files(expected, inputs)
    skipped = store.apply_changes(expected, dataclasses.replace(inputs, changes=pending))
    if skipped:
        raise KGError(f"change {skipped[0][0]} no longer applies to the files ({skipped[0][1]}); "
                      "start the server once to set it aside, then write back")
    with tempfile.TemporaryDirectory(prefix="mha-kg-writeback-") as scratch:
        copy = Path(scratch) / "project"
        for folder in ("ontology", "data", "shapes"):
            if (root / folder).is_dir():
                shutil.copytree(root / folder, copy / folder)
        for path, text in texts.items():
            target = copy / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        got = ox.Store()
        try:
            store.load_files(got, dataset.project_inputs({**settings, "project_dir": str(copy)}))
        except KGError as exc:
            raise KGError(f"cannot write back: the new files do not parse ({exc}); nothing was "
                          "changed") from None
    difference = _compare(expected, got)
    if difference:
        raise KGError(f"cannot write back: the new files would not give the served dataset "
                      f"({difference}); nothing was changed")


def _compare(expected: ox.Store, got: ox.Store) -> str | None:
    """None when both hold the same quads (blank nodes, relabelled by every parse, by count)."""
    def split(found: ox.Store) -> tuple[set, dict]:
        exact, blank = set(), defaultdict(int)
        for quad in found:
            if any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object)):
                blank[quad.graph_name.value] += 1
            else:
                exact.add(quad)
        return exact, blank
    (want, want_blank), (have, have_blank) = split(expected), split(got)
    if want != have:
        extra, missing = sorted(have - want, key=str), sorted(want - have, key=str)
        return f"{len(missing)} quads missing, {len(extra)} extra, e.g. {(missing or extra)[0]}"
    if dict(want_blank) != dict(have_blank):
        return "the statements about blank nodes differ"
    return None
