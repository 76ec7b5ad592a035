"""The persisted store: built once per set of inputs, reused until one changes.

A build loads the files, materialises the OWL-RL closure, validates the
result with SHACL and writes every named graph into an Oxigraph store on
disk. It happens in a scratch folder that is renamed into place only when
complete, under a lock, so a build killed halfway leaves nothing that a later
start could mistake for a store, and a failed build (a broken file, data
that does not conform) leaves the previous store as it was.

Changes not yet written back (`Inputs.changes`, kept by curate.writes) are
re-applied over the files after loading, each with its history graph; the
closure and the shapes then see the standard graphs only (the graph-name
rule, namespaces.graph_kind), never a change graph. A change that no longer
applies to the files is left out and named in the build record.

A commit of an edit (curate.writes) makes the next store from the served
one instead (`derive`): the served store's table files hard-linked, the
change applied, the same scratch-then-rename under the same lock.

A complete store records a checksum of each of its files; a start checks
them, and a store that differs (a file cut, changed or missing, a garbled
record) is removed and rebuilt from the inputs, with one line saying which
file was wrong.

A server's build leaves out compacting the store's tables (`optimize`, a
quarter of a cold start at a million triples): it serves the store at once
and makes a compacted copy beside it (`<fingerprint>-optimized`, the same
scratch-then-rename under the same lock), which the next start finds first.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from ..errors import KGError
from ..namespaces import graph_iri, graph_kind
from . import changesets, dataset, infer, terms, validate

Log = Callable[[str], None]
KEEP_STORES = 3
ASSERTED_GRAPHS = ("ontology", "data", "links", "memberships", "enrichment")
#: Oxigraph loaders that copy the inferred graph to disk at once, one a core. A loader
#: parses on its caller's thread and then sorts on one more, so one load alone left a
#: core idle for the last 3-4 s of a cold start at scale 1000 (docs/performance.md).
INFERRED_LOADERS = max(2, os.cpu_count() or 1)


@dataclass
class BuildInfo:
    fingerprint: str
    path: str
    graphs: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    built_at: str = ""
    reused: bool = False
    #: Changes left out because they no longer apply to the files: [id, why].
    skipped: list[list[str]] = field(default_factory=list)
    #: sha256 of every file of the store, checked before the store is reused.
    checksums: dict[str, str] = field(default_factory=dict)
    #: How the inferred graph was computed: "fast" (infer.fast_closure, which a commit may
    #: update incrementally), "owlrl" (the whole reasoner), "" (none, or an older record).
    closure: str = ""
    #: Whether Oxigraph has compacted its tables: a server's build (`ensure(optimized=False)`)
    #: is served at once and compacted beside it (`optimize`); older records were all compacted.
    optimized: bool = True

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


class Nonconforming(KGError):
    """The data breaks the shapes; `report` says which and why."""

    def __init__(self, report: validate.Report):
        super().__init__(f"the dataset does not conform to its shapes ({len(report.violations)} "
                         "results); run `mha-kg validate` to see them")
        self.report = report


def ensure(inputs: dataset.Inputs, state_dir: Path, log: Log = lambda _: None,
           optimized: bool = True) -> BuildInfo:
    """The store for these inputs: reused when it exists, built when not.

    `optimized=False` skips compacting the tables of a new build (a quarter of
    its time at a million triples) for a caller that serves it at once and
    calls `optimize` beside; queries on it are up to 1.7 times slower until then.
    """
    stores = state_dir / "stores"
    fingerprint = inputs.fingerprint()
    homes = _homes(stores, fingerprint)
    for home in homes:
        info = read_info(home)
        if info and not damaged_file(home, info):
            return info
        if home.exists():
            break  # damaged: removed under the lock
    stores.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(state_dir / "build.lock"):
        for home in homes:  # another process may have built it meanwhile
            info = read_info(home)
            if home.exists():
                wrong = "build.json" if info is None else damaged_file(home, info)
                if not wrong:
                    return info
                log(f"the store {home.name} is damaged ({wrong} is not as built): "
                    + ("removing it" if home != homes[-1] else "rebuilding it"))
                shutil.rmtree(home)
        final = homes[-1]
        _remove_scratch(stores)
        scratch = stores / f".build-{fingerprint}-{os.getpid()}"
        info = build(inputs, scratch, log, optimized)
        info.path = str(final)
        _write_synced(scratch / "build.json", json.dumps(asdict(info), indent=2).encode())
        os.rename(scratch, final)
        _sync_folder(stores)
        _prune(stores, keep=final)
    info.reused = False
    return info


def _homes(stores: Path, fingerprint: str) -> list[Path]:
    """Where a store for these inputs may be, the one to use first first: its optimized copy
    (`optimize`), then the store as built."""
    return [stores / f"{fingerprint}{OPTIMIZED_SUFFIX}", stores / fingerprint]


#: The folder of a store's optimized copy is the store's own name with this after it.
OPTIMIZED_SUFFIX = "-optimized"


def optimize(served: BuildInfo, state_dir: Path) -> BuildInfo:
    """The store `served` with its tables compacted, as a copy beside it.

    Oxigraph's loader writes each load as tables of its own, which queries
    must then merge; `ox.Store.optimize` compacts them into one (queries
    measured 1.7 times faster at a million triples). A server built without
    it (`ensure(optimized=False)`) calls this once it answers: the copy
    hard-links the served store's tables (never changed once written), is
    compacted in a scratch folder and renamed into place under the build
    lock, with its checksums, like any build; the served store is untouched,
    and the next start finds the copy first.
    """
    if served.optimized:
        return served
    final = _homes(state_dir / "stores", served.fingerprint)[0]
    started = time.perf_counter()

    def compacted(scratch: Path) -> BuildInfo:
        _link_store(Path(served.path), scratch)
        disk = ox.Store(str(scratch))
        disk.optimize()
        del disk  # closes RocksDB: every file is final from here
        return dataclasses.replace(served, path=str(final), optimized=True, reused=False,
                                   seconds={**served.seconds, "optimize": _lap(started)},
                                   checksums=checksums(scratch))

    return _made_from_served(final, state_dir, compacted)


def derive(served: BuildInfo, inputs: dataset.Inputs, state_dir: Path, removed: list[ox.Quad],
           added: list[ox.Quad]) -> BuildInfo:
    """The store for `inputs`, made from the served store by removing and adding quads.

    For a commit whose result the caller has proved equal to a build of
    `inputs` (curate.writes: the change, its history graph, the closure
    updated around it, validated around it): no parsing, no whole closure, no
    whole validation. RocksDB's table files never change once written, so the
    new store hard-links the served one's and copies only its small
    bookkeeping files; the change lands in a new table file. Like a build, it
    is made in a scratch folder renamed into place under the build lock, with
    a checksum of every file (a linked table keeps the checksum it was built
    with, so damage to it is still found), and the served store is untouched.
    """
    final = state_dir / "stores" / inputs.fingerprint()
    started = time.perf_counter()

    def changed(scratch: Path) -> BuildInfo:
        done_removed, done_added = _apply(Path(served.path), scratch, removed, added)
        graphs = dict(served.graphs)
        for quad, step in [*((q, -1) for q in done_removed), *((q, 1) for q in done_added)]:
            graphs[quad.graph_name.value] = graphs.get(quad.graph_name.value, 0) + step
        info = BuildInfo(fingerprint=final.name, path=str(final),
                         graphs={g: n for g, n in sorted(graphs.items()) if n},
                         seconds={"derive": _lap(started)},
                         built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                         closure=served.closure, optimized=served.optimized)
        info.checksums = _linked_checksums(scratch, Path(served.path), served.checksums)
        return info

    return _made_from_served(final, state_dir, changed)


def _made_from_served(final: Path, state_dir: Path, make: Callable[[Path], BuildInfo]) -> BuildInfo:
    """The store at `final`, made as every store is: under the build lock, in a scratch folder
    that `make` fills (answering its record, checksums included) and that is renamed into
    place with that record, or removed if `make` fails. A sound store already there is kept."""
    stores = final.parent
    with exclusive_lock(state_dir / "build.lock"):
        info = read_info(final)
        if info and not damaged_file(final, info):
            return info
        shutil.rmtree(final, ignore_errors=True)
        _remove_scratch(stores)
        scratch = stores / f".build-{final.name}-{os.getpid()}"
        try:
            info = make(scratch)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        _write_synced(scratch / "build.json", json.dumps(asdict(info), indent=2).encode())
        _sync_folder(scratch)
        os.rename(scratch, final)
        _sync_folder(stores)
        _prune(stores, keep=final)
    return info


def _apply(source: Path, target: Path, removed: list[ox.Quad], added: list[ox.Quad]
           ) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """A linked copy of the store at `source` made at `target` with the quads removed and
    added; answers those that really were (a quad removed was there, one added was not)."""
    _link_store(source, target)
    disk = ox.Store(str(target))
    removed = [q for q in removed if q in disk]
    added = [q for q in dict.fromkeys(added) if q not in disk]
    for quad in removed:
        disk.remove(quad)
    disk.extend(added)
    disk.flush()
    del disk  # closes RocksDB: every file is final from here
    return removed, added


def _link_store(source: Path, target: Path) -> None:
    """A copy of a closed RocksDB folder: table files hard-linked (immutable), the rest copied."""
    target.mkdir()
    for name in _kept_files(source):
        if name.endswith(".sst"):
            os.link(source / name, target / name)
        else:
            shutil.copyfile(source / name, target / name)


def _linked_checksums(folder: Path, source: Path, known: dict[str, str]) -> dict[str, str]:
    """`checksums(folder)`, taking a table file still linked to `source` at its recorded value."""
    found = {}
    for name in _kept_files(folder):
        path, original = folder / name, source / name
        if name in known and original.exists() and os.path.samefile(path, original):
            found[name] = known[name]
        else:
            found[name] = _sha256(path)
    return found


def _kept_files(folder: Path) -> list[str]:
    """The files of a store that its checksums cover (not its info log or lock, which change
    on their own, nor its build record)."""
    return [p.name for p in sorted(folder.iterdir())
            if p.is_file() and p.name not in ("LOCK", "build.json") and not p.name.startswith("LOG")]


def checksums(folder: Path) -> dict[str, str]:
    """sha256 of each file RocksDB keeps (two at a time: hashlib lets go of the interpreter)."""
    names = _kept_files(folder)
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(names, pool.map(lambda name: _sha256(folder / name), names), strict=True))


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def damaged_file(folder: Path, info: BuildInfo) -> str | None:
    """The first file of a store that is not as it was built (None: all are)."""
    if not info.checksums:
        return "build.json"
    found = checksums(folder)
    for name in sorted(set(found) | set(info.checksums)):
        if found.get(name) != info.checksums.get(name):
            return name
    return None


def write_synced(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves the old file or the new one, whole:
    a scratch file, fsync, rename, fsync of the folder."""
    _write_synced(path, data)
    _sync_folder(path.parent)


def _write_synced(path: Path, data: bytes) -> None:
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(scratch, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(scratch, path)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_info(path: Path) -> BuildInfo | None:
    """The build record of a complete store, or None (absent, partial, unreadable)."""
    try:
        data = json.loads((path / "build.json").read_text())
        return BuildInfo(**{**data, "reused": True, "path": str(path)})
    except (OSError, ValueError, TypeError):
        return None


def prepare(inputs: dataset.Inputs, log: Log = lambda _: None) -> tuple[Dataset, dict]:
    """Load the files and add the OWL-RL closure as the inferred graph."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    data = dataset.load(inputs)
    seconds["load"] = _lap(started)
    log(f"loaded {len(inputs.files)} files in {seconds['load']:.2f} s")
    if inputs.infer:
        started = time.perf_counter()
        inferred = infer.materialise(dataset.graph_of(data, inputs.base, *ASSERTED_GRAPHS))
        target = data.graph(URIRef(graph_iri(inputs.base, "inferred")))
        for triple in inferred:
            target.add(triple)
        seconds["infer"] = _lap(started)
        log(f"inferred {len(inferred)} triples in {seconds['infer']:.2f} s")
    return data, seconds


def check(inputs: dataset.Inputs, data: Dataset) -> validate.Report:
    """SHACL over everything the users will query: asserted plus inferred."""
    union = dataset.graph_of(data, inputs.base, *ASSERTED_GRAPHS, "inferred")
    return validate.validate(union, dataset.load_shapes(inputs))


def build(inputs: dataset.Inputs, target: Path, log: Log, optimized: bool = True) -> BuildInfo:
    """Parse, infer and validate in an in-memory Oxigraph store, and persist it at `target`.

    Oxigraph parses (tens of times faster than rdflib), the fast closure
    infers and the shapes are checked as Oxigraph queries. The copy to disk
    runs on a thread from the start, beside all of it (`_Writer`: Oxigraph
    lets go of the interpreter as it loads and answers), and is removed if
    the build fails.
    """
    seconds: dict[str, float] = {}
    store = ox.Store()
    asserted = [graph_iri(inputs.base, name) for name in ASSERTED_GRAPHS]
    asserted += sorted({f.graph for f in inputs.files if f.graph not in ASSERTED_GRAPHS
                        and graph_kind(inputs.base, f.graph) != "change"})
    inferred_graph = graph_iri(inputs.base, "inferred")
    closure = ""
    writer = _Writer(target, optimized)
    try:
        if not inputs.changes:
            writer.write_files(inputs)
        started = time.perf_counter()
        load_files(store, inputs)
        seconds["load"] = _lap(started)
        log(f"loaded {len(inputs.files)} files in {seconds['load']:.2f} s")
        skipped = apply_changes(store, inputs)
        for change_id, why in skipped:
            log(f"change {change_id} left out: {why}")
        inferred = None
        if inputs.infer:
            started = time.perf_counter()
            inferred, closure = _infer(store, asserted, inferred_graph)
            seconds["infer"] = _lap(started)
        writer.write_rest(store, inferred_graph, inferred)
        graphs = graph_sizes(store)
        if inputs.infer:
            log(f"inferred {graphs.get(inferred_graph, 0)} triples in {seconds['infer']:.2f} s")
        if inputs.validate and inputs.shapes:
            started = time.perf_counter()
            report = validate.validate_store(store, [*asserted, inferred_graph],
                                             dataset.load_shapes(inputs), closed=inputs.infer)
            seconds["validate"] = _lap(started)
            if not report.conforms:
                raise Nonconforming(report)
            log(f"validated in {seconds['validate']:.2f} s")
        held = [store]
        del store  # the thread below drops the last reference
        _let_go(held)
        started = time.perf_counter()
    except BaseException:
        writer.finish()
        shutil.rmtree(target, ignore_errors=True)
        raise
    writer.finish()
    if writer.error is not None:
        shutil.rmtree(target, ignore_errors=True)
        raise KGError(f"could not write the store at {target}: {writer.error}")
    seconds["write"] = _lap(started)  # what writing took beyond validation, beside which it ran
    return BuildInfo(
        fingerprint=inputs.fingerprint(),
        path=str(target),
        graphs=graphs,
        seconds=seconds,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        skipped=[list(pair) for pair in skipped],
        checksums=writer.checksums,
        closure=closure,
        optimized=optimized,
    )


def _infer(store: ox.Store, asserted: list[str], inferred_graph: str) -> tuple[list[bytes] | None, str]:
    """Add the OWL-RL closure of the asserted graphs as `inferred_graph`: the N-Triples
    documents written (None: not kept as text), and how it was computed."""
    written = infer.add_fast_closure(store, asserted, inferred_graph)
    if written is not None:
        return written, "fast"
    # a schema richer than the fast closure handles: owlrl on everything
    inferred = [terms.to_oxigraph(t) for t in infer.closure(union_graph(store, asserted))]
    graph = ox.NamedNode(inferred_graph)
    store.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in inferred])
    return None, "owlrl"


def apply_changes(store: ox.Store, inputs: dataset.Inputs) -> list[tuple[str, str]]:
    """Lay each pending change over the loaded files, in order, with its history graph.

    A change applies when everything it removed is still there and nothing it
    added is there already; otherwise the files have moved on under it, and it
    is left out (returned as (id, why)) rather than half applied.
    """
    skipped = []
    for path in inputs.changes:
        history = changesets.read(path)
        delta = changesets.delta(history, inputs.base)
        gone = sum(1 for q in delta.removed if q not in store)
        there = sum(1 for q in delta.added if q in store)
        if gone or there:
            skipped.append((path.stem, f"{gone} of the triples it removed are no longer in the files "
                                       f"and {there} of those it added are there already"))
            continue
        for quad in delta.removed:
            store.remove(quad)
        store.extend([*delta.added, *history])
    return skipped


#: Formats Oxigraph parses straight into the store; others go through rdflib.
_OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
               "ntriples": ox.RdfFormat.N_TRIPLES, "trig": ox.RdfFormat.TRIG,
               "nquads": ox.RdfFormat.N_QUADS}  # a dataset file's default graph goes to `to_graph`


def load_files(store: ox.Store, inputs: dataset.Inputs, on_disk: bool = False) -> None:
    """Every input file into its named graph; a bad file reported as path:line: reason.

    In memory Oxigraph's transactional `load` is the faster (3.2 s against 4.0 s for the
    bulk loader at scale 1000); on disk its bulk loader is (`on_disk`: the writer's copy,
    whose IRIs go unchecked, 3% faster, as the build parses the same files strictly).
    """
    for source in inputs.files:
        fmt = dataset.rdf_format(source.path)
        graph = ox.NamedNode(str(dataset.graph_name_iri(source, inputs.base)))
        if fmt in _OX_FORMATS:
            text = dataset.read_text(source.path)
            if inputs.base != dataset.DEFAULT_BASE:
                text = text.replace(dataset.DEFAULT_BASE + "/", inputs.base + "/")
            load = store.bulk_load if on_disk else store.load
            try:
                load(text.encode("utf-8"), format=_OX_FORMATS[fmt], base_iri=source.path.as_uri(),
                     to_graph=graph, lenient=on_disk)
                continue
            except SyntaxError as exc:
                dataset.parse_into(Dataset(), source, inputs.base)  # rdflib's words for the mistake
                line = exc.args[1][1] if len(exc.args) > 1 and exc.args[1] else "?"
                raise KGError(f"{dataset.display_path(source.path)}:{line}: {exc.args[0]}") from None
        scratch = Dataset()
        dataset.parse_into(scratch, source, inputs.base)
        store.bulk_load(scratch.serialize(format="nquads").encode("utf-8"),
                        format=ox.RdfFormat.N_QUADS)


def union_graph(store: ox.Store, graphs: list[str]) -> Graph:
    """One rdflib Graph of the named graphs given, for owlrl and pyshacl."""
    union = Graph()
    convert = terms.converter()
    for name in graphs:
        for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
            union.add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
    return union


def graph_sizes(store: ox.Store) -> dict[str, int]:
    """Triples per named graph (a count per graph: a quarter faster than grouping them all)."""
    sizes = {}
    for graph in store.named_graphs():
        if isinstance(graph, ox.NamedNode):
            query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"
            sizes[graph.value] = int(next(iter(store.query(query)))["n"].value)
    return {name: n for name, n in sorted(sizes.items()) if n}


class _Writer:
    """Copies the build to RocksDB at `target` on a thread, beside the rest of the build.

    The asserted graphs are parsed from the files again, on the thread, while
    the build parses them into memory; the inferred graph is loaded from the
    N-Triples the closure wrote. Oxigraph's loader gives blank nodes fresh
    labels per load, so when an inferred triple names a blank node (or curated
    changes were laid over the files) the store is instead written from one
    dump of the memory store, after the closure, to keep the labels
    consistent. Blank nodes the inferred graph does not name may take other
    labels on disk than in memory: nothing joins the two. What Oxigraph itself
    wrote is loaded without checking it again, and the inferred graph is
    loaded as soon as it is complete, in `INFERRED_LOADERS` pieces at once,
    beside the files if they are still loading (Oxigraph's loaders may fill
    one store together): the copy to disk is the longest chain of a cold
    start. Not a forked process: RocksDB keeps process-wide state (background
    threads) a fork does not carry, and a forked writer was seen to hang.
    """

    def __init__(self, target: Path, optimized: bool):
        if target.exists():
            shutil.rmtree(target)
        self.target = target
        self.optimized = optimized
        self.error: BaseException | None = None
        self.checksums: dict[str, str] = {}  # of the files written, once closed
        self._parts: queue.SimpleQueue[Callable[[], object] | None] = queue.SimpleQueue()
        self._disk: ox.Store | None = None  # opened and closed on the writing thread
        self._opened = threading.Event()  # set once the store is open (or could not be)
        self._beside: list[threading.Thread] = []  # the inferred graph's loads, beside the files'
        self._from_files = False
        self._ended = False
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    def write_files(self, inputs: dataset.Inputs) -> None:
        """Start by parsing the input files into the store on disk (leniently: the build
        parses them into memory strictly, and fails on what that refuses)."""
        self._parts.put(lambda: load_files(self._disk, inputs, on_disk=True))
        self._from_files = True

    def write_rest(self, store: ox.Store, graph: str, inferred: list[bytes] | None) -> None:
        """Add the inferred `graph` to the files (its N-Triples `inferred`, or dumped from
        `store` when None), or write the whole of `store` when the files are not enough;
        nothing is written after this."""
        name = ox.NamedNode(graph)
        if inferred is None:
            inferred = [store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name)] \
                if store.contains_named_graph(name) else []
        if not self._from_files or any(b"_:" in text for text in inferred):
            if self._from_files:
                self._parts.put(self._start_again)
            whole = store.dump(format=ox.RdfFormat.N_QUADS)
            self._parts.put(lambda: self._disk.bulk_load(whole, format=ox.RdfFormat.N_QUADS, lenient=True))
        elif any(inferred):
            for part in _split_lines(b"".join(inferred), INFERRED_LOADERS):
                self._beside.append(threading.Thread(target=self._load_beside, args=(part, name),
                                                     name="store-writer-inferred", daemon=True))
                self._beside[-1].start()
        self._end()

    def finish(self) -> None:
        """Wait for the copy to end (on success or failure alike)."""
        self._end()
        self._thread.join()

    def _end(self) -> None:
        if not self._ended:
            self._parts.put(None)
            self._ended = True

    def _load_beside(self, data: bytes, graph: ox.NamedNode) -> None:
        self._opened.wait()
        try:
            if self._disk is not None:
                self._disk.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)
        except BaseException as exc:  # reported by the build, as the writer's own
            self.error = self.error or exc

    def _start_again(self) -> None:
        """An empty store in place of what the files put there."""
        self._disk = None  # closes it
        shutil.rmtree(self.target)
        self._disk = ox.Store(str(self.target))

    def _run(self) -> None:
        try:
            self._disk = ox.Store(str(self.target))
            self._opened.set()
            while (part := self._parts.get()) is not None:
                part()
                del part  # a dump it held
            self._join_beside()
            if self.error is None:
                self._disk.flush()
                if self.optimized:
                    self._disk.optimize()
        except BaseException as exc:  # reported by the build, on its own thread
            self.error = exc
            while self._parts.get() is not None:  # let the build go on to its end
                pass
        finally:
            self._opened.set()
            self._join_beside()
            self._disk = None  # closes it: every file is final from here
        if self.error is None:
            self.checksums = checksums(self.target)

    def _join_beside(self) -> None:
        for thread in self._beside:
            thread.join()


def _split_lines(text: bytes, parts: int) -> list[bytes]:
    """`text` cut at line ends into at most `parts` pieces of about the same size."""
    pieces, start = [], 0
    for part in range(1, parts):
        end = text.find(b"\n", max(start, len(text) * part // parts)) + 1
        if end <= start:
            break
        pieces.append(text[start:end])
        start = end
    return [*pieces, text[start:]] if start < len(text) else pieces


def _let_go(held: list) -> None:
    """Free what `held` alone refers to (an in-memory store: 1.25 s for two and a half million
    quads) on a thread of its own. Oxigraph's drop keeps the interpreter lock, so the build's
    own thread waits all the same; what the thread gains is that the copy to disk, which lets
    go of the lock, goes on beside it."""
    threading.Thread(target=held.clear, name="free-memory-store", daemon=True).start()


def _lap(started: float) -> float:
    return round(time.perf_counter() - started, 3)


@contextmanager
def exclusive_lock(path: Path):
    """Hold an exclusive lock on `path` (made if missing) for the block: one builder, or one
    release maker, at a time across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_scratch(stores: Path) -> None:
    """Scratch folders of builds that were killed: safe to remove under the lock."""
    for scratch in stores.glob(".build-*"):
        shutil.rmtree(scratch, ignore_errors=True)


def _prune(stores: Path, keep: Path) -> None:
    complete = sorted(
        (p for p in stores.iterdir() if p.is_dir() and not p.name.startswith(".") and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in complete[KEEP_STORES - 1:]:
        shutil.rmtree(old, ignore_errors=True)
