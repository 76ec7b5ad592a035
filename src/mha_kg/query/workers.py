"""Query worker processes that can be stopped.

Neither rdflib nor pyoxigraph can cancel a running query, so user queries run
in separate processes, each with the store opened read-only. A query that
overruns its time limit is ended by killing its worker, and a fresh one takes
its place; a query that exhausts a worker's memory limit, or crashes the
engine, takes only that worker with it. The server's own threads stay free.

This module is imported by spawned workers: it imports pyoxigraph and the
standard library only, so a worker starts in a fraction of a second.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox


@dataclass(frozen=True)
class Job:
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    union_default_graph: bool
    max_rows: int
    #: Format names to answer in (results, graph): the worker then sends bytes, not terms,
    #: so serialising runs beside the query, off the server's interpreter lock.
    output: tuple[str | None, str | None] = (None, None)
    prefixes: tuple[tuple[str, str], ...] = ()
    #: False when this query is known to return at most max_rows solutions (it did
    #: before, on this read-only store): Oxigraph then writes them itself, uncounted.
    capped: bool = True


#: Stack of the thread that evaluates queries in a worker. Oxigraph's parser and
#: optimiser recurse on the query's shape: on the default 8 MiB main-thread stack,
#: `FILTER(!!!...true)` 10,000 deep or 10,000 `UNION`s overflow it and the worker
#: dies of SIGSEGV. With 256 MiB every query under max_query_bytes (100 kB) was
#: measured to parse (docs/security.md); the stack is virtual memory, touched only
#: as deep as a query goes.
WORKER_STACK_MB = 256

#: Smallest address-space limit a worker can live under: RocksDB's read-only open
#: starts threads, and with the query thread's stack they need about 600 MiB of
#: address space (measured: 512 MiB fails to start, 768 MiB works).
MIN_MEMORY_MB = 768


class WorkerFailed(Exception):
    """A worker ended without answering: a crash or its memory limit."""

    def __init__(self, message: str, exitcode: int | None = None, oom: bool = False):
        super().__init__(message)
        self.exitcode = exitcode
        self.oom = oom

    @property
    def out_of_memory(self) -> bool:
        """Python's MemoryError, or Rust's abort (SIGABRT) when an allocation fails under RLIMIT_AS."""
        return self.oom or self.exitcode == -signal.SIGABRT


class Timeout(Exception):
    """The job overran its time limit; its worker was killed."""


class Busy(Exception):
    """No worker became free in time."""


def answer(store: ox.Store, job: Job) -> tuple:
    """Evaluate one job: (kind, payload, truncated), the payload as bytes when the job names a format."""
    result = store.query(job.query, **_dataset(job))
    if not job.capped:
        written = _written_by_oxigraph(result, job)
        if written is not None:
            return written
    return encode(*collect(result, job.max_rows), job)


def _written_by_oxigraph(result, job: Job) -> tuple | None:
    """An answer known to fit max_rows written by Oxigraph in one call, when it writes the
    job's format as `encode` would; None otherwise.

    Reading an answer row by row costs more than the rows: Oxigraph lets go of the
    interpreter lock for each one and takes it back, and under load every time is a
    chance for another thread to take it. A 17-triple DESCRIBE read triple by triple
    cost 48 context switches a request at 8 clients, written at once 22.
    """
    from . import formats

    if isinstance(result, ox.QuerySolutions) and job.output[0]:
        name = job.output[0]
        return "bindings", Encoded(name, result.serialize(format=formats.by_name(name).results)), False
    if isinstance(result, ox.QueryTriples) and job.output[1]:
        fmt = formats.by_name(job.output[1])
        if formats.writes_without_prefixes(fmt):
            return "graph", Encoded(fmt.name, formats.write_answer(result, fmt)), False
    return None


def _dataset(job: Job) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if job.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    elif job.union_default_graph:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    return kwargs


def collect(result, max_rows: int) -> tuple:
    """('bindings'|'boolean'|'graph', terms, truncated): at most max_rows rows or triples.

    `result` is what Oxigraph answers or parses: a boolean, solutions, or triples.
    """
    if isinstance(result, ox.QueryBoolean):
        return "boolean", bool(result), False
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) == max_rows:
                return "bindings", (names, rows), True
            rows.append(tuple(solution[i] for i in range(len(names))))
        return "bindings", (names, rows), False
    triples = []
    for triple in result:
        if len(triples) == max_rows:
            return "graph", triples, True
        triples.append(triple)
    return "graph", triples, False


def encode(kind: str, payload, truncated: bool, job: Job) -> tuple:
    """The job's result as bytes of its output format, when the job names one for this kind."""
    name = job.output[1] if kind == "graph" else job.output[0]
    if name is None:
        return kind, payload, truncated
    from . import formats
    from .sparql import QueryResult

    fmt = formats.by_name(name)
    if kind == "graph":
        body = formats.write_triples(payload, fmt, dict(job.prefixes))
    elif kind == "boolean":
        body = formats.write_results(QueryResult("boolean", boolean=payload), fmt)
    else:
        names, rows = payload
        body = formats.write_results(QueryResult("bindings", variables=names, rows=rows,
                                                 truncated=truncated), fmt)
    return kind, Encoded(name, body), truncated


@dataclass(frozen=True)
class Encoded:
    format: str
    body: bytes


def _worker_main(conn, store_path: str, memory_limit_mb: int) -> None:
    """Open the store read-only, then answer jobs on a thread with a deep stack."""
    threading.stack_size(WORKER_STACK_MB * 1024 * 1024)
    if memory_limit_mb > 0:
        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    store = ox.Store.read_only(store_path)
    thread = threading.Thread(target=_serve_jobs, args=(conn, store), name="queries")
    thread.start()
    thread.join()


def _serve_jobs(conn, store: ox.Store) -> None:
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", answer(store, job)))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except MemoryError:
            conn.send(("memory", "out of memory"))
        except Exception as exc:  # an engine error on this query, not a crash
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, context, store_path: str, memory_limit_mb: int):
        self.store_path = store_path
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, store_path, memory_limit_mb), daemon=True
        )
        self.process.start()
        child.close()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """A pool of `size` warm workers that grows to `max_size` under load and stays there.

    Workers start at the first query, or at `warm()`: a one-shot command that
    never runs a user query never pays for a process.
    """

    def __init__(self, store_path: str, size: int, max_size: int, memory_limit_mb: int):
        self.store_path = store_path
        self.size = max(1, size)
        self.max_size = max(self.size, max_size)
        self.memory_limit_mb = max(memory_limit_mb, MIN_MEMORY_MB) if memory_limit_mb > 0 else 0
        self._context = multiprocessing.get_context("spawn")
        self._idle: deque[_Worker] = deque()
        self._count = 0
        self._cond = threading.Condition()
        self._closed = False

    def warm(self) -> None:
        """Start the `size` warm workers now rather than at the first query (servers do)."""
        while True:
            with self._cond:
                if self._closed or self._count >= self.size:
                    return
                self._count += 1
            self._release(self._spawn())

    def _spawn(self) -> _Worker:
        return _Worker(self._context, self.store_path, self.memory_limit_mb)

    def run(self, job: Job, timeout_s: float) -> tuple:
        deadline = time.monotonic() + timeout_s
        worker = self._acquire(deadline)
        try:
            worker.conn.send(job)
            if not worker.conn.poll(max(deadline - time.monotonic(), 0.001)):
                self._discard(worker)
                raise Timeout()
            status, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._discard(worker)
            raise WorkerFailed("the query engine stopped while running this query",
                               worker.process.exitcode) from None
        if status == "memory":
            self._discard(worker)
            raise WorkerFailed(payload, oom=True)
        self._release(worker)
        return status, payload

    def _acquire(self, deadline: float) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise Busy()
                if self._idle:
                    return self._idle.popleft()
                if self._count < self.max_size:
                    self._count += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._cond.wait(remaining):
                    raise Busy()
        try:
            return self._spawn()
        except Exception:
            with self._cond:
                self._count -= 1
            raise

    def switch(self, store_path: str) -> None:
        """Answer from another store from now on (a write committed a new one).

        Idle workers on the old store end now; busy ones finish their query and
        end then. The new store's workers start as queries come, so the pool
        never holds more than `max_size` processes, old and new together.
        """
        with self._cond:
            self.store_path = store_path
            stale, self._idle = list(self._idle), deque()
            self._count -= len(stale)
            self._cond.notify_all()
        for worker in stale:
            worker.kill()

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            if self._closed or worker.store_path != self.store_path:
                self._count -= 1
                worker.kill()
            else:
                self._idle.append(worker)
            self._cond.notify()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._cond:
            self._count -= 1
            self._cond.notify()
        threading.Thread(target=self._top_up, daemon=True).start()

    def _top_up(self) -> None:
        """Keep `size` workers warm after one was killed."""
        with self._cond:
            if self._closed or self._count >= self.size:
                return
            self._count += 1
        worker = self._spawn()
        self._release(worker)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers, self._idle = list(self._idle), deque()
            self._cond.notify_all()
        for worker in workers:
            worker.kill()
