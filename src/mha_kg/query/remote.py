"""Push the dataset to another SPARQL engine through the Graph Store Protocol.

`mha-kg load --store URL` builds (or reuses) the embedded store, so the
remote engine receives exactly what `mha-kg serve` would serve: every named
graph, the OWL-RL closure included, each replaced whole with one HTTP PUT to
`<gsp>?graph=<graph IRI>` (SPARQL 1.1 Graph Store HTTP Protocol, indirect
graph identification). A PUT replaces, so loading twice leaves one copy.

Queries see the default graph as the union of the named graphs. Engines
that do not do this by default need telling (Oxigraph server:
`--union-default-graph`; Fuseki TDB2: `tdb2:unionDefaultGraph true`;
GraphDB and Virtuoso already query all graphs); or pass `--default-graph`
to also copy every triple into the default graph.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import KGError

NTRIPLES = "application/n-triples"
NEWLINE = b"\n"  # one N-Triples statement per line


@dataclass
class Pushed:
    graph: str
    triples: int


def gsp_endpoint(settings: dict) -> str:
    """The Graph Store endpoint: the store_gsp setting, or Oxigraph's /store beside its /query."""
    if settings.get("store_gsp"):
        return settings["store_gsp"]
    url = settings["store"]
    if url.rstrip("/").endswith("/query"):
        return url.rstrip("/")[: -len("/query")] + "/store"
    raise KGError(f"cannot tell the Graph Store endpoint of {url}: set it with "
                  "--setting store_gsp URL (Fuseki: .../data, GraphDB: .../rdf-graphs/service)")


def push(store_path: str, gsp: str, default_graph: bool = False, timeout_s: float = 600,
         log: Callable[[str], None] = lambda _: None) -> list[Pushed]:
    """PUT every named graph of the built store to the remote Graph Store; what was sent."""
    store = ox.Store.read_only(store_path)
    pushed = []
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    for graph in graphs:
        body = ox.serialize(
            (q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))),
            format=ox.RdfFormat.N_TRIPLES)
        count = body.count(NEWLINE)
        _send("PUT", f"{gsp}?{urllib.parse.urlencode({'graph': graph})}", body, timeout_s)
        log(f"{graph}: {count} triples")
        pushed.append(Pushed(graph, count))
    if default_graph:
        body = ox.serialize((q.triple for q in store), format=ox.RdfFormat.N_TRIPLES)
        _send("PUT", f"{gsp}?default", body, timeout_s)
        log(f"default graph: {body.count(NEWLINE)} triples")
    return pushed


def _send(method: str, url: str, body: bytes, timeout_s: float) -> None:
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Content-Type": NTRIPLES})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace")
        raise KGError(f"the remote store refused {method} {url}: {exc.code} {detail}", 502) from None
    except (urllib.error.URLError, OSError) as exc:
        raise KGError(f"the remote store at {url} cannot be reached: {exc}", 502) from None
