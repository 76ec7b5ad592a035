"""The query engines: the embedded Oxigraph store, or any remote SPARQL 1.1 endpoint.

Both answer `run()` with a `QueryResult` of pyoxigraph terms, so everything
above this module (pages, exports, search, the protocol endpoint) is the same
whichever engine is underneath. User queries go through `run()`, which
enforces the time and row limits; the application's own fixed queries use
`run_trusted()`, which on the embedded engine evaluates in-process.
"""

from __future__ import annotations

import signal
import time
import urllib.parse
from typing import Protocol

import pyoxigraph as ox

from ..errors import KGError, bad_request, timed_out
from ..namespaces import all_prefixes, graph_iri
from . import remote, sparql, workers
from .inline import CheapQueries
from .sparql import QueryResult


class Engine(Protocol):
    def run(
        self,
        query: str,
        *,
        default_graphs: tuple[str, ...] | None = None,
        named_graphs: tuple[str, ...] | None = None,
        time_limit_ms: int | None = None,
        max_rows: int | None = None,
        output: tuple[str | None, str | None] = (None, None),
    ) -> QueryResult:
        """A user's query under the limits; with `output`, the result may come as bytes of
        those formats (results, graph) in `QueryResult.body`."""

    def run_trusted(self, query: str) -> QueryResult: ...

    def graph_names(self) -> list[str]: ...

    def warm(self) -> None: ...

    def close(self) -> None: ...


def _to_result(kind: str, payload, truncated: bool, started: float) -> QueryResult:
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    if isinstance(payload, workers.Encoded):
        return QueryResult(kind, truncated=truncated, elapsed_ms=elapsed, body=payload.body,
                           body_format=payload.format)
    if kind == "boolean":
        return QueryResult("boolean", boolean=payload, elapsed_ms=elapsed)
    if kind == "bindings":
        names, rows = payload
        return QueryResult("bindings", variables=names, rows=rows, truncated=truncated,
                           elapsed_ms=elapsed)
    return QueryResult("graph", triples=payload, truncated=truncated, elapsed_ms=elapsed)


class EmbeddedEngine:
    """The persisted Oxigraph store, with user queries in killable workers.

    A query a worker has already answered within `inline_query_ms` is
    evaluated in this process the next time (inline.py says why that is safe).
    """

    def __init__(self, store_path: str, settings: dict):
        self.settings = settings
        self.prefix_pairs = tuple(all_prefixes(settings["base_iri"]).items())  # for Turtle answers
        self.store = ox.Store.read_only(store_path)
        self.pool = workers.WorkerPool(
            store_path,
            size=settings["query_workers"],
            max_size=settings["query_workers_max"],
            memory_limit_mb=settings["query_memory_limit_mb"],
        )
        self.cheap = CheapQueries(settings["inline_query_ms"])

    def run(self, query, *, default_graphs=None, named_graphs=None, time_limit_ms=None,
            max_rows=None, output=(None, None)) -> QueryResult:
        limit_ms = _time_limit(self.settings, time_limit_ms)
        if named_graphs is not None and default_graphs is None:
            default_graphs = ()  # the protocol: named graphs alone leave the default graph empty
        checked = sparql.check(query, self.settings)
        max_rows = max_rows or self.settings["max_returned_rows"]
        union = not checked.has_from  # Oxigraph's union flag overrides FROM
        key = (checked.text, default_graphs, named_graphs, union, max_rows)
        started = time.perf_counter()
        seen = self.cheap.get(key, limit_ms)
        job = workers.Job(
            query=checked.text,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            union_default_graph=union,
            max_rows=max_rows,
            output=output,
            prefixes=self.prefix_pairs if output[1] else (),
            capped=seen is None or seen.truncated,
        )
        if seen is not None:
            return self._run_inline(job, started)
        try:
            status, payload = self.pool.run(job, limit_ms / 1000)
        except workers.Timeout:
            raise timed_out(limit_ms) from None
        except workers.Busy:
            raise KGError("every query worker is busy; try again shortly "
                          "(the query_workers_max setting)", 503) from None
        except workers.WorkerFailed as exc:
            raise _worker_failure(exc, self.settings) from None
        if status == "syntax":
            raise bad_request(f"syntax error: {payload}")
        if status == "error":
            raise bad_request(f"query failed: {payload}")
        self.cheap.record(key, job.query, (time.perf_counter() - started) * 1000, truncated=payload[2])
        return _to_result(*payload, started)

    def _run_inline(self, job: workers.Job, started: float) -> QueryResult:
        return _to_result(*workers.answer(self.store, job), started)

    def warm(self) -> None:
        self.pool.warm()

    def switch(self, store_path: str) -> None:
        """Serve another store (a committed write) with the same worker pool: its workers
        move over as they come free, so writes never add processes."""
        self.store = ox.Store.read_only(store_path)
        self.cheap = CheapQueries(self.settings["inline_query_ms"])
        self.pool.switch(store_path)

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def run_trusted(self, query: str) -> QueryResult:
        job = workers.Job(query, None, None, True, self.settings["max_returned_rows"] * 10)
        return self._run_inline(job, time.perf_counter())

    def close(self) -> None:
        self.pool.close()


class RemoteEngine:
    """Any SPARQL 1.1 Protocol endpoint (Virtuoso, Fuseki, GraphDB, the Oxigraph server...).

    Queries see the project's graphs only: unless a query names its own dataset
    (FROM, or the protocol's graph parameters), each request names the project's
    graphs as its default graphs (so the default graph is their union) and as its
    named graphs, whatever the engine keeps beside them. Each query form asks for
    what it returns, a graph or a results table. A row cap set by the engine marks
    a user's answer cut; the application's own queries page through it instead.
    """

    GRAPHS_TTL_S = 60  # graphs loaded while serving are seen this much later at most

    def __init__(self, url: str, settings: dict):
        self.url = url
        self.settings = settings
        self.client = remote.opener(settings)
        self.server: str | None = None  # the engine's Server header: its dialect
        self._graphs: tuple[float, tuple[str, ...]] | None = None

    def run(self, query, *, default_graphs=None, named_graphs=None, time_limit_ms=None,
            max_rows=None, output=(None, None)) -> QueryResult:
        checked = sparql.check(query, self.settings)
        limit_ms = _time_limit(self.settings, time_limit_ms)
        if default_graphs is None and named_graphs is None and not checked.has_from:
            default_graphs = named_graphs = self._dataset()
        result, cap = self._ask(query, default_graphs, named_graphs, limit_ms,
                                max_rows or self.settings["max_returned_rows"])
        if cap is not None and len(result) >= cap and not result.truncated:
            result.truncated, result.cut_at = True, cap  # cut by the engine, not by us
        return result

    def run_trusted(self, query: str) -> QueryResult:
        return self._trusted(query, self._dataset())

    def _trusted(self, query: str, graphs: tuple[str, ...] | None) -> QueryResult:
        """The whole answer: when the engine cuts it, it is fetched again a page at a time.

        Pages are `LIMIT cap OFFSET n` of solutions; the application's CONSTRUCTs make one
        triple per solution, so a page of triples is never longer than the cap either.
        """
        limit_ms = self.settings["sparql_time_limit_ms"]
        max_rows = self.settings["max_returned_rows"] * 10
        result, cap = self._ask(query, graphs, graphs, limit_ms, max_rows)
        if cap is None or len(result) < cap or result.kind == "boolean":
            return result
        if {"LIMIT", "OFFSET"} & set(sparql.keywords(query)):
            result.truncated = True  # a query that pages itself is not paged again
            return result
        whole = None
        for offset in range(0, max_rows, cap):
            page, _ = self._ask(f"{query}\nLIMIT {cap} OFFSET {offset}", graphs, graphs,
                                limit_ms, max_rows)
            if whole is None:
                whole = page
            else:
                whole.rows += page.rows
                whole.triples += page.triples
            if len(page) < cap:
                return whole
        whole.truncated = True
        return whole

    def graph_names(self) -> list[str]:
        return list(self.project_graphs())

    def project_graphs(self) -> tuple[str, ...]:
        """The project's named graphs on the engine, asked again every GRAPHS_TTL_S."""
        now = time.monotonic()
        if self._graphs is None or now - self._graphs[0] > self.GRAPHS_TTL_S:
            self._graphs = (now, tuple(remote.project_graphs(self._all_graphs(),
                                                             self.settings["base_iri"])))
        return self._graphs[1]

    def _dataset(self) -> tuple[str, ...]:
        """The graphs a query sees by default. With none of the project's loaded, a graph
        no one has: naming none would let the engine answer from all it keeps."""
        return self.project_graphs() or (graph_iri(self.settings["base_iri"], ""),)

    def _all_graphs(self) -> list[str]:
        """`GRAPH ?g {}` lists graphs on most engines; Virtuoso answers it with one empty row."""
        listed, _ = self._ask("SELECT DISTINCT ?g WHERE { GRAPH ?g {} }", None, None,
                              self.settings["sparql_time_limit_ms"], None)
        if any(row[0] is None for row in listed.rows):
            listed = self._trusted("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", None)
        return [row[0].value for row in listed.rows if row[0] is not None]

    def _ask(self, query: str, default_graphs, named_graphs, limit_ms: int,
             max_rows: int | None) -> tuple[QueryResult, int | None]:
        """One request: the answer (at most max_rows) and the row cap the engine applied."""
        form = sparql.query_form(query)
        kind = "graph" if form in ("CONSTRUCT", "DESCRIBE") else "results"
        params = [("query", query)]
        params += [("default-graph-uri", g) for g in default_graphs or ()]
        params += [("named-graph-uri", g) for g in named_graphs or ()]
        params += remote.time_limit_params(self.server or "", limit_ms)
        headers = {"Accept": remote.ACCEPT[kind], "Content-Type": "application/x-www-form-urlencoded"}
        started = time.perf_counter()
        try:
            reply = remote.send(self.client, "POST", self.url, urllib.parse.urlencode(params).encode(),
                                headers, limit_ms / 1000 + 1)
        except TimeoutError:
            raise timed_out(limit_ms) from None
        self.server = reply.headers.get("Server", "")
        if remote.stopped_at_time_limit(reply.headers):
            raise timed_out(limit_ms)
        try:
            read = remote.read_graph if kind == "graph" else remote.read_results
            collected = read(reply.body, reply.media, max_rows or 2**62)
            if form == "ASK" and collected[0] == "bindings":
                boolean = remote.ask_answer(*collected[1])
                collected = collected if boolean is None else ("boolean", boolean, False)
        except (SyntaxError, ValueError) as exc:
            raise KGError(f"the remote store's {reply.media} answer cannot be read: {exc}", 502) from None
        return _to_result(*collected, started), remote.engine_cap(reply.headers)

    def warm(self) -> None:
        """Learn the engine's dialect and the project's graphs before the first query."""
        self.project_graphs()

    def close(self) -> None:
        pass


def _worker_failure(exc: workers.WorkerFailed, settings: dict) -> KGError:
    """A worker that died: out of memory is the limit doing its job (503, like the time
    limit); any other death was caused by this query's text, so it is the query that is refused."""
    if exc.out_of_memory or exc.exitcode == -signal.SIGKILL:
        return KGError(f"query stopped: it needed more than {settings['query_memory_limit_mb']} MiB. "
                       "The memory limit is controlled by the query_memory_limit_mb setting.", 503)
    return bad_request(f"the query engine could not evaluate this query (its worker ended with "
                       f"code {exc.exitcode}); simplify the query")


def _time_limit(settings: dict, requested_ms: int | None) -> int:
    """A request may lower the time limit, never raise it."""
    limit = settings["sparql_time_limit_ms"]
    if requested_ms is not None and 0 < requested_ms < limit:
        return requested_ms
    return limit


def open_engine(settings: dict, store_path: str | None) -> Engine:
    if settings["store"]:
        return RemoteEngine(settings["store"], settings)
    if store_path is None:
        raise KGError("no store to open")
    return EmbeddedEngine(store_path, settings)
