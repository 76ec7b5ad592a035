"""ROR records from a dump, in either schema, as one plain shape.

A dump is the single JSON array file ROR publishes (optionally inside its
.zip), or a folder of single-record JSON files such as the fixtures in
`shared/reference/ror/`. Records in schema v1 (`name`, `aliases`,
`acronyms`, `labels`, `addresses`, capitalised types) and v2 (`names` with
types, `locations`, lower-case types) both become a `RorRecord`.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import KGError


@dataclass
class RorRecord:
    id: str
    name: str
    schema: str
    aliases: list[str] = field(default_factory=list)
    acronyms: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    country: str = ""
    city: str = ""
    lat: float | None = None
    lon: float | None = None
    relationships: list[tuple[str, str, str]] = field(default_factory=list)  # type, id, label
    status: str = "active"
    types: list[str] = field(default_factory=list)
    established: int | None = None
    source: str = ""  # file (and git blob) the record was read from

    @property
    def hosts(self) -> set[str]:
        return {host_of(url) for url in self.websites} | {host_of("//" + d) for d in self.domains}


def host_of(url: str) -> str:
    """The host of a URL without a leading www/www2: the part two sites share.

    >>> host_of("http://www2.warwick.ac.uk/"), host_of("https://www.keele.ac.uk")
    ('warwick.ac.uk', 'keele.ac.uk')
    """
    host = (urlsplit(url if "//" in url else "//" + url).hostname or "").lower()
    head, _, rest = host.partition(".")
    return rest if head.startswith("www") and rest else host


def git_blob_sha(data: bytes) -> str:
    """The SHA-1 git gives the file, so a record can be checked against ror-records."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read_dump(path: Path) -> list[RorRecord]:
    """Every record of a dump folder, JSON array file or zipped dump, sorted by id."""
    if path.is_dir():
        records = []
        for file in sorted(path.glob("*.json")):
            records += _records(file.read_bytes(), file.name)
    elif path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith(".json")]
            if not names:
                raise KGError(f"{path}: no .json file inside the zip")
            records = _records(archive.read(names[0]), f"{path.name}:{names[0]}")
    elif path.is_file():
        records = _records(path.read_bytes(), path.name)
    else:
        raise KGError(f"{path}: no such ROR dump (a folder of records or a JSON file)")
    return sorted(records, key=lambda r: r.id)


def _records(data: bytes, name: str) -> list[RorRecord]:
    try:
        parsed = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise KGError(f"{name}: not a JSON ROR record or dump ({exc})") from None
    items = parsed if isinstance(parsed, list) else [parsed]
    source = f"{name} (git blob {git_blob_sha(data)})" if not isinstance(parsed, list) else name
    records = []
    for item in items:
        if not isinstance(item, dict) or "id" not in item:
            raise KGError(f"{name}: an item is not a ROR record (no id)")
        records.append(parse_record(item, source))
    return records


def parse_record(item: dict, source: str = "") -> RorRecord:
    """One record of either schema version."""
    return _parse_v2(item, source) if "names" in item else _parse_v1(item, source)


def _parse_v2(item: dict, source: str) -> RorRecord:
    names = item.get("names") or []

    def of_type(kind: str) -> list[str]:
        return [n["value"] for n in names if kind in (n.get("types") or [])]

    display = of_type("ror_display") or of_type("label") or [item["id"]]
    location = ((item.get("locations") or [{}])[0]).get("geonames_details") or {}
    return RorRecord(
        id=item["id"], name=display[0], schema="v2",
        aliases=of_type("alias"), acronyms=of_type("acronym"),
        labels=[v for v in of_type("label") if v != display[0]],
        websites=[link["value"] for link in item.get("links") or [] if link.get("type") == "website"],
        domains=list(item.get("domains") or []),
        country=location.get("country_code") or "", city=location.get("name") or "",
        lat=location.get("lat"), lon=location.get("lng"),
        relationships=[(r["type"].lower(), r["id"], r.get("label", ""))
                       for r in item.get("relationships") or []],
        status=item.get("status") or "active",
        types=[t.lower() for t in item.get("types") or []],
        established=item.get("established"), source=source,
    )


def _parse_v1(item: dict, source: str) -> RorRecord:
    address = (item.get("addresses") or [{}])[0]
    return RorRecord(
        id=item["id"], name=item.get("name") or item["id"], schema="v1",
        aliases=list(item.get("aliases") or []), acronyms=list(item.get("acronyms") or []),
        labels=[label["label"] for label in item.get("labels") or []],
        websites=list(item.get("links") or []),
        country=(item.get("country") or {}).get("country_code") or "",
        city=address.get("city") or "", lat=address.get("lat"), lon=address.get("lng"),
        relationships=[(r["type"].lower(), r["id"], r.get("label", ""))
                       for r in item.get("relationships") or []],
        status=item.get("status") or "active",
        types=[t.lower() for t in item.get("types") or []],
        established=item.get("established"), source=source,
    )
