"""The releases: /releases/ (the series), /releases/VERSION/ (one release), and its files.

Pages for people, DCAT 3 for machines (by `Accept`, `?format=` or a suffix:
/releases/index.ttl, /releases/1.0.0/index.ttl). A release never changes, so
its files are answered with their SHA-256 as the ETag and cached for a year.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, send_file

from ..curate import release as releases
from ..curate.changelog import parse_term
from ..errors import not_found
from ..publish.describe import Value, to_value
from ..query import formats
from . import pages, responses
from .exports import graph_response, release_series

blueprint = Blueprint("releases", __name__)

#: A release's files never change: caches may keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"


def _dcat_links(prefix: str) -> list[tuple[formats.Format, str]]:
    return pages.alternates(lambda fmt: f"{prefix}index.{fmt.suffix}")


def _rdf_format(suffix: str | None) -> formats.Format:
    fmt = formats.by_name(suffix) if suffix else responses.wants("page", "graph")
    if fmt.name != "html":
        formats.ensure_kind(fmt, "graph")
    return fmt


@blueprint.get("/releases/")
@blueprint.get("/releases/index.<suffix>")
def series(suffix: str | None = None):
    fmt = _rdf_format(suffix)
    if fmt.name != "html":
        return graph_response(release_series(request.host_url.rstrip("/")), fmt)
    found = list(reversed(releases.all_releases(responses.settings())))
    return pages.page("releases.html", _dcat_links("/releases/"), releases=found,
                      series_iri=releases.series_iri(responses.kg().base))


@blueprint.get("/releases/latest/")
def latest():
    """The newest release (302: it moves on with every release, unlike /releases/VERSION/)."""
    found = releases.all_releases(responses.settings())
    if not found:
        raise not_found("no release yet; see /releases/")
    return Response(status=302, headers={"Location": f"/releases/{found[-1].version}/"})


@blueprint.get("/releases/<version>/")
@blueprint.get("/releases/<version>/index.<suffix>")
def release(version: str, suffix: str | None = None):
    found = releases.get(responses.settings(), version)
    fmt = _rdf_format(suffix)
    if fmt.name != "html":
        return graph_response(release_series(request.host_url.rstrip("/"), only=version), fmt)
    return pages.page("release.html", _dcat_links(f"/releases/{version}/"), release=found,
                      iri=releases.release_iri(responses.kg().base, version), value=shown_value)


def shown_value(nt: str) -> Value | None:
    """A changelog value (an N-Triples term) as a page shows it (the entity page uses it too)."""
    return to_value(parse_term(nt), responses.kg().prefixes)


@blueprint.get("/releases/<version>")
def release_slash(version: str):
    releases.get(responses.settings(), version)
    return Response(status=308, headers={"Location": f"/releases/{version}/"})


@blueprint.get("/releases/<version>/<name>")
def release_file(version: str, name: str):
    found = releases.get(responses.settings(), version)
    file = found.file(name)
    response = send_file(found.path / file.name, mimetype=file.media_type, etag=file.sha256,
                         conditional=True, max_age=31536000)
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Digest"] = f"sha-256={file.sha256}"
    return response
