"""What a query must pass before any engine sees it, and what a run returns.

The checks here are lexical, linear in the query's length and never recurse,
so they are safe on hostile input: a query nested thousands deep, which
aborts the Oxigraph server and sends rdflib into RecursionError, is refused
here with a 400 before it reaches either. `SERVICE` is allowed only to
endpoints on the `service_allowlist` setting; the engines never fetch `FROM`
graphs (they name graphs of the dataset), and `LOAD` is an update, which the
read-only endpoint refuses.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import KGError, bad_request, too_large

_TOKENS = re.compile(
    r"""
    (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
      |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<comment>\#[^\n]*)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<word>[A-Za-z_\u00C0-\uFFFF][\w\u00B7-\uFFFF.-]*(?::[\w\u00B7-\uFFFF.%\\-]*)?|:[\w.%\\-]*)
    """,
    re.VERBOSE,
)


@dataclass
class QueryResult:
    """The engine-neutral answer: rows of pyoxigraph terms, a boolean or triples."""

    kind: str  # "bindings", "boolean" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Any] = field(default_factory=list)
    truncated: bool = False
    cut_at: int | None = None  # the cap that cut it when not max_returned_rows: a remote engine's
    elapsed_ms: float = 0.0
    body: bytes | None = None  # already serialised, in the format named by body_format
    body_format: str | None = None

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "bindings" else len(self.triples)

    def records(self) -> list[dict[str, str]]:
        """Rows as {variable: value} with plain string values (None when unbound)."""
        return [
            {name: (None if term is None else term.value)
             for name, term in zip(self.variables, row, strict=True)}
            for row in self.rows
        ]


@dataclass(frozen=True)
class Checked:
    text: str
    services: tuple[str, ...]
    has_from: bool = False  # FROM / FROM NAMED: the query names its own dataset


#: Clients send the same queries again and again (dashboards, notebooks, the example
#: catalogue), so the verdicts on texts up to this long are remembered: the lexer is
#: otherwise a tenth of the server's time on a cheap query. 1,024 of them at most.
CACHED_TEXT_CHARS = 8000


def check(text: str, settings: dict) -> Checked:
    """Refuse queries that are too long, too deep, or reach a forbidden SERVICE."""
    limits = (settings["max_query_bytes"], settings["max_query_depth"],
              tuple(settings["service_allowlist"]))
    if len(text) <= CACHED_TEXT_CHARS:
        return _check_cached(text, *limits)
    return _check(text, *limits)


def _check(text: str, max_bytes: int, max_depth: int, allowlist: tuple[str, ...]) -> Checked:
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise too_large(f"query longer than {max_bytes} bytes (the max_query_bytes setting)")
    if "\x00" in text:
        raise bad_request("query contains a NUL character")
    tokens = list(_lex(text, max_depth))
    services = _service_targets(tokens)
    if _ESCAPE.search(text):  # SPARQL allows \uXXXX anywhere: check the unescaped text too
        services += _service_targets(list(_lex(unescape_codepoints(text), max_depth)))
    for target in services:
        if target not in allowlist:
            raise KGError(f"SERVICE <{target}> is not on the service_allowlist setting", 403)
    has_from = any(kind == "word" and value.upper() == "FROM" for kind, value in tokens)
    return Checked(text=text, services=tuple(services), has_from=has_from)


_check_cached = functools.lru_cache(maxsize=1024)(_check)


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def unescape_codepoints(text: str) -> str:
    r"""The query with SPARQL's codepoint escapes replaced, as a parser may read it.

    >>> unescape_codepoints(r"\u0053ERVICE")
    'SERVICE'
    """
    def replace(match: re.Match) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except ValueError:  # beyond U+10FFFF: leave it for the parser to refuse
            return match.group()

    return _ESCAPE.sub(replace, text)


def _lex(text: str, max_depth: int):
    depth = 0
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            if depth > max_depth:
                raise bad_request(
                    f"query nested deeper than {max_depth} levels (the max_query_depth setting)"
                )
        elif kind == "close":
            depth = max(depth - 1, 0)
        if kind not in {"comment", "string"}:
            yield kind, match.group()


def _service_targets(tokens: list[tuple[str, str]]) -> list[str]:
    prefixes: dict[str, str] = {}
    targets: list[str] = []
    for i, (kind, value) in enumerate(tokens):
        if kind != "word":
            continue
        upper = value.upper()
        if upper == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1]] = tokens[i + 2][1][1:-1]
        elif upper == "SERVICE":
            targets.append(_service_target(tokens[i + 1:], prefixes))
    return targets


def _service_target(rest: list[tuple[str, str]], prefixes: dict[str, str]) -> str:
    if rest and rest[0][0] == "word" and rest[0][1].upper() == "SILENT":
        rest = rest[1:]
    if not rest:
        raise bad_request("SERVICE without an endpoint")
    kind, value = rest[0]
    if kind == "iri":
        return value[1:-1]
    if kind == "word" and ":" in value:
        prefix, _, local = value.partition(":")
        if prefix + ":" in prefixes:
            return prefixes[prefix + ":"] + local
        raise bad_request(f"SERVICE {value}: prefix {prefix}: is not declared")
    if kind == "var":
        raise KGError("SERVICE with a variable endpoint is not allowed", 403)
    raise bad_request(f"SERVICE must be followed by an endpoint IRI, not {value!r}")


def group_start(text: str) -> int:
    """The offset just after the `{` that opens the query's WHERE group.

    >>> q = 'SELECT ?s WHERE { ?s <http://e/{x}> "{" }'
    >>> q[:group_start(q)]
    'SELECT ?s WHERE {'
    """
    for match in _TOKENS.finditer(text):
        if match.lastgroup == "open" and match.group() == "{":
            return match.end()
    raise bad_request("the query has no { ... } group")


def keywords(text: str) -> list[str]:
    """The bare words of a query in order, upper-cased (strings, IRIs and comments skipped).

    >>> keywords('LOAD <http://e/load> # DROP')
    ['LOAD']
    """
    return [value.upper() for kind, value in _lex(text, 10**6) if kind == "word"]


_UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"})
_QUERY_WORDS = frozenset({"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})
_ANY_UPDATE_WORD = re.compile(r"\b(?:" + "|".join(_UPDATE_WORDS) + r")\b", re.IGNORECASE)


def is_update(text: str) -> bool:
    """True when the text reads as SPARQL Update rather than a query."""
    return _is_update_cached(text) if len(text) <= CACHED_TEXT_CHARS else _is_update(text)


def _is_update(text: str) -> bool:
    """Most queries contain no update keyword at all; only those are lexed."""
    if not _ANY_UPDATE_WORD.search(text):
        return False
    for word in keywords(text):
        if word in _QUERY_WORDS:
            return False
        if word in _UPDATE_WORDS:
            return True
    return False


_is_update_cached = functools.lru_cache(maxsize=1024)(_is_update)


def query_form(text: str) -> str:
    """SELECT, CONSTRUCT, ASK or DESCRIBE: the query's first form keyword ('' if none).

    A remote engine is asked for a graph or a results table by this.

    >>> query_form('PREFIX s: <http://e/SELECT> CONSTRUCT { ?s ?p ?o } WHERE { SELECT * {} }')
    'CONSTRUCT'
    """
    if len(text) <= CACHED_TEXT_CHARS:
        return _query_form_cached(text)
    return _query_form(text)


def _query_form(text: str) -> str:
    return next((word for word in keywords(text) if word in _QUERY_WORDS), "")


_query_form_cached = functools.lru_cache(maxsize=1024)(_query_form)
