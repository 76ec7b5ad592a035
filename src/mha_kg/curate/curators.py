"""Curators: who may change the graph from the browser, and how their tokens are checked.

The curators file (the `curators_file` setting, default
`<state_dir>/curators.json`) lists each curator's name, the slug chosen for
their IRI (`<base>/id/curator/<slug>`: two curators may share a name, never a
slug) and the SHA-256 of their token, never the token itself: a leaked file
signs no one in. Tokens are long random strings made by
`mha-kg curator add SLUG NAME`, so one unsalted hash is enough (as for API tokens);
a token given at sign-in is hashed and compared with every entry in constant
time (`hmac.compare_digest`), without stopping at the first match.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..errors import KGError
from ..namespaces import slug as slugify


@dataclass(frozen=True)
class Curator:
    slug: str
    name: str


def curators_path(settings: dict) -> Path:
    return Path(settings["curators_file"] or Path(settings["state_dir"]) / "curators.json")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def read_entries(path: Path) -> list[dict]:
    """The file's curators; a missing file means no curators (reading stays open to all)."""
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["curators"]
        assert all({"slug", "name", "token_sha256"} <= set(e) for e in entries)
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        raise KGError(f"{path}: not a curators file ({{\"curators\": [{{slug, name, token_sha256}}]}})") \
            from None
    return entries


def identify(settings: dict, token: str) -> Curator | None:
    """The curator whose token this is, or None; every entry is compared, in constant time."""
    given = token_hash(token.strip()).encode()
    found = None
    for entry in read_entries(curators_path(settings)):
        if hmac.compare_digest(given, entry["token_sha256"].encode()) and found is None:
            found = Curator(entry["slug"], entry["name"])
    return found


def slugs(settings: dict) -> set[str]:
    """The curators who may still change things (a removed entry ends its sessions' rights)."""
    return {e["slug"] for e in read_entries(curators_path(settings))}


def writes_enabled(settings: dict) -> bool:
    """Whether a server takes changes: a write token is set, or curators may edit in the browser.
    Such a server holds the state's writer lock (curate.writes.open_graph)."""
    return bool(settings["write_token"]) or bool(slugs(settings))


#: A curator's slug: lower-case ASCII words joined by `-`, as every slug of docs/iris.md.
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def add(settings: dict, slug: str, name: str) -> tuple[Curator, str]:
    """Add a curator under a slug of their own (their IRI, `<base>/id/curator/<slug>`) with a new
    random token; the token is returned once and never stored. A slug already in the file is
    refused: the IRI names one person, whatever their display name (foaf:name)."""
    name = " ".join(name.split())
    if not name:
        raise KGError("a curator needs a name")
    if not SLUG.fullmatch(slug):
        raise KGError(f"curator slug {slug!r} is not lower-case words joined by '-' "
                      f"(for example {slugify(name) or 'ada-lovelace'!r})")
    path = curators_path(settings)
    entries = read_entries(path)
    if slug in {e["slug"] for e in entries}:
        raise KGError(f"curator slug {slug!r} is taken in {path}: choose another")
    token = secrets.token_urlsafe(32)
    entries.append({"slug": slug, "name": name, "token_sha256": token_hash(token)})
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps({"curators": entries}, indent=1, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    scratch.chmod(0o600)
    scratch.replace(path)
    return Curator(slug, name), token


def unique_slug(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`... when it is taken."""
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate
