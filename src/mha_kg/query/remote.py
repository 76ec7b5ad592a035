"""Talking to another SPARQL engine: credentials, the engine's dialect, and `mha-kg load`.

`mha-kg load --store URL` builds (or reuses) the embedded store, so the
remote engine receives exactly what `mha-kg serve` would serve: every named
graph, the OWL-RL closure included, each replaced whole with one HTTP PUT to
`<gsp>?graph=<graph IRI>` (SPARQL 1.1 Graph Store HTTP Protocol, indirect
graph identification). A PUT replaces, so loading twice leaves one copy.

Every request carries the `store_user`/`store_password` credentials when they
are set, answering whichever challenge the engine makes: HTTP digest
(Virtuoso's `/sparql-graph-crud-auth`) or basic (most others). They come from
settings (a config file or `MHA_KG_STORE_PASSWORD`), never from a URL, so no
message or log line can carry them.

Engines differ in small ways this module absorbs (docs/performance.md has the
table): how a time limit is passed (`time_limit_params`), which graphs are
the engine's own (`project_graphs`), and a row cap announced only in a header
(`engine_cap`).
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

import pyoxigraph as ox

from ..errors import KGError
from ..namespaces import graph_iri
from . import workers

NTRIPLES = "application/n-triples"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
NEWLINE = b"\n"  # one N-Triples statement per line

#: What to ask for, by query form: Virtuoso ignores q-values and answers the first
#: type it knows, so a graph query must not list a results format at all. Tables come
#: as XML first: Virtuoso writes it 3 to 6 times faster than JSON (1,749 rows: 0.03-0.08 s
#: against 0.17-0.32 s, measured under load), and every SPARQL 1.1 engine writes it.
ACCEPT = {
    "graph": "application/n-triples, text/turtle;q=0.9",
    "results": "application/sparql-results+xml, application/sparql-results+json;q=0.9",
}


@dataclass
class Pushed:
    graph: str
    triples: int


@dataclass(frozen=True)
class Reply:
    body: bytes
    media: str
    headers: Message


# ------------------------------------------------------------------ HTTP


def opener(settings: dict) -> urllib.request.OpenerDirector:
    """An HTTP client that answers digest or basic challenges with the store credentials."""
    if not settings.get("store_user"):
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    for url in (settings.get("store"), settings.get("store_gsp"), settings.get("store_update")):
        if url:  # the whole host: the query and Graph Store endpoints share the account
            parts = urllib.parse.urlsplit(url)
            passwords.add_password(None, f"{parts.scheme}://{parts.netloc}/",
                                   settings["store_user"], settings["store_password"])
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords),
                                       urllib.request.HTTPBasicAuthHandler(passwords))


def send(client: urllib.request.OpenerDirector, method: str, url: str, body: bytes,
         headers: dict[str, str], timeout_s: float) -> Reply:
    """One request; a refusal or an unreachable engine is a one-line KGError.

    A TimeoutError is left to the caller, which knows which limit it was.
    """
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with client.open(request, timeout=timeout_s) as response:
            return Reply(response.read(), response.headers.get_content_type(), response.headers)
    except urllib.error.HTTPError as exc:
        raise _refused(exc, method, url) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise exc.reason from None
        raise KGError(f"the remote store at {_shown(url)} cannot be reached: {exc.reason}", 502) from None
    except (ConnectionError, http.client.HTTPException) as exc:  # dropped, or a broken answer
        raise KGError(f"the remote store at {_shown(url)} failed to answer: {exc!r}", 502) from None


def _refused(exc: urllib.error.HTTPError, method: str, url: str) -> KGError:
    detail = " ".join(exc.read()[:300].decode("utf-8", "replace").split())
    if exc.code in (401, 403):
        return KGError(f"the remote store refused {method} {_shown(url)} ({exc.code}): set the "
                       "store_user and store_password settings (MHA_KG_STORE_PASSWORD) to an account "
                       "it accepts", 502)
    if "estimated execution time" in detail:  # Virtuoso refuses before it starts
        return KGError(f"the remote store will not run this query: {detail}", 503)
    status = 400 if exc.code in (400, 406, 415) else 502
    return KGError(f"the remote store answered {exc.code}: {detail}", status)


def _shown(url: str) -> str:
    """The URL without its query string (which may hold a whole query)."""
    return url.split("?", 1)[0]


# ------------------------------------------------------------------ the engine's dialect


def time_limit_params(server: str, limit_ms: int) -> list[tuple[str, str]]:
    """The request parameter that makes this engine stop a query at the limit, if it has one.

    >>> time_limit_params("Virtuoso/07.20.3229 (Linux)", 1500)
    [('timeout', '1500')]
    >>> time_limit_params("Apache Jena Fuseki (5.1.0)", 1500)
    [('timeout', '1.5')]
    >>> time_limit_params("Oxigraph/0.5.2", 1500)
    []
    """
    if server.startswith("Virtuoso"):
        return [("timeout", str(limit_ms))]  # milliseconds
    if "Fuseki" in server:
        return [("timeout", f"{limit_ms / 1000:g}")]  # seconds
    return []


def stopped_at_time_limit(headers: Message) -> bool:
    """Virtuoso's "anytime" answer: partial results, flagged only in a header."""
    return headers.get("X-SQL-State", "").strip() == "S1TAT"


def engine_cap(headers: Message) -> int | None:
    """The row cap the engine applied to this answer (Virtuoso's ResultSetMaxRows)."""
    value = headers.get("X-SPARQL-MaxRows", "").strip()
    return int(value) if value.isdigit() else None


def project_graphs(names: list[str], base: str) -> list[str]:
    """The project's own graphs among all the engine holds (Virtuoso keeps system graphs).

    >>> project_graphs(["http://www.openlinksw.com/schemas/virtrdf#", "https://x.org/graph/data"],
    ...                "https://x.org")
    ['https://x.org/graph/data']
    """
    prefix = graph_iri(base, "")
    return sorted(name for name in names if name.startswith(prefix))


def read_results(body: bytes, media: str, max_rows: int) -> tuple:
    """A SELECT/ASK answer, collected; extra JSON members (Comunica's `metadata`) are ignored.

    Oxigraph's reader is lazy and strict: it refuses a member after `results` only
    when it reaches it, so the answer is read again from its standard members.
    """
    fmt = ox.QueryResultsFormat.from_media_type(media) or ox.QueryResultsFormat.JSON
    try:
        return workers.collect(ox.parse_query_results(body, format=fmt), max_rows)
    except SyntaxError:
        if fmt != ox.QueryResultsFormat.JSON:
            raise
        return workers.collect(ox.parse_query_results(_standard_json(body), format=fmt), max_rows)


def _standard_json(body: bytes) -> bytes:
    import json

    try:
        document = json.loads(body)
    except ValueError as exc:
        raise KGError(f"the remote store's answer is not JSON: {exc}", 502) from None
    kept = {key: document[key] for key in ("head", "results", "boolean") if key in document}
    return json.dumps(kept).encode()


def ask_answer(names: list[str], rows: list) -> bool | None:
    """Virtuoso 7.2 answers ASK as a table: one row of `__ASK_RETVAL` 1 for true, no row for false.

    >>> ask_answer(["__ASK_RETVAL"], [(ox.Literal("1", datatype=ox.NamedNode(XSD_INTEGER)),)])
    True
    >>> ask_answer(["__ASK_RETVAL"], [])
    False
    """
    if names != ["__ASK_RETVAL"]:
        return None
    return any(row[0] is not None and row[0].value not in ("0", "false") for row in rows)


def read_graph(body: bytes, media: str, max_rows: int) -> tuple:
    """A CONSTRUCT/DESCRIBE answer, collected."""
    fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
    return workers.collect((quad.triple for quad in ox.parse(body, format=fmt)), max_rows)


# ------------------------------------------------------------------ mha-kg load


def gsp_endpoint(settings: dict) -> str:
    """The Graph Store endpoint: the store_gsp setting, or Oxigraph's /store beside its /query."""
    if settings.get("store_gsp"):
        return settings["store_gsp"]
    url = settings["store"]
    if url.rstrip("/").endswith("/query"):
        return url.rstrip("/")[: -len("/query")] + "/store"
    raise KGError(f"cannot tell the Graph Store endpoint of {url}: set it with --gsp URL or "
                  "--setting store_gsp URL (Virtuoso: .../sparql-graph-crud-auth, Fuseki: .../data, "
                  "GraphDB: .../rdf-graphs/service)")


def push(store_path: str, settings: dict, default_graph: bool = False, timeout_s: float = 600,
         log: Callable[[str], None] = lambda _: None) -> list[Pushed]:
    """PUT every named graph of the built store to the remote Graph Store; what was sent."""
    gsp = gsp_endpoint(settings)
    client = opener(settings)
    store = ox.Store.read_only(store_path)
    pushed = []
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    for graph in graphs:
        body = ox.serialize(
            (q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))),
            format=ox.RdfFormat.N_TRIPLES)
        count = body.count(NEWLINE)
        _put(client, f"{gsp}?{urllib.parse.urlencode({'graph': graph})}", body, timeout_s)
        log(f"{graph}: {count} triples")
        pushed.append(Pushed(graph, count))
    if default_graph:
        body = ox.serialize((q.triple for q in store), format=ox.RdfFormat.N_TRIPLES)
        _put(client, f"{gsp}?default", body, timeout_s)
        log(f"default graph: {body.count(NEWLINE)} triples")
    return pushed


def _put(client: urllib.request.OpenerDirector, url: str, body: bytes, timeout_s: float) -> None:
    try:
        send(client, "PUT", url, body, {"Content-Type": NTRIPLES}, timeout_s)
    except TimeoutError:
        raise KGError(f"the remote store did not answer PUT {_shown(url)} within {timeout_s:g} s",
                      502) from None
