"""A SPARQL Update evaluated in a process of its own, under a time and a memory limit.

Oxigraph cannot cancel an update, and a runaway one (a cartesian DELETE/INSERT
WHERE) would hold the write lock for ever. So the update runs in a spawned
process over an in-memory copy of the writable graphs of the current store,
and sends back only what it added and removed; the process is killed when it
overruns `update_time_limit_ms` or its address space exceeds
`update_memory_limit_mb`, and nothing changes. The store itself is changed
only by the commit (writes.py), from that difference.

Spawned processes import this module: it imports pyoxigraph, the standard
library and the query workers' constants only, so one starts in a fraction of
a second.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import threading

import pyoxigraph as ox

from ..errors import KGError, bad_request
from ..query.workers import WORKER_STACK_MB

#: Smallest address-space limit an update process lives under: beside what a query worker
#: needs (workers.MIN_MEMORY_MB), it holds the in-memory copy; measured, 768 MiB fails to
#: start its threads and 900 MiB works.
MIN_MEMORY_MB = 1024


def evaluate(store_path: str, graphs: list[str], data_graph: str, text: str, *,
             time_limit_ms: int, memory_limit_mb: int) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(added, removed) quads of `text` run over `graphs` of the store (the data graph as
    the default graph, as the protocol's updates without GRAPH act on it)."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    limit = max(memory_limit_mb, MIN_MEMORY_MB) if memory_limit_mb > 0 else 0
    process = context.Process(target=_main, args=(child, store_path, graphs, data_graph, text, limit),
                              daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(time_limit_ms / 1000):
            raise KGError(f"update stopped after {time_limit_ms} ms; nothing was changed. The time "
                          "limit is controlled by the update_time_limit_ms setting.", 503)
        status, first, second = parent.recv()
    except (EOFError, OSError):
        process.join(timeout=5)
        raise _died(process.exitcode, limit) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        parent.close()
    if status == "syntax":
        raise bad_request(f"syntax error: {first}")
    if status == "error":
        raise bad_request(f"update failed: {first}")
    return _quads(first), _quads(second)


def _died(exitcode: int | None, limit_mb: int) -> KGError:
    """Out of memory (Rust aborts, or the kernel kills) is the limit at work; any other end
    was caused by this update's text."""
    if exitcode in (-signal.SIGABRT, -signal.SIGKILL, None):
        return KGError(f"update stopped: it needed more than {limit_mb} MiB; nothing was changed. "
                       "The memory limit is controlled by the update_memory_limit_mb setting.", 503)
    return bad_request(f"the update could not be evaluated (its process ended with code {exitcode}); "
                       "nothing was changed")


def _quads(data: bytes) -> list[ox.Quad]:
    return list(ox.parse(data, format=ox.RdfFormat.N_QUADS))


def _main(conn, store_path: str, graphs: list[str], data_graph: str, text: str, limit_mb: int) -> None:
    os.environ["RUST_BACKTRACE"] = "0"  # an allocation failure aborts; symbolising a backtrace took seconds
    threading.stack_size(WORKER_STACK_MB * 1024 * 1024)  # Oxigraph's parser recurses (workers.py)
    if limit_mb:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 1024 * 1024,) * 2)
    thread = threading.Thread(target=_run, args=(conn, store_path, graphs, data_graph, text))
    thread.start()
    thread.join()


def _run(conn, store_path: str, graphs: list[str], data_graph: str, text: str) -> None:
    disk = ox.Store.read_only(store_path)
    scratch = ox.Store()
    for name in graphs:  # copied and compared as N-Quads lines: no Python object per quad
        target = ox.DefaultGraph() if name == data_graph else ox.NamedNode(name)
        scratch.bulk_load(disk.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name)),
                          format=ox.RdfFormat.N_TRIPLES, to_graph=target)
    before = _lines(scratch)
    try:
        scratch.update(text)
    except SyntaxError as exc:
        conn.send(("syntax", str(exc), b""))
        return
    except (ValueError, OSError, RuntimeError) as exc:
        conn.send(("error", str(exc), b""))
        return
    after = _lines(scratch)
    data = ox.NamedNode(data_graph)

    def named(lines: set[bytes]) -> bytes:
        quads = ox.parse(b"\n".join(sorted(lines)), format=ox.RdfFormat.N_QUADS)
        return ox.serialize([ox.Quad(q.subject, q.predicate, q.object, data)
                             if isinstance(q.graph_name, ox.DefaultGraph) else q for q in quads],
                            format=ox.RdfFormat.N_QUADS)
    conn.send(("ok", named(after - before), named(before - after)))


def _lines(store: ox.Store) -> set[bytes]:
    """The store as a set of canonical N-Quads lines (Oxigraph writes each term one way)."""
    return set(store.dump(format=ox.RdfFormat.N_QUADS).splitlines())
