"""Numbered releases that never change: dumps in every format, SHA-256 sums, a changelog.

`make(kg, version)` writes `<releases_dir>/<version>/`:

- `mha-kg-<version>.<suffix>`: the asserted graphs in every RDF format of the
  format registry (TriG and N-Quads keep the named graphs);
- `CHANGELOG.md` and `changelog.ttl`: what changed since the previous release
  (curate/changelog.py);
- `SHA256SUMS`: in the format `sha256sum -c` reads;
- `release.json`: the manifest (version, issued, previous, each file's size,
  media type and checksum, the changelog as data) the site and DCAT read.

The folder is written under a temporary name and renamed into place, so a
release is whole or absent; its files are made read-only, and a version that
exists is refused (409). Versions are `MAJOR.MINOR.PATCH` and only go up;
`auto` picks the next one from the changelog (docs/releases.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from ..build import store
from ..errors import KGError, not_found
from ..kg import KnowledgeGraph
from ..publish import void
from ..publish.exports import export, export_graphs
from ..query import formats
from . import changelog as changes

VERSION = re.compile(r"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$")
MANIFEST = "release.json"
SUMS = "SHA256SUMS"
CHANGELOG_MD = "CHANGELOG.md"
CHANGELOG_RDF = "changelog.ttl"


@dataclass(frozen=True)
class ReleaseFile:
    name: str
    media_type: str
    bytes: int
    sha256: str


@dataclass
class Release:
    version: str
    issued: str
    previous: str | None
    title: str
    files: list[ReleaseFile]
    changelog: changes.Changelog
    path: Path = field(default=Path("."), compare=False)

    @property
    def key(self) -> tuple[int, ...]:
        return version_key(self.version)

    def file(self, name: str) -> ReleaseFile:
        """A file of the release: a dump or changelog, or SHA256SUMS and release.json themselves."""
        if name in (SUMS, MANIFEST):
            body = (self.path / name).read_bytes()
            media = "text/plain" if name == SUMS else "application/json"
            return ReleaseFile(name, media, len(body), hashlib.sha256(body).hexdigest())
        found = next((f for f in self.files if f.name == name), None)
        if found is None:
            raise not_found(f"release {self.version} has no file {name!r}; see /releases/{self.version}/")
        return found

    def dump(self, fmt: formats.Format) -> ReleaseFile:
        return self.file(dump_name(self.version, fmt))

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("path")
        return data


def version_key(version: str) -> tuple[int, ...]:
    """(1, 10, 0) for "1.10.0", so 1.10.0 sorts after 1.9.0.

    >>> sorted(["1.10.0", "1.9.0", "0.2.1"], key=version_key)
    ['0.2.1', '1.9.0', '1.10.0']
    """
    return tuple(int(part) for part in version.split("."))


def dump_name(version: str, fmt: formats.Format) -> str:
    return f"{void.DUMP_NAME}-{version}.{fmt.suffix}"


# ------------------------------------------------------------------ reading


def releases_dir(settings: dict) -> Path:
    return Path(settings["releases_dir"])


_READ: dict[Path, tuple[float, Release]] = {}  # manifests by path: a release never changes


def all_releases(settings: dict) -> list[Release]:
    """Every release in the folder, oldest first."""
    folder = releases_dir(settings)
    if not folder.is_dir():
        return []
    found = [read(entry) for entry in folder.iterdir()
             if VERSION.match(entry.name) and (entry / MANIFEST).is_file()]
    return sorted(found, key=lambda r: r.key)


def read(folder: Path) -> Release:
    path = folder / MANIFEST
    stamp = path.stat().st_mtime
    cached = _READ.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    data = json.loads(path.read_text(encoding="utf-8"))
    release = Release(data["version"], data["issued"], data["previous"], data["title"],
                      [ReleaseFile(**f) for f in data["files"]],
                      changes.Changelog.from_json(data["changelog"]), folder)
    _READ[path] = (stamp, release)
    return release


def get(settings: dict, version: str) -> Release:
    if not VERSION.match(version):
        raise not_found(f"no release {version!r}: versions look like 1.2.0; see /releases/")
    folder = releases_dir(settings) / version
    if not (folder / MANIFEST).is_file():
        raise not_found(f"no release {version}; see /releases/")
    return read(folder)


def quads(release: Release) -> list[ox.Quad]:
    """The release's asserted dataset, from its N-Quads dump."""
    path = release.path / release.dump(formats.by_name("nquads")).name
    return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


# ------------------------------------------------------------------ making


def make(kg: KnowledgeGraph, version: str, now: datetime | None = None,
         log: Callable[[str], None] = lambda _: None) -> Release:
    """Write release `version` (or the next one, for "auto") of the graph as it is now."""
    folder = releases_dir(kg.settings)
    folder.mkdir(parents=True, exist_ok=True)
    with store.exclusive_lock(folder / ".lock"):  # two at once would diff against one previous
        return _make(kg, folder, version, now, log)


def _make(kg: KnowledgeGraph, folder: Path, version: str, now: datetime | None,
          log: Callable[[str], None]) -> Release:
    settings = kg.settings
    existing = all_releases(settings)
    previous = existing[-1] if existing else None
    current = kg.quads(export_graphs(kg, inferred=False))
    issued = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    diff = changes.diff(quads(previous) if previous else [], current, kg.base,
                        previous.version if previous else None)
    diff.changesets = changes.changesets(kg, {c.iri for r in existing for c in r.changelog.changesets})
    version = suggest(previous, diff) if version == "auto" else version
    check_version(version, existing)
    scratch = folder / f".{version}.partial-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        release = _write(kg, scratch, version, issued, previous, diff, log)
        _publish(scratch, folder / version)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    release.path = folder / version
    return release


def check_version(version: str, existing: list[Release]) -> None:
    if not VERSION.match(version):
        raise KGError(f"version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.2.0), nor 'auto'")
    if any(r.version == version for r in existing):
        raise KGError(f"release {version} exists and never changes: choose a new version", 409)
    if existing and version_key(version) <= existing[-1].key:
        raise KGError(f"versions only go up: the latest release is {existing[-1].version}", 409)


def suggest(previous: Release | None, diff: changes.Changelog) -> str:
    """The next version by what changed: removals or merges bump MAJOR (an IRI stops
    answering), additions MINOR, anything else PATCH; 1.0.0 first."""
    if previous is None:
        return "1.0.0"
    major, minor, patch = previous.key
    if diff.removed or diff.merged:
        return f"{major + 1}.0.0"
    if diff.added:
        return f"{major}.{minor + 1}.0"
    if diff.changed or diff.changesets:
        return f"{major}.{minor}.{patch + 1}"
    raise KGError(f"nothing changed since release {previous.version}: no release to make")


def _write(kg: KnowledgeGraph, folder: Path, version: str, issued: str, previous: Release | None,
           diff: changes.Changelog, log: Callable[[str], None]) -> Release:
    title = void.about(kg)["title"]
    written: list[tuple[str, str, bytes]] = []
    for fmt in void.dump_formats():
        log(f"dump {fmt.label}")
        written.append((dump_name(version, fmt), fmt.media_type, export(kg, fmt)))
    written.append((CHANGELOG_MD, "text/markdown",
                    changes.markdown(diff, title, version, issued, kg.prefixes).encode()))
    written.append((CHANGELOG_RDF, "text/turtle",
                    changes.rdf(diff, release_iri(kg.base, version), kg.base, kg.prefixes)))
    files = []
    for name, media, body in written:
        (folder / name).write_bytes(body)
        files.append(ReleaseFile(name, media, len(body), hashlib.sha256(body).hexdigest()))
    (folder / SUMS).write_text("".join(f"{f.sha256}  {f.name}\n" for f in files), encoding="utf-8")
    release = Release(version, issued, previous.version if previous else None, title, files, diff, folder)
    (folder / MANIFEST).write_text(json.dumps(release.to_json(), indent=1, ensure_ascii=False),
                                   encoding="utf-8")
    for path in folder.iterdir():
        path.chmod(0o444)
    return release


def _publish(scratch: Path, final: Path) -> None:
    """Rename the finished folder into place; a release made meanwhile by another process wins."""
    try:
        scratch.rename(final)
    except OSError:
        raise KGError(f"release {final.name} exists and never changes: choose a new version",
                      409) from None


# ------------------------------------------------------------------ IRIs and history


def series_iri(base: str) -> str:
    return f"{base}/releases/"


def release_iri(base: str, version: str) -> str:
    return f"{base}/releases/{version}/"


@dataclass
class History:
    """An entity across releases: since which one it exists, and the values it had before."""

    since: str | None = None
    merged_into: str | None = None
    previous_values: list[tuple[str, changes.PropertyChange]] = field(default_factory=list)


def history(releases: list[Release], iri: str) -> History:
    found = History()
    for release in releases:
        log = release.changelog
        if any(i == iri for i, _ in log.added) and found.since is None:
            found.since = release.version
        if any(i == iri for i, _ in log.removed):
            found.since = None
        for old, new in log.merged:
            if old == iri:
                found.since, found.merged_into = None, new
        for entity in log.changed:
            if entity.iri == iri:
                found.previous_values += [(release.version, c) for c in entity.properties if c.old]
    found.previous_values.reverse()  # the latest change first
    return found
