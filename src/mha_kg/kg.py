"""The knowledge graph as a service: open it once, then ask it things.

`KnowledgeGraph.open()` turns settings into a running engine: it builds (or
reuses) the persisted store from the project's files, or from the RDF files
given, or connects to a remote engine. The command line and the web
application are both thin layers over this object; it never imports Flask.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .build import dataset, store
from .errors import KGError
from .namespaces import all_prefixes, graph_iri, ontology_iri
from .query import engine
from .query.sparql import QueryResult


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass
class KnowledgeGraph:
    settings: dict
    engine: engine.Engine
    build: store.BuildInfo | None
    inputs: dataset.Inputs | None = None  # the files as given, before any `prepare`

    @classmethod
    def open(cls, settings: dict, files: Sequence[str] = (),
             log: Callable[[str], None] = _stderr,
             prepare: Callable[[dataset.Inputs, dict], dataset.Inputs] | None = None,
             optimized: bool = True) -> KnowledgeGraph:
        """Build (or reuse) the store and open an engine over it.

        `prepare` turns the input files into what is actually built; the write
        path (`curate.writes.open_graph`) passes one that lays the curated
        changes over them, so this class needs to know nothing about writes.
        `optimized=False`: a new store's tables are left for `store.optimize`
        (a server compacts them once it answers).
        """
        if settings["store"]:
            return cls(settings, engine.RemoteEngine(settings["store"], settings), None)
        inputs = (dataset.file_inputs(files, settings) if files
                  else dataset.project_inputs(settings))
        built_from = prepare(inputs, settings) if prepare else inputs
        info = store.ensure(built_from, Path(settings["state_dir"]), log, optimized)
        return cls(settings, engine.EmbeddedEngine(info.path, settings), info, inputs)

    # ------------------------------------------------------------------ naming

    @property
    def base(self) -> str:
        return self.settings["base_iri"]

    @property
    def prefixes(self) -> dict[str, str]:
        return all_prefixes(self.base)

    def graph(self, name: str) -> str:
        return graph_iri(self.base, name)

    @property
    def ontology(self) -> str:
        return ontology_iri(self.base)

    # ------------------------------------------------------------------ queries

    def query(self, text: str, **limits) -> QueryResult:
        """A user's query, with the time and row limits enforced."""
        return self.engine.run(text, **limits)

    def select(self, text: str) -> list[dict[str, object]]:
        """One of the application's own SELECTs, as {var: term} rows."""
        result = self.engine.run_trusted(text)
        return [dict(zip(result.variables, row, strict=True)) for row in result.rows]

    def triples(self, text: str) -> list[ox.Triple]:
        return self.engine.run_trusted(text).triples

    def quads(self, graphs: Sequence[str] | None = None) -> list[ox.Quad]:
        """Every quad of the named graphs (all of them by default), for exports."""
        names = graphs or self.graph_names()
        quads = []
        for name in names:
            rows = self.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
            graph = ox.NamedNode(name)
            quads += [ox.Quad(r["s"], r["p"], r["o"], graph) for r in rows]
        return quads

    def graph_names(self) -> list[str]:
        """The named graphs, sorted (over a remote engine: the project's, not the engine's own)."""
        return self.engine.graph_names()

    # ------------------------------------------------------------------ stats

    def stats(self) -> dict:
        """Triples per graph, classes and properties used, entities by type."""
        per_graph = {
            r["g"].value: int(r["n"].value)
            for r in self.select(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
        }
        by_type = {
            r["type"].value: int(r["n"].value)
            for r in self.select(
                "SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type } "
                "GROUP BY ?type ORDER BY DESC(?n) ?type")
        }
        properties = {
            r["p"].value: int(r["n"].value)
            for r in self.select(
                "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p")
        }
        return {"triples": sum(per_graph.values()), "graphs": per_graph,
                "entities_by_type": by_type, "properties": properties}

    def close(self) -> None:
        self.engine.close()


def require_iri(value: str) -> str:
    """The value, when it is an absolute IRI that can stand between <> in SPARQL.

    pyoxigraph's own IRI parser decides (the one its SPARQL parser uses), so no
    space, control character, delimiter or bad escape reaches a query.

    >>> require_iri("https://w3id.org/mha-kg/id/organisation/wmg")
    'https://w3id.org/mha-kg/id/organisation/wmg'
    >>> require_iri("https://example.org/a b")
    Traceback (most recent call last):
    ...
    mha_kg.errors.KGError: not an IRI: 'https://example.org/a b'
    """
    try:
        ox.NamedNode(value)
    except (TypeError, ValueError):
        raise KGError(f"not an IRI: {value!r}") from None
    return value
