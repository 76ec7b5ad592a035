"""Results as a table for a terminal."""

from __future__ import annotations

import pyoxigraph as ox

from ..query.sparql import QueryResult


def shorten(iri: str, prefixes: dict[str, str]) -> str:
    """`prefix:local` when a prefix covers the IRI, else `<iri>`.

    >>> shorten("https://schema.org/name", {"schema": "https://schema.org/"})
    'schema:name'
    """
    for prefix, namespace in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(namespace) and "/" not in iri[len(namespace):]:
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


def cell(term, prefixes: dict[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return shorten(term.value, prefixes)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def table(result: QueryResult, prefixes: dict[str, str], width: int = 60) -> str:
    if result.kind == "boolean":
        return "true" if result.boolean else "false"
    rows = [[cell(t, prefixes).replace("\n", " ")[:width] for t in row] for row in result.rows]
    widths = [max([len(v)] + [len(r[i]) for r in rows]) for i, v in enumerate(result.variables)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def format_row(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line, format_row(result.variables), line, *(format_row(r) for r in rows)]
    out.append(line)
    more = " (truncated)" if result.truncated else ""
    out.append(f"{len(rows)} row{'s' if len(rows) != 1 else ''}{more}")
    return "\n".join(out)
