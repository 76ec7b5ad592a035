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
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

import pyoxigraph as ox

from ..errors import KGError, bad_request, timed_out
from ..namespaces import all_prefixes
from . import sparql, workers
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

    def run_trusted(self, query: str) -> QueryResult:
        job = workers.Job(query, None, None, True, self.settings["max_returned_rows"] * 10)
        return self._run_inline(job, time.perf_counter())

    def close(self) -> None:
        self.pool.close()


class RemoteEngine:
    """Any SPARQL 1.1 Protocol endpoint (Fuseki, GraphDB, Virtuoso, Oxigraph...)."""

    def __init__(self, url: str, settings: dict):
        self.url = url
        self.settings = settings

    def run(self, query, *, default_graphs=None, named_graphs=None, time_limit_ms=None,
            max_rows=None, output=(None, None)) -> QueryResult:
        sparql.check(query, self.settings)
        limit_ms = _time_limit(self.settings, time_limit_ms)
        return self._post(query, default_graphs, named_graphs, limit_ms,
                          max_rows or self.settings["max_returned_rows"])

    def run_trusted(self, query: str) -> QueryResult:
        return self._post(query, None, None, self.settings["sparql_time_limit_ms"],
                          self.settings["max_returned_rows"] * 10)

    def _post(self, query, default_graphs, named_graphs, limit_ms, max_rows) -> QueryResult:
        params = [("query", query)]
        params += [("default-graph-uri", g) for g in default_graphs or ()]
        params += [("named-graph-uri", g) for g in named_graphs or ()]
        request = urllib.request.Request(
            self.url,
            data=urllib.parse.urlencode(params).encode(),
            headers={
                "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=limit_ms / 1000) as response:
                body = response.read()
                media = response.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            status = 400 if exc.code in (400, 406, 415) else 502
            raise KGError(f"the remote store answered {exc.code}: {detail}", status) from None
        except TimeoutError:
            raise timed_out(limit_ms) from None
        except (urllib.error.URLError, OSError) as exc:
            raise KGError(f"the remote store at {self.url} cannot be reached: {exc}", 502) from None
        return _remote_result(body, media, max_rows, started)

    def warm(self) -> None:
        """Nothing to start: the remote engine is already running."""

    def close(self) -> None:
        pass


def _remote_result(body: bytes, media: str, max_rows: int, started: float) -> QueryResult:
    if media in ("application/sparql-results+json", "application/json"):
        answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    else:
        fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
        answer = (quad.triple for quad in ox.parse(body, format=fmt))
    return _to_result(*workers.collect(answer, max_rows), started)


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
