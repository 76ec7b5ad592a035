"""Validated, recorded writes: SPARQL Update, the Graph Store Protocol, and a Python API.

Off unless the `write_token` setting is set. The API the curation editor calls:

    change = commit_change(kg, added, removed, Meta(curator="Ada", comment="why"),
                           change_id="optional-client-id")
    change = revert(kg, "some-change-id", Meta(curator="Ada"))

`kg` is the graph as served: `open_graph(settings, writer=True)` (what the
web app does when writes are on) re-applies the saved changes and holds the
state's writer lock. `added` and `removed` are `pyoxigraph.Quad`s in the
standard graphs (the graph-name rule, `namespaces.graph_kind`: a change
graph or any other graph is refused with a 403). The answer is a `Change` (`change.change_id`,
`.to_json()`); a change that breaks a shape raises `Invalid` (422, with the
SHACL report) and nothing is kept. `update(kg, text)`, `replace_graph` and
`delete_graph` are the HTTP operations over the same commit.

A commit, one at a time (a thread lock, and a writer lock on the state
folder that a second writing server or `mha-kg writeback` cannot take):

1. The change is normalised against the served store (only what really
   changes is recorded) and checked: standard graphs only, no blank nodes,
   no RDF 1.2 triple terms or directional literals, and no emptying of a
   standard graph unless `allow_destructive_writes` is on.
2. Its changeset graph (build/changesets.py: PROV-O, one `rdf:Statement` per
   triple added or removed) is written to `<state_dir>/changes/pending/<id>.trig`.
3. The store a restart would build from the input files plus every pending
   change in order is made and validated. An edit is made around the change
   alone (`_derived`: the closure updated for the change's terms,
   build/increment.py; the shapes run at the nodes it can affect, scoped.py;
   a new store hard-linking the served one's files, store.derive), each step
   tested equal to the whole; anything the fast path cannot prove (an
   ontology or schema change, input files edited under the server, more
   than FAST_PATH_MAX_QUADS quads) rebuilds the whole store (store.ensure).
   A refusal removes the file; nothing is saved.
4. The change is appended to `<state_dir>/changes/journal.json` (checksums
   of every pending file, written with fsync of the file and its folder).
   This is the commit point: a change is acknowledged only after it, and a
   restart rebuilds exactly the journal's changes. The data change and its
   history graph are in the same store, switched to at once.

A client may choose the change id (`change_id`); a retry with an id already
committed answers the original outcome and changes nothing (409 when the id
was used for a different request). Changes are kept across edits of the
input files and upgrades: each start re-applies the journal over the files,
and a change that no longer applies is moved to `changes/set-aside/` and
named on stderr. A change file the journal does not list (the server was
killed between steps 2 and 4: never acknowledged) is moved to
`changes/uncommitted/`, and a retry with its id commits it afresh.
`mha-kg writeback` (writeback.py) folds the journal into `data/`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from ..build import changesets, dataset, increment, store, validate
from ..build.changesets import Delta, Meta
from ..errors import KGError, bad_request
from ..kg import KnowledgeGraph
from ..namespaces import CHANGE_ID, WRITABLE_GRAPHS, change_graph_iri, graph_iri, graph_kind
from ..query import sparql
from ..query.engine import EmbeddedEngine
from . import scoped, updates
from .journal import Journal, file_digest, hold_writer_lock, try_writer_lock

__all__ = ["Change", "Delta", "Invalid", "Meta", "commit_change", "revert", "update"]

_LOCK = threading.Lock()  # one change at a time: each one sees the result of the last
_QUEUE = threading.Lock()
_in_flight = [0]  # writes running or waiting for _LOCK in this process

#: A change with nothing said about it but the default curator's name.
NO_META = Meta()

#: Update operations that reach outside the dataset (LOAD fetches a URL).
_FORBIDDEN = {"LOAD"}


class Invalid(KGError):
    """A change refused by the shapes; `report` says which and why."""

    def __init__(self, report: validate.Report):
        super().__init__(f"the change breaks {len(report.violations)} SHACL constraint(s); "
                         "nothing was changed", 422)
        self.report = report

    def to_json(self) -> dict:
        return {**super().to_json(), "conforms": False,
                "results": [v.__dict__ for v in self.report.violations]}


@dataclass
class Change:
    """The outcome of a write, as answered (and answered again to a retry)."""

    change_id: str | None = None  # None: nothing changed, nothing recorded
    graphs: list[str] = field(default_factory=list)  # graphs whose content changed
    added: int = 0
    removed: int = 0
    triples: int = 0  # asserted triples after the change
    created: bool = False
    replayed: bool = False  # a retry of a change already committed

    def to_json(self) -> dict:
        return {"ok": True, "change_id": self.change_id, "changed_graphs": self.graphs,
                "added": self.added, "removed": self.removed, "triples": self.triples,
                "replayed": self.replayed}


# ------------------------------------------------------------------ access


def authorise(settings: dict, header: str | None) -> None:
    """403 when writes are off; 401 unless `Authorization: Bearer <write_token>`."""
    token = settings["write_token"]
    if not token:
        raise KGError("writes are disabled: this server is read-only (the write_token setting)", 403)
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise KGError("a write needs the header Authorization: Bearer <write_token>", 401)


def check_change_id(change_id: str | None) -> str | None:
    """A client's change id, or a 400 saying what one looks like."""
    if change_id is not None and not CHANGE_ID.fullmatch(change_id):
        raise bad_request("change_id: 1 to 80 letters, digits, '-' or '_', starting with a letter "
                          "or digit")
    return change_id


# ------------------------------------------------------------------ operations


def commit_change(kg: KnowledgeGraph, added: Iterable[ox.Quad], removed: Iterable[ox.Quad],
                  meta: Meta = NO_META, change_id: str | None = None) -> Change:
    """Apply one change (quads added and removed, in standard graphs) with its changeset graph."""
    delta = Delta(tuple(added), tuple(removed))
    request = _digest("quads", ox.serialize(sorted(delta.added, key=str), format=ox.RdfFormat.N_QUADS),
                      ox.serialize(sorted(delta.removed, key=str), format=ox.RdfFormat.N_QUADS), meta)
    return _write(kg, meta, change_id, request, lambda: delta)


def revert(kg: KnowledgeGraph, reverted: str, meta: Meta = NO_META, change_id: str | None = None) -> Change:
    """A new change that undoes `reverted` (`mha:reverts` it): what it added is removed and back."""
    history = kg.quads([change_graph_iri(kg.base, check_change_id(reverted) or "")])
    if not history:
        raise KGError(f"no change {reverted} to revert", 404)
    delta = changesets.delta(history, kg.base)
    return commit_change(kg, delta.removed, delta.added, dataclasses.replace(meta, reverts=reverted),
                         change_id)


def update(kg: KnowledgeGraph, text: str, meta: Meta = NO_META, change_id: str | None = None) -> Change:
    """A SPARQL Update, evaluated under the update limits, then committed as one change."""
    checked = sparql.check(text, kg.settings)  # size, depth, SERVICE allowlist
    if set(sparql.keywords(checked.text)) & _FORBIDDEN:
        raise KGError("LOAD is not allowed: data enters only in the request", 403)
    _embedded(kg)

    def evaluated() -> Delta:
        added, removed = updates.evaluate(
            kg.build.path, [kg.graph(name) for name in WRITABLE_GRAPHS], kg.graph("data"), checked.text,
            time_limit_ms=kg.settings["update_time_limit_ms"],
            memory_limit_mb=kg.settings["update_memory_limit_mb"])
        return Delta(tuple(added), tuple(removed))

    return _write(kg, meta, change_id, _digest("update", checked.text, meta), evaluated)


def read_graph(kg: KnowledgeGraph, graph: str | None) -> list[ox.Triple]:
    """The triples of one graph (None: the data graph, the GSP default graph)."""
    name = graph or kg.graph("data")
    if name not in kg.graph_names():
        raise KGError(f"no graph named <{name}>", 404)
    return [q.triple for q in kg.quads([name])]


def replace_graph(kg: KnowledgeGraph, graph: str | None, body: bytes, media: str, merge: bool = False,
                  meta: Meta = NO_META, change_id: str | None = None) -> Change:
    """Graph Store PUT (replace) or POST (merge) of an RDF document."""
    name = _writable(kg, graph)
    target = ox.NamedNode(name)
    wanted = {ox.Quad(t.subject, t.predicate, t.object, target) for t in parse_body(body, media)}
    existed: list[bool] = []

    def difference() -> Delta:  # read under the write lock, against the latest store
        current = set(kg.quads([name])) if name in kg.graph_names() else set()
        existed.append(bool(current))
        return Delta(tuple(wanted - current), () if merge else tuple(current - wanted))

    change = _write(kg, meta, change_id, _digest("merge" if merge else "put", name, body, media, meta),
                    difference)
    change.created = existed == [False] and bool(wanted)
    return change


def delete_graph(kg: KnowledgeGraph, graph: str | None, meta: Meta = NO_META,
                 change_id: str | None = None) -> Change:
    name = _writable(kg, graph)
    if name not in kg.graph_names():
        raise KGError(f"no graph named <{name}>", 404)
    return _write(kg, meta, change_id, _digest("delete", name, meta),
                  lambda: Delta((), tuple(kg.quads([name]))))


def parse_body(body: bytes, media: str) -> list[ox.Triple]:
    """An uploaded RDF document, parsed by Oxigraph: it never fetches a context or an entity."""
    fmt = ox.RdfFormat.from_media_type(media or "")
    if fmt is None or fmt.supports_datasets:
        raise KGError(f"unsupported media type {media or '(none)'} for a graph: send text/turtle, "
                      "application/n-triples, application/rdf+xml or application/ld+json", 415)
    try:
        return [q.triple for q in ox.parse(body, format=fmt)]
    except (SyntaxError, ValueError) as exc:
        raise bad_request(f"the {media} document does not parse: {exc}") from None


def _writable(kg: KnowledgeGraph, graph: str | None) -> str:
    name = graph or kg.graph("data")
    if not name or any(c in name for c in '<>" {}|\\^`') or ":" not in name:
        raise bad_request(f"graph is not an IRI: {name!r}")
    _check_graph(kg, name)
    return name


# ------------------------------------------------------------------ checks


def _check_graph(kg: KnowledgeGraph, name: str) -> None:
    kind = graph_kind(kg.base, name)
    if name == kg.graph("inferred"):
        raise KGError("the inferred graph is computed from the others and cannot be written", 403)
    if kind == "change":
        raise KGError("change graphs are written by the server, one with each change", 403)
    if kind is None:
        raise KGError(f"writes go to the standard graphs ({', '.join(WRITABLE_GRAPHS)} under "
                      f"{kg.base}/graph/); <{name}> is not one of them", 403)


def _check_terms(quad: ox.Quad) -> None:
    for term in (quad.subject, quad.predicate, quad.object):
        if isinstance(term, ox.Triple):
            raise bad_request("RDF 1.2 triple terms are not supported in this dataset; state the "
                              "triple itself, or describe it with IRIs")
        if isinstance(term, ox.BlankNode):
            raise bad_request("blank nodes cannot be matched across restarts or written back to the "
                              "files: give the node an IRI")
        if isinstance(term, ox.Literal) and term.direction is not None:
            raise bad_request(f'literals with a base direction ("…"@{term.language}--'
                              f"{term.direction}) are not supported in this dataset")


def _check_not_emptying(kg: KnowledgeGraph, added: tuple, removed: tuple) -> None:
    """Emptying a standard graph (CLEAR, DROP, DELETE WHERE {?s ?p ?o}, a DELETE or an
    empty PUT) needs the allow_destructive_writes setting."""
    if kg.settings["allow_destructive_writes"]:
        return
    gone = Counter(q.graph_name.value for q in removed)
    kept = {q.graph_name.value for q in added}
    for name, count in gone.items():
        if name not in kept and count >= kg.build.graphs.get(name, 0):
            raise KGError(f"this change empties the graph <{name}>; destructive writes need the "
                          "allow_destructive_writes setting", 403)


# ------------------------------------------------------------------ the commit


def _write(kg: KnowledgeGraph, meta: Meta, change_id: str | None, request: str,
           difference: Callable[[], Delta]) -> Change:
    """One write: its turn, then the original outcome if `change_id` was committed before
    (`request`, a digest of what was asked, tells a retry from another change), else the
    difference, worked out only now, committed."""
    with _turn(kg, check_change_id(change_id), request) as replayed:
        return replayed or _commit(kg, difference(), meta, change_id, request)


@contextmanager
def _turn(kg: KnowledgeGraph, change_id: str | None, request: str) -> Iterator[Change | None]:
    """Wait for this process's turn to write (a bounded queue: waiting writes never take the
    threads reads need), then yield the original outcome if `change_id` was committed before."""
    with _QUEUE:
        if _in_flight[0] > kg.settings["writes_waiting_max"]:
            raise KGError("too many writes are waiting; try again shortly (the writes_waiting_max "
                          "setting)", 503)
        _in_flight[0] += 1
    try:
        with _LOCK:
            yield _replay(kg, change_id, request) if change_id else None
    finally:
        with _QUEUE:
            _in_flight[0] -= 1


def _replay(kg: KnowledgeGraph, change_id: str, request: str) -> Change | None:
    journal = Journal(kg.settings)
    for entry in journal.load():
        if entry["id"] == change_id:
            if entry["request"] != request:
                raise KGError(f"change id {change_id} was already used for another change", 409)
            return Change(**{**entry["outcome"], "replayed": True})
    if (Path(kg.settings["project_dir"]) / "data" / "changes" / f"{change_id}.trig").is_file():
        return Change(change_id, replayed=True)  # committed, and written back since
    if (journal.aside / f"{change_id}.trig").is_file():
        raise KGError(f"change {change_id} was set aside at a start: it no longer applied", 409)
    return None


def _commit(kg: KnowledgeGraph, delta: Delta, meta: Meta, change_id: str | None, request: str) -> Change:
    engine = _embedded(kg)
    quads = [*delta.added, *delta.removed]
    for name in {q.graph_name.value for q in quads}:
        _check_graph(kg, name)
    for quad in quads:
        _check_terms(quad)
    removed = tuple(sorted({q for q in delta.removed if q in engine.store}, key=str))
    added = tuple(sorted({q for q in delta.added if q not in engine.store}, key=str))
    if not added and not removed:
        return Change(None, [], 0, 0, _asserted_size(kg.base, kg.build))
    _check_not_emptying(kg, added, removed)
    change_id = change_id or mint_change_id()
    ended = _now_to_the_millisecond()
    history = changesets.quads(kg.base, change_id, Delta(added, removed), meta, ended)
    journal = Journal(kg.settings)
    entries = journal.load()
    path = journal.pending / f"{change_id}.trig"
    journal.pending.mkdir(parents=True, exist_ok=True)
    store.write_synced(path, changesets.to_trig(history, kg.base))
    try:
        inputs = dataclasses.replace(kg.inputs, changes=[*journal.files(entries), path])
        info = (_derived(kg, inputs) or store.ensure(inputs, Path(kg.settings["state_dir"])))
        if info.skipped:  # the input files were edited under the running server
            raise KGError(f"the input files changed since the server started, and change "
                          f"{info.skipped[0][0]} no longer applies to them; nothing was changed. "
                          "Restart the server (it sets such changes aside)", 409)
    except store.Nonconforming as exc:
        path.unlink(missing_ok=True)
        raise Invalid(exc.report) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    change = Change(change_id, sorted({q.graph_name.value for q in (*added, *removed)}), len(added),
                    len(removed), _asserted_size(kg.base, info))
    journal.save([*entries, {"id": change_id, "sha256": file_digest(path), "request": request,
                             "outcome": dataclasses.asdict(change)}])
    engine.switch(info.path)
    kg.build = info
    return change


def _now_to_the_millisecond() -> str:
    """The UTC time as an xsd:dateTime with milliseconds: two commits in one second are still
    ordered by the time they ended (the feed and the histories are)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


#: Changes larger than this are committed by a whole rebuild (the fast path is for edits).
FAST_PATH_MAX_QUADS = 1000


def _derived(kg: KnowledgeGraph, inputs: dataset.Inputs) -> store.BuildInfo | None:
    """The store a restart would build from `inputs`, made from the served one around the
    last change alone (an edit in well under a second at any scale), or None when that cannot be
    proved and the caller rebuilds the whole store.

    Proved when: the served store was built from the same files (its fingerprint is that of
    `inputs` without this change: nothing edited under the server), with the fast closure, over
    the standard graphs only; the change is an edit (at most FAST_PATH_MAX_QUADS quads) that
    leaves the schema alone, so the closure moves only around the change's terms
    (build/increment.py); and the shapes' results move only at the nodes the change can affect
    (scoped.py). tests/test_fastwrite.py checks the store equal to a whole rebuild.
    """
    history = changesets.read(inputs.changes[-1])  # read back as a restart reads it
    delta = changesets.delta(history, kg.base)
    asserted = _asserted_graphs(kg)
    if not _fast_path_applies(kg, inputs, delta, asserted):
        return None
    grown = increment.closure_delta(_embedded(kg).store, asserted, kg.graph("inferred"),
                                    kg.graph("ontology"), delta.added, delta.removed)
    if grown is None:
        return None
    report = scoped.check(kg, delta.added, delta.removed)
    if not report.conforms:
        raise store.Nonconforming(report)
    inferred_added, inferred_removed = grown
    try:
        return store.derive(kg.build, inputs, Path(kg.settings["state_dir"]),
                            [*delta.removed, *inferred_removed],
                            [*delta.added, *history, *inferred_added])
    except OSError:  # the served store's folder is gone or unreadable: build from the files
        return None


def _asserted_graphs(kg: KnowledgeGraph) -> list[str]:
    """The graphs a build's closure and shapes read: every standard graph but the closure (an
    empty one too: the change may be its first triple), and any other graph of the store but
    the histories."""
    standard = {graph_iri(kg.base, name) for name in WRITABLE_GRAPHS}
    return sorted(standard | {g for g in kg.build.graphs
                              if g != kg.graph("inferred") and graph_kind(kg.base, g) != "change"})


def _fast_path_applies(kg: KnowledgeGraph, inputs: dataset.Inputs, delta: Delta,
                       asserted: list[str]) -> bool:
    """The served store was built, validated, with the fast closure, over the standard graphs,
    from these very files (nothing edited under the server), and the change is an edit."""
    served = kg.build
    standard = {graph_iri(kg.base, name) for name in WRITABLE_GRAPHS}
    return (served.closure == "fast" and inputs.infer and inputs.validate
            and len(delta.added) + len(delta.removed) <= FAST_PATH_MAX_QUADS
            and set(asserted) <= standard
            and dataclasses.replace(inputs, changes=inputs.changes[:-1]).fingerprint()
            == served.fingerprint)


def mint_change_id() -> str:
    """A server-minted change id: the UTC time and a short random part, e.g. 20261201T041500Z-3f9a1c."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


def _embedded(kg: KnowledgeGraph) -> EmbeddedEngine:
    if kg.build is None or not isinstance(kg.engine, EmbeddedEngine) or kg.inputs is None:
        raise KGError("writes need the embedded store of the project (not a remote --store)", 400)
    return kg.engine


def _asserted_size(base: str, info: store.BuildInfo) -> int:
    """Triples in the writable standard graphs (the closure and the history left out)."""
    return sum(info.graphs.get(graph_iri(base, name), 0) for name in WRITABLE_GRAPHS)


def _digest(*parts) -> str:
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Meta):
            part = json.dumps(dataclasses.asdict(part), sort_keys=True)
        digest.update(part if isinstance(part, bytes) else str(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


# ------------------------------------------------------------------ opening


@dataclass
class CuratedGraph(KnowledgeGraph):
    """The knowledge graph as served: the input files with the pending changes laid over
    them; with writes on, it holds the state's writer lock until closed."""

    writer_lock: IO | None = None

    def close(self) -> None:
        super().close()
        if self.writer_lock is not None:
            self.writer_lock.close()
            self.writer_lock = None


def open_graph(settings: dict, files: Sequence[str] = (), log: Callable[[str], None] | None = None,
               writer: bool = False, optimized: bool = True) -> KnowledgeGraph:
    """Open the graph as served, re-applying the journal's changes over the current files.

    `writer`: this process will take writes (a server with a write token), so it holds the
    state's writer lock until closed; commands that only read never take it.
    `optimized=False`: a store built now is served before its tables are compacted, for
    `optimize_served` to do beside serving.
    """
    say = log or (lambda message: print(message, file=sys.stderr))
    if files or settings["store"]:
        return KnowledgeGraph.open(settings, files, log=say, optimized=optimized)
    journal = Journal(settings)
    # Only the holder of the writer lock tidies the state (a read-only start beside a writing
    # server must not move the writer's change files); a reader releases it once open.
    lock = hold_writer_lock(journal) if writer else try_writer_lock(journal)
    try:
        entries = _tidy(journal, settings, say) if lock else journal.load()
        while True:
            pending = journal.files(entries)
            try:
                kg = CuratedGraph.open(settings, log=say, optimized=optimized,
                                       prepare=lambda inputs, _, changes=pending:
                                       dataclasses.replace(inputs, changes=changes))
                break
            except store.Nonconforming:
                if not (entries and lock):
                    raise
                last = entries[-1]["id"]
                entries = journal.set_aside(entries, last, "the files with this change no longer "
                                                           "conform to the shapes")
                say(f"change {last} no longer conforms with the current files: set aside in "
                    f"{journal.aside}")
        for change_id, why in kg.build.skipped:
            if lock:
                entries = journal.set_aside(entries, change_id, why)
            say(f"change {change_id} no longer applies ({why})"
                + (f": set aside in {journal.aside}" if lock else ": left out"))
    except BaseException:
        if lock is not None:
            lock.close()
        raise
    if writer:
        kg.writer_lock = lock
        if kg.build.closure == "fast":
            increment.warm(_embedded(kg).store, kg.graph("ontology"))
    elif lock is not None:
        lock.close()
    return kg


def optimize_served(kg: KnowledgeGraph, log: Callable[[str], None]) -> None:
    """Compact the served store's tables beside serving (store.optimize), then serve the copy,
    unless a commit moved the server to another store meanwhile (that store is served as it
    is, and optimized at the next start)."""
    served = kg.build
    if served is None or served.optimized:
        return
    started = time.perf_counter()
    info = store.optimize(served, Path(kg.settings["state_dir"]))
    with _LOCK:  # no commit switches stores in between
        if kg.build is not served:
            return
        _embedded(kg).switch(info.path)
        kg.build = info
    log(f"store optimized in {time.perf_counter() - started:.2f} s: serving {Path(info.path).name}")


def _tidy(journal: Journal, settings: dict, say: Callable[[str], None]) -> list[dict]:
    """The journal's entries, less those written back already; orphans moved aside."""
    if journal.finish_writeback():
        say("finished a writeback that was interrupted")
    for overlay in sorted((Path(settings["state_dir"]) / "curated").glob("*.nq")):
        say(f"{overlay} holds writes saved by an earlier mha-kg (the whole dataset, not a change); "
            "they are not applied: fold them into data/ with that version's `mha-kg writeback`")
    entries = journal.load()
    written = Path(settings["project_dir"]) / "data" / "changes"
    done = [e["id"] for e in entries if (written / f"{e['id']}.trig").is_file()]
    if done:
        for change_id in done:
            (journal.pending / f"{change_id}.trig").unlink(missing_ok=True)
        entries = [e for e in entries if e["id"] not in done]
        journal.save(entries)
    for orphan in journal.orphans(entries):  # never acknowledged: a retry may commit it afresh
        journal.uncommitted.mkdir(parents=True, exist_ok=True)
        source = journal.pending / f"{orphan}.trig"
        store.write_synced(journal.uncommitted / source.name, source.read_bytes())
        source.unlink()
    return entries

