"""The example query catalogue: named SPARQL files with their metadata in header comments.

Each `queries/NN-name.rq` starts with `# title:`, `# description:` and
optionally `# param: NAME DEFAULT` lines. A parameter is a variable of the
query bound by a `VALUES` block at the start of the WHERE group; the value
is checked and written as an IRI or a quoted literal, never pasted in as
text, so a form field cannot inject SPARQL.

>>> q = NamedQuery("x", "T", "D", "SELECT ?s WHERE { ?org ?p ?s }", {"org": "https://e.org/a"})
>>> q.bound({}).splitlines()[1]
'  VALUES (?org) { (<https://e.org/a>) }'
>>> q.bound({"org": 'say "hi"'}).splitlines()[1]
'  VALUES (?org) { ("say \\\\"hi\\\\"") }'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..errors import KGError, not_found
from .sparql import check, group_start

FOLDER = Path(__file__).resolve().parent / "examples"
_HEADER = re.compile(r"^#\s*(title|description|param):\s*(.*)$")
_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://[^<>\"{}|\\^`\s]+$", re.IGNORECASE)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str
    params: dict[str, str] = field(default_factory=dict)

    def bound(self, values: dict[str, str]) -> str:
        """The query with its parameters bound (defaults for those not given).

        One `VALUES` block opens the WHERE group, so a parameter constrains
        the pattern itself (FILTERs and aggregates included), not just the
        projected rows.
        """
        if not self.params:
            return self.text
        names = " ".join(f"?{param}" for param in self.params)
        terms = " ".join(sparql_term(values.get(param) or default)
                         for param, default in self.params.items())
        at = group_start(self.text)
        return f"{self.text[:at]}\n  VALUES ({names}) {{ ({terms}) }}\n{self.text[at:].lstrip(' ')}"

    def to_json(self) -> dict:
        return {"name": self.name, "title": self.title, "description": self.description,
                "params": self.params, "query": self.bound({}), "template": self.text,
                "url": f"/query/{self.name}"}


def sparql_term(value: str) -> str:
    """An IRI if the value looks like one, else a string literal, escaped."""
    value = value.strip()
    if _IRI.match(value):
        return f"<{value}>"
    if len(value) > 1000:
        raise KGError("a parameter value is longer than 1000 characters")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def parse(path: Path) -> NamedQuery:
    """One .rq file into a NamedQuery; the name drops the ordering number."""
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if not match:
            if line.strip() and not line.startswith("#"):
                break
            continue
        key, value = match.groups()
        if key == "param":
            name, _, default = value.strip().partition(" ")
            params[name] = default.strip()
        else:
            meta[key] = value.strip()
    name = re.sub(r"^\d+-", "", path.stem)
    return NamedQuery(name, meta.get("title", name), meta.get("description", ""), text, params)


@cache
def load(folder: Path = FOLDER) -> tuple[NamedQuery, ...]:
    """Every example query, in file order."""
    return tuple(parse(path) for path in sorted(folder.glob("*.rq")))


def refusal(query: NamedQuery, settings: dict) -> str | None:
    """Why the server would refuse to run an example as configured (a SERVICE off the
    service_allowlist, say), or None when it runs: pages show such an example as text
    with the reason instead of a link that fails."""
    try:
        check(query.bound({}), settings)
    except KGError as exc:
        return exc.message
    return None


def get(name: str) -> NamedQuery:
    for query in load():
        if query.name == name:
            return query
    raise not_found(f"no example query named {name!r}; see /-/queries.json")
