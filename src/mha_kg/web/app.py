"""The application factory: the only place an app is built."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Sequence
from urllib.parse import parse_qsl

from flask import Flask, request
from flask import Request as FlaskRequest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.utils import cached_property

from .. import settings as settings_mod
from ..curate.curators import writes_enabled
from ..curate.writes import open_graph
from ..errors import KGError
from ..kg import KnowledgeGraph
from . import pages, responses

log = logging.getLogger("mha_kg")


def create_app(settings: dict | None = None, kg: KnowledgeGraph | None = None,
               files: Sequence[str] = ()) -> Flask:
    """Build the app over a knowledge graph (opened from settings when not given)."""
    resolved = settings_mod.load(settings) if settings is None or "project_dir" not in settings \
        else settings
    app = Flask(__name__)
    app.request_class = Request
    app.config["MAX_CONTENT_LENGTH"] = resolved["max_request_bytes"]
    app.config["SETTINGS"] = resolved
    app.extensions["kg"] = kg or open_graph(resolved, files, writer=writes_enabled(resolved))
    pages.install(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    app.after_request(responses.cache_validators)
    app.wsgi_app = responses.CommonHeaders(app.wsgi_app, resolved)
    return app


def _register_blueprints(app: Flask) -> None:
    from . import sparql

    app.register_blueprint(sparql.blueprint)
    for module in responses.optional_blueprints():
        app.register_blueprint(module.blueprint)


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(KGError)
    def kg_error(error: KGError):
        return responses.error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        message = error.description or error.name
        if error.code == 413:
            limit = app.config["SETTINGS"]["max_request_bytes"]
            message = f"request body larger than {limit} bytes (the max_request_bytes setting)"
        return responses.error(KGError(message, error.code or 400))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return responses.error(KGError("internal error; it has been logged", 500))


class Request(FlaskRequest):
    """Flask's request, with the URL's parameters decoded once per distinct query string,
    and the moment it arrived (a page's footer says how long it took).

    SPARQL clients send the same query URLs again and again, and decoding a
    few hundred percent-encoded characters was a fifth of a cached lookup's
    time in the application.
    """

    def __init__(self, environ: dict, *args, **kwargs):
        self.started = time.perf_counter()  # not a before_request hook: those cost every request
        super().__init__(environ, *args, **kwargs)

    @cached_property
    def args(self) -> ImmutableMultiDict:
        if len(self.query_string) > MAX_REMEMBERED_QUERY_STRING:
            return _parameters(self.query_string)
        return _remembered_parameters(self.query_string)


#: Longer query strings are decoded every time, so the memory stays small (256 × 8 KiB at most).
MAX_REMEMBERED_QUERY_STRING = 8192


def _parameters(query_string: bytes) -> ImmutableMultiDict:
    """What werkzeug's Request.args gives (invalid bytes stay percent-encoded); immutable, so
    one parse can be shared between requests."""
    return ImmutableMultiDict(parse_qsl(query_string.decode(), keep_blank_values=True,
                                        errors="werkzeug.url_quote"))


_remembered_parameters = functools.lru_cache(maxsize=256)(_parameters)
