"""The one format registry: media types, names, suffixes and writers.

Each `Format` says what it serialises ("results" for SELECT/ASK, "graph" for
triples, "dataset" for quads), and the same table drives `Accept`
negotiation, `?format=` and `.ttl`-style suffixes, export file names, the
"This data as ..." links and the README's table.

>>> by_name("ttl").media_type
'text/turtle'
>>> negotiate("application/sparql-results+json;q=0.5, text/csv", "results").name
'csv'
>>> negotiate("*/*", "graph").name
'turtle'
>>> negotiate("text/html,application/xhtml+xml,*/*;q=0.8", "page", "graph").name
'html'
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from ..errors import KGError, not_acceptable
from .sparql import QueryResult

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    kind: str  # "results", "graph" or "dataset"
    suffix: str
    label: str
    aliases: tuple[str, ...] = ()
    oxigraph: ox.RdfFormat | None = None  # Oxigraph's writer for a graph or dataset format
    results: ox.QueryResultsFormat | None = None  # ... and for a results format

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type.endswith(("json", "xml"))
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


FORMATS: tuple[Format, ...] = (
    Format("html", "text/html", "page", "html", "HTML", ("htm",)),
    Format("json", "application/sparql-results+json", "results", "srj", "SPARQL JSON",
           ("srj", "application/json"), results=ox.QueryResultsFormat.JSON),
    Format("xml", "application/sparql-results+xml", "results", "srx", "SPARQL XML",
           ("srx",), results=ox.QueryResultsFormat.XML),
    Format("csv", "text/csv", "results", "csv", "CSV", results=ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", "results", "tsv", "TSV",
           results=ox.QueryResultsFormat.TSV),
    Format("turtle", "text/turtle", "graph", "ttl", "Turtle", ("ttl",),
           ox.RdfFormat.TURTLE),
    Format("jsonld", "application/ld+json", "graph", "jsonld", "JSON-LD",
           ("json-ld", "application/json"), ox.RdfFormat.JSON_LD),
    Format("ntriples", "application/n-triples", "graph", "nt", "N-Triples",
           ("nt", "text/plain"), ox.RdfFormat.N_TRIPLES),
    Format("rdfxml", "application/rdf+xml", "graph", "rdf", "RDF/XML",
           ("rdf", "xml", "owl", "application/xml"), ox.RdfFormat.RDF_XML),
    Format("trig", "application/trig", "dataset", "trig", "TriG", (), ox.RdfFormat.TRIG),
    Format("nquads", "application/n-quads", "dataset", "nq", "N-Quads", ("nq",),
           ox.RdfFormat.N_QUADS),
)


def by_name(name: str) -> Format:
    """A format by its name, suffix, alias or media type."""
    wanted = name.strip().lower()
    for fmt in FORMATS:
        if wanted in (fmt.name, fmt.suffix, fmt.media_type, *fmt.aliases):
            return fmt
    raise not_acceptable(f"unknown format {name!r}; known: {', '.join(f.name for f in FORMATS)}")


def for_kind(*kinds: str) -> list[Format]:
    """The formats that can carry any of these kinds ("graph" includes quads)."""
    wanted = set(kinds) | ({"dataset"} if "graph" in kinds else set())
    return [f for f in FORMATS if f.kind in wanted]


def parse_accept(header: str) -> list[tuple[str, float, int]]:
    """(media range, q, specificity) for each entry of an Accept header, best first."""
    entries = []
    for index, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        entries.append((media, q, specificity, index))
    entries.sort(key=lambda e: (-e[1], -e[2], e[3]))
    return [(media, q, specificity) for media, q, specificity, _ in entries]


@functools.lru_cache(maxsize=256)
def negotiate(accept: str | None, *kinds: str) -> Format:
    """The best format of these kinds for an Accept header (406 listing what would do).

    Formats are tried in the order of `kinds`, so the first kind wins a
    wildcard: a page family that lists "page" first answers browsers in HTML.
    Cached: clients send the same few Accept headers again and again.
    """
    candidates = sorted(for_kind(*kinds), key=lambda f: kinds.index(f.kind)
                        if f.kind in kinds else len(kinds))
    if not accept:
        return candidates[0]
    for media, q, _ in parse_accept(accept):
        if q <= 0:
            continue
        for fmt in candidates:
            if _matches(media, fmt):
                return fmt
    offered = ", ".join(f.media_type for f in candidates)
    raise not_acceptable(f"none of the accepted media types can be served; try one of: {offered}")


def for_request(accept: str | None, named: str | None, kind: str) -> Format:
    """The format a SPARQL request wants for a result of `kind`: `?format=` first, then Accept.

    `?format=json` means JSON-LD when the result is a graph.
    """
    if not named:
        return negotiate(accept, kind)
    fmt = by_name("jsonld" if kind == "graph" and named.lower() == "json" else named)
    ensure_kind(fmt, kind)
    return fmt


@functools.lru_cache(maxsize=256)
def acceptable(accept: str | None, named: str | None, kind: str) -> Format | None:
    """`for_request`, or None when the request accepts no format of `kind`.

    Cached with its None: a client that asks for JSON results alone would
    otherwise have the graph formats refused again on every request.
    """
    try:
        return for_request(accept, named, kind)
    except KGError:
        return None


def _matches(media: str, fmt: Format) -> bool:
    if media == "*/*":
        return True
    if media.endswith("/*"):
        return fmt.media_type.startswith(media[:-1])
    return media == fmt.media_type or (media in fmt.aliases and "/" in media)


# ---------------------------------------------------------------- results writers

def term_json(term) -> dict | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {
            "subject": term_json(term.subject), "predicate": term_json(term.predicate),
            "object": term_json(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def results_json(result: QueryResult) -> bytes:
    if result.kind == "boolean":
        return json.dumps({"head": {}, "boolean": result.boolean}).encode()
    bindings = []
    for row in result.rows:
        bindings.append({name: term_json(term) for name, term in zip(result.variables, row, strict=True)
                         if term is not None})
    body: dict = {"head": {"vars": result.variables}}
    if result.truncated:
        # Unknown keys are ignored by SPARQL JSON readers; streaming ones (Oxigraph's)
        # stop reading at the end of "results", so the flag goes before it.
        body["truncated"] = True
    body["results"] = {"bindings": bindings}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def results_xml(result: QueryResult) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    out.append("</head>")
    if result.kind == "boolean":
        out.append(f"<boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        out.append("<results>")
        for row in result.rows:
            out.append("<result>")
            for name, term in zip(result.variables, row, strict=True):
                if term is not None:
                    out.append(f"<binding name={quoteattr(name)}>{_term_xml(term)}</binding>")
            out.append("</result>")
        out.append("</results>")
    out.append("</sparql>\n")
    return "\n".join(out).encode("utf-8")


def _term_xml(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        parts = (("subject", term.subject), ("predicate", term.predicate), ("object", term.object))
        return "<triple>" + "".join(f"<{k}>{_term_xml(v)}</{k}>" for k, v in parts) + "</triple>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def results_csv(result: QueryResult) -> bytes:
    """SPARQL 1.1 CSV: plain values; blank nodes as _:label."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.kind == "boolean":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
    else:
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow(["" if t is None else f"_:{t.value}" if isinstance(t, ox.BlankNode)
                             else t.value for t in row])
    return buffer.getvalue().encode("utf-8")


def results_tsv(result: QueryResult) -> bytes:
    """SPARQL 1.1 TSV: terms in SPARQL/Turtle syntax."""
    if result.kind == "boolean":
        return f"?boolean\n{'true' if result.boolean else 'false'}\n".encode()
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return ("\n".join(lines) + "\n").encode("utf-8")


RESULT_WRITERS: dict[str, Callable[[QueryResult], bytes]] = {
    "json": results_json,
    "xml": results_xml,
    "csv": results_csv,
    "tsv": results_tsv,
}


def write_results(result: QueryResult, fmt: Format) -> bytes:
    if fmt.kind != "results":
        raise not_acceptable(f"{fmt.label} cannot carry SELECT or ASK results")
    return RESULT_WRITERS[fmt.name](result)


# ---------------------------------------------------------------- graph writers

#: The graph formats written with the caller's prefixes; the others have no use for them.
PREFIXED = frozenset({"turtle", "trig"})


def write_triples(triples: Iterable, fmt: Format, prefixes: dict[str, str] | None = None,
                  context: dict | None = None) -> bytes:
    """Serialise triples; JSON-LD is compacted with `context` when one is given."""
    if fmt.oxigraph is None:
        raise not_acceptable(f"{fmt.label} cannot carry an RDF graph")
    triples = list(triples)
    if fmt.name == "jsonld" and context is not None:
        return compact_jsonld(triples, context)
    if fmt.kind == "dataset":
        items = [t if isinstance(t, ox.Quad) else ox.Quad(t.subject, t.predicate, t.object)
                 for t in triples]
    else:
        items = [t.triple if isinstance(t, ox.Quad) else t for t in triples]
    if fmt.name in PREFIXED:
        return _written(lambda: ox.serialize(items, format=fmt.oxigraph, prefixes=prefixes or {}), fmt)
    return _written(lambda: ox.serialize(items, format=fmt.oxigraph), fmt)


def writes_without_prefixes(fmt: Format) -> bool:
    """Whether `write_triples` gives this format no prefixes, so Oxigraph's own writer of a
    query's answer writes what it would."""
    return fmt.oxigraph is not None and fmt.name not in PREFIXED


def write_answer(answer: ox.QueryTriples, fmt: Format) -> bytes:
    """A graph query's answer in `fmt` by Oxigraph's writer, read in one call."""
    return _written(lambda: answer.serialize(format=fmt.oxigraph), fmt)


def _written(write: Callable[[], bytes], fmt: Format) -> bytes:
    """What Oxigraph's writer writes; a format that cannot carry a term (JSON-LD and RDF 1.2
    triple terms) is a 406 naming the formats that can, not a 500."""
    try:
        return write()
    except OSError as exc:
        raise not_acceptable(f"{fmt.label} cannot carry this graph ({exc}); ask for Turtle or "
                             "N-Triples") from None


def compact_jsonld(triples: list, context: dict) -> bytes:
    """JSON-LD compacted against our published context, via rdflib's serializer."""
    from rdflib import Graph

    graph = Graph()
    nt = ox.serialize([t.triple if isinstance(t, ox.Quad) else t for t in triples],
                      format=ox.RdfFormat.N_TRIPLES)
    graph.parse(data=nt.decode("utf-8"), format="nt")
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    return json.dumps(_in_fixed_order(json.loads(text)), indent=2, sort_keys=True,
                      ensure_ascii=False).encode("utf-8")


def _in_fixed_order(node):
    """rdflib writes nodes and values in its sets' order, which changes from one process to the
    next: sorted, the same graph always gives the same bytes (and checksum). The order of a
    `@list` and of the `@context` carry meaning and are kept."""
    if isinstance(node, dict):
        return {key: value if key in ("@context", "@list") else _in_fixed_order(value)
                for key, value in node.items()}
    if isinstance(node, list):
        return sorted((_in_fixed_order(item) for item in node),
                      key=lambda item: json.dumps(item, sort_keys=True))
    return node


def ensure_kind(fmt: Format, kind: str) -> None:
    if fmt not in for_kind(kind):
        names = ", ".join(f.name for f in for_kind(kind))
        raise KGError(f"{fmt.label} cannot carry this result; use one of: {names}", 406)
