"""Validated writes: SPARQL Update and the Graph Store Protocol, for curators with a token.

Off unless the `write_token` setting is set. Every change is made to a copy
of the asserted graphs in memory, the OWL-RL closure is recomputed over the
copy and the SHACL shapes are run on the result: a change that breaks a
shape is refused whole (`Invalid`, HTTP 422, carrying the SHACL report) and
nothing changes. A change that conforms is persisted as the curated overlay
`<state_dir>/curated/<fingerprint of the input files>.nq` (the whole asserted
dataset after the change, so a restart with the same inputs sees it), the
store is rebuilt from the overlay into a new folder, and the knowledge graph
switches to it; queries already running finish on the old store.
`mha-kg writeback` turns the overlay back into the Turtle files (writeback.py).

Updates without a GRAPH clause act on the `data` graph: it is the default
graph of the copy an update runs on.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..build import dataset, infer, store, terms, validate
from ..errors import KGError, bad_request
from ..kg import KnowledgeGraph
from ..query import sparql
from ..query.engine import EmbeddedEngine

_LOCK = threading.Lock()  # one change at a time: each one sees the result of the last

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
    graphs: list[str] = field(default_factory=list)  # graphs whose content changed
    triples: int = 0  # asserted triples after the change
    created: bool = False

    def to_json(self) -> dict:
        return {"ok": True, "changed_graphs": self.graphs, "triples": self.triples}


# ------------------------------------------------------------------ access


def authorise(settings: dict, header: str | None) -> None:
    """403 when writes are off; 401 unless `Authorization: Bearer <write_token>`."""
    token = settings["write_token"]
    if not token:
        raise KGError("writes are disabled: this server is read-only (the write_token setting)", 403)
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise KGError("a write needs the header Authorization: Bearer <write_token>", 401)


# ------------------------------------------------------------------ operations


def update(kg: KnowledgeGraph, text: str) -> Change:
    """Apply a SPARQL Update to a copy, validate, commit."""
    checked = sparql.check(text, kg.settings)  # size, depth, SERVICE allowlist
    words = set(sparql.keywords(checked.text))
    if words & _FORBIDDEN:
        raise KGError("LOAD is not allowed: data enters only in the request", 403)

    def apply(scratch: ox.Store) -> None:
        try:
            scratch.update(checked.text)
        except SyntaxError as exc:
            raise bad_request(f"syntax error: {exc}") from None
        except (ValueError, OSError, RuntimeError) as exc:
            raise bad_request(f"update failed: {exc}") from None

    return _commit(kg, apply)


def read_graph(kg: KnowledgeGraph, graph: str | None) -> list[ox.Triple]:
    """The triples of one graph (None: the data graph, the GSP default graph)."""
    name = graph or kg.graph("data")
    if name not in kg.graph_names():
        raise KGError(f"no graph named <{name}>", 404)
    return [q.triple for q in kg.quads([name])]


def replace_graph(kg: KnowledgeGraph, graph: str | None, body: bytes, media: str,
                  merge: bool = False) -> Change:
    """Graph Store PUT (replace) or POST (merge) of an RDF document."""
    name = _writable(kg, graph)
    triples = parse_body(body, media)
    existed = name in kg.graph_names()

    def apply(scratch: ox.Store) -> None:
        target = _scratch_graph(kg, name)
        if not merge:
            scratch.clear_graph(target)
        scratch.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)

    change = _commit(kg, apply)
    change.created = not existed
    return change


def delete_graph(kg: KnowledgeGraph, graph: str | None) -> Change:
    name = _writable(kg, graph)
    if name not in kg.graph_names():
        raise KGError(f"no graph named <{name}>", 404)
    return _commit(kg, lambda scratch: scratch.clear_graph(_scratch_graph(kg, name)))


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
    if name == kg.graph("inferred"):
        raise KGError("the inferred graph is computed from the others and cannot be written", 403)
    return name


def _scratch_graph(kg: KnowledgeGraph, name: str):
    """Where graph `name` lives in the copy: the data graph is its default graph."""
    return ox.DefaultGraph() if name == kg.graph("data") else ox.NamedNode(name)


# ------------------------------------------------------------------ the commit


def _commit(kg: KnowledgeGraph, apply) -> Change:
    if kg.build is None or not isinstance(kg.engine, EmbeddedEngine):
        raise KGError("writes need the embedded store (not a remote --store)", 400)
    inputs = getattr(kg, "inputs", None)
    if inputs is None:
        raise KGError("this knowledge graph was opened without its inputs; writes are unavailable", 400)
    with _LOCK:
        before = _asserted(kg)
        scratch = ox.Store()
        scratch.extend(_to_scratch(kg, before))
        apply(scratch)
        after = _from_scratch(kg, scratch)
        changed = _changed_graphs(before, after)
        if not changed:
            return Change([], len(after))
        _validate(kg, inputs, after)
        overlay = save_overlay(kg.settings, inputs, after)
        _switch(kg, overlay_inputs(inputs, overlay))
        return Change(changed, len(after))


def _asserted(kg: KnowledgeGraph) -> list[ox.Quad]:
    names = [g for g in kg.graph_names() if g != kg.graph("inferred")]
    return kg.quads(names)


def _to_scratch(kg: KnowledgeGraph, quads: list[ox.Quad]):
    data = kg.graph("data")
    for q in quads:
        yield ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) \
            if q.graph_name.value == data else q


def _from_scratch(kg: KnowledgeGraph, scratch: ox.Store) -> list[ox.Quad]:
    data = ox.NamedNode(kg.graph("data"))
    return [ox.Quad(q.subject, q.predicate, q.object, data)
            if isinstance(q.graph_name, ox.DefaultGraph) else q for q in scratch]


def _changed_graphs(before: list[ox.Quad], after: list[ox.Quad]) -> list[str]:
    old, new = set(before), set(after)
    return sorted({q.graph_name.value for q in old ^ new})


def _validate(kg: KnowledgeGraph, inputs: dataset.Inputs, quads: list[ox.Quad]) -> None:
    """The same checks a build makes: the OWL-RL closure, then every shape (422 when broken)."""
    if not (inputs.validate and inputs.shapes):
        return
    candidate = ox.Store()
    candidate.extend(quads)
    graphs = sorted({q.graph_name.value for q in quads})
    inferred = infer.fast_closure(candidate, graphs) if inputs.infer else []
    if inferred is None:
        inferred = [terms.to_oxigraph(t) for t in infer.closure(store.union_graph(candidate, graphs))]
    graph = ox.NamedNode(kg.graph("inferred"))
    candidate.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in inferred)
    report = validate.validate(store.union_graph(candidate, [*graphs, graph.value]),
                               dataset.load_shapes(inputs))
    if not report.conforms:
        raise Invalid(report)


def _switch(kg: KnowledgeGraph, inputs: dataset.Inputs) -> None:
    """Build the store of the new inputs and move the knowledge graph onto it."""
    info = store.ensure(inputs, Path(kg.settings["state_dir"]), log=lambda _: None)
    old = kg.engine
    kg.engine = EmbeddedEngine(info.path, kg.settings)
    kg.build = info
    # queries already running on the old store may finish: close it after the time limit
    grace = kg.settings["sparql_time_limit_ms"] / 1000 + 5
    timer = threading.Timer(grace, old.close)
    timer.daemon = True
    timer.start()


# ------------------------------------------------------------------ the overlay


def overlay_path(settings: dict, inputs: dataset.Inputs) -> Path:
    return Path(settings["state_dir"]) / "curated" / f"{inputs.fingerprint()}.nq"


def save_overlay(settings: dict, inputs: dataset.Inputs, quads: list[ox.Quad]) -> Path:
    """Write the curated dataset atomically (a rename), so a crash leaves the old one whole."""
    path = overlay_path(settings, inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_bytes(ox.serialize(sorted(quads, key=str), format=ox.RdfFormat.N_QUADS))
    scratch.replace(path)
    (path.parent / "README.json").write_text(json.dumps({
        "what": "curated writes over the input files, by fingerprint; `mha-kg writeback` folds "
                "them into data/ and removes them"}, indent=1))
    return path


def overlay_inputs(inputs: dataset.Inputs, overlay: Path) -> dataset.Inputs:
    """The inputs with every file replaced by the curated dataset (shapes and flags kept)."""
    return dataset.Inputs(files=[dataset.SourceFile(overlay, "data")], base=inputs.base,
                          shapes=inputs.shapes, validate=inputs.validate, infer=inputs.infer)


def with_overlay(inputs: dataset.Inputs, settings: dict) -> dataset.Inputs:
    """What the graph is built from: the curated overlay of these inputs, if any."""
    path = overlay_path(settings, inputs)
    return overlay_inputs(inputs, path) if path.is_file() else inputs


def open_graph(settings: dict, files: Sequence[str] = (),
               log: Callable[[str], None] | None = None) -> KnowledgeGraph:
    """The knowledge graph as served: the input files with the curated writes laid over them."""
    extra = {"log": log} if log else {}
    return KnowledgeGraph.open(settings, files, prepare=with_overlay, **extra)
