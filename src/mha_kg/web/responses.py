"""How every view answers: bodies by format, errors in one envelope, common headers."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from flask import Response, current_app, render_template, request
from werkzeug.http import http_date

from .. import __version__
from ..errors import KGError
from ..kg import KnowledgeGraph
from ..query import formats

#: Page families registered when their module exists (each a blueprint).
PAGE_FAMILIES = ("home", "entity", "ontology", "query", "exports", "meta", "map", "search", "reconcile",
                 "write", "curate", "source", "releases", "crawl")


def optional_blueprints():
    for name in PAGE_FAMILIES:
        try:
            yield importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}":
                raise


def kg() -> KnowledgeGraph:
    return current_app.extensions["kg"]


def settings() -> dict:
    return current_app.config["SETTINGS"]


_DERIVED_LOCK = threading.RLock()  # re-entrant: the map's SVG is made from its markers
T = TypeVar("T")


def per_store(name: str, make: Callable[[], T]) -> T:
    """Something drawn from the graph (a dump, the picture, the map, the about block), made
    once per store: an acknowledged write switches the store, and the next request remakes it."""
    graph = kg()
    key = graph.build.fingerprint if graph.build is not None else None
    cache = current_app.extensions.setdefault("mha_per_store", {})
    with _DERIVED_LOCK:
        found = cache.get(name)
        if found is None or found[0] != key:
            found = cache[name] = (key, make())
    return found[1]


def respond(body: bytes, fmt: formats.Format, status: int = 200, **headers) -> Response:
    """An answer in a negotiated format; a whole answer to a read carries its validators,
    made here from the bytes at hand rather than read back from the response."""
    extra = [("Vary", "Accept"), *((name.replace("_", "-"), value) for name, value in headers.items())]
    if status == 200 and request.environ["REQUEST_METHOD"] in READS:
        extra += validators(fmt.media_type, lambda: body, fmt.content_type)
    return Response(body, status=status, headers=extra, content_type=fmt.content_type)


def json_response(data, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, indent=1), status=status,
                    content_type="application/json; charset=utf-8")


def wants(*kinds: str) -> formats.Format:
    """The format a request asks for: ?format= first, then Accept."""
    named = request.args.get("format")
    if named:
        fmt = formats.by_name(named)
        formats.ensure_kind(fmt, fmt.kind if fmt.kind in kinds else kinds[0])
        return fmt
    return formats.negotiate(request.headers.get("Accept"), *kinds)


def error(exc: KGError) -> Response:
    """One envelope for every error: JSON, a page, or one line of text."""
    accept = request.headers.get("Accept", "")
    best = next(iter(formats.parse_accept(accept)), ("",))[0]  # "" for an empty or junk Accept
    if best == "text/html":
        try:
            body = render_template("error.html", error=exc)
            return Response(body, status=exc.status, content_type="text/html; charset=utf-8")
        except Exception:  # no template yet: fall through to text
            pass
    if best in ("application/json", "application/problem+json") or request.path.startswith(
            ("/api/", "/-/", "/reconcile")):
        return json_response(exc.to_json(), exc.status)
    return Response(exc.message + "\n", status=exc.status, content_type="text/plain; charset=utf-8")


class CommonHeaders:
    """WSGI middleware: the headers every answer carries, unless its view set its own.

    Added to the list the application hands the server, as pairs made once: through
    werkzeug's Headers each value is checked when it is set and again when the answer is
    sent (29,000 instructions of a cheap SPARQL request's 2.3 million, counted with
    callgrind). The ones that only mean something to a document a browser shows (who may
    frame it, what it may load, what it tells the pages it links to) go on documents only.
    """

    def __init__(self, wsgi_app: Callable, settings: dict):
        self.wsgi_app = wsgi_app
        self.always = DATA_HEADERS + (CORS_HEADERS if settings["cors"] else ())
        self.cache_control = (("Cache-Control", f"max-age={settings['default_cache_ttl']}"),)

    def __call__(self, environ: dict, start_response: Callable):
        readable = environ["REQUEST_METHOD"] in READS

        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            present = {name.lower(): value for name, value in headers}
            wanted = self.always
            if present.get("content-type", "").partition(";")[0] in DOCUMENT_TYPES:
                # A view that chose who may frame it (the reconciliation preview: anyone) gets
                # no X-Frame-Options: DENY, which would say the opposite.
                framing = "frame-ancestors" in present.get("content-security-policy", "")
                wanted += DOCUMENT_HEADERS if framing else DOCUMENT_HEADERS + UNFRAMED
            if readable and int(status[:3]) < 400:
                wanted += self.cache_control
            headers.extend(pair for pair in wanted if pair[0].lower() not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def cache_validators(response: Response) -> Response:
    """ETag and Last-Modified on a whole 200 answer to a read that has none yet, and a 304
    when the client's copy is current (see `validators`)."""
    environ = request.environ
    if response.status_code != 200 or environ["REQUEST_METHOD"] not in READS:
        return response
    if response.is_streamed:  # a file sent as it is read: send_file made its own
        return response
    headers = response.headers
    if "ETag" not in headers:  # `respond` adds them to the answers it makes
        headers.extend(validators(response.mimetype, response.get_data, response.content_type or "",
                                  "Last-Modified" in headers))
    if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
        response.make_conditional(request)  # werkzeug's check costs ~60 us: only when asked
    return response


def data_modified() -> datetime | None:
    """When the served data last changed: its store's build (a write rebuilds it); None for a
    remote store, whose changes this server cannot see."""
    build = kg().build
    return _parse_utc(build.built_at) if build is not None and build.built_at else None


@functools.lru_cache(maxsize=8)
def _parse_utc(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@functools.lru_cache(maxsize=8)
def _http_date(stamp: str) -> str:
    return http_date(_parse_utc(stamp))


def validators(mimetype: str, body: Callable[[], bytes], content_type: str,
               has_last_modified: bool = False) -> list[tuple[str, str]]:
    """ETag and Last-Modified, so caches can revalidate instead of fetching again.

    A page's footer says how long it took, so two renderings of the same data differ
    byte for byte: pages get a weak ETag naming what they were made from (the data's
    build, the settings, the URL, the media type). Other answers are byte-stable and get
    a strong ETag, the hash of their body. Over a remote store, whose changes this server
    cannot see, pages get neither.
    """
    build = kg().build
    found = []
    if not has_last_modified and build is not None and build.built_at:
        found.append(("Last-Modified", _http_date(build.built_at)))
    if mimetype != "text/html":
        found.append(("ETag", f'"{hashlib.sha1(body()).hexdigest()}"'))
    elif build is not None:
        made_from = "|".join((__version__, build.fingerprint, build.built_at, _settings_digest(),
                              request.full_path, content_type))
        found.append(("ETag", f'W/"{hashlib.sha256(made_from.encode()).hexdigest()[:32]}"'))
    return found


def _settings_digest() -> str:
    digest = current_app.extensions.get("mha_settings_digest")
    if digest is None:
        text = json.dumps(settings(), sort_keys=True, default=str)
        digest = current_app.extensions["mha_settings_digest"] = hashlib.sha256(text.encode()).hexdigest()
    return digest


#: The methods whose whole answers carry validators and a Cache-Control max-age.
READS = ("GET", "HEAD")
#: Media types a browser shows as a document of this site.
DOCUMENT_TYPES = frozenset({"text/html", "image/svg+xml"})
PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DATA_HEADERS = (("X-Content-Type-Options", "nosniff"),)
DOCUMENT_HEADERS = (("Referrer-Policy", "no-referrer"), ("Content-Security-Policy", PAGE_POLICY))
UNFRAMED = (("X-Frame-Options", "DENY"),)
CORS_HEADERS = (("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "Content-Type, Link, X-Truncated, X-Elapsed-Ms"))
