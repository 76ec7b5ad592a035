"""The one error type.

A `KGError` is a mistake the user can fix: it carries a one-line message and
the HTTP status it maps to. The web layer turns it into the JSON envelope
`{"ok": false, "error": ..., "status": ...}` (or a page), the command line
into a one-line reason on stderr and exit code 1. Anything else that escapes
is a bug: logged, answered 500, never shown as a traceback.
"""

from __future__ import annotations


class KGError(Exception):
    def __init__(self, message: str, status: int = 400, title: str | None = None):
        super().__init__(message)
        self.message = " ".join(str(message).split())  # always one line
        self.status = status
        self.title = title or _TITLES.get(status, "Error")

    def to_json(self) -> dict:
        return {"ok": False, "error": self.message, "errors": [self.message],
                "status": self.status, "title": self.title}


_TITLES = {
    400: "Bad request",
    401: "Unauthorised",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    410: "Gone",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    500: "Internal error",
    502: "Bad gateway",
    503: "Service unavailable",
}


def bad_request(message: str) -> KGError:
    return KGError(message, 400)


def not_found(message: str) -> KGError:
    return KGError(message, 404)


def not_acceptable(message: str) -> KGError:
    return KGError(message, 406)


def read_only(message: str = "this endpoint is read-only: updates are refused") -> KGError:
    return KGError(message, 403)


def too_large(message: str) -> KGError:
    return KGError(message, 413)


def timed_out(limit_ms: int) -> KGError:
    return KGError(
        f"query stopped after {limit_ms} ms. The time limit is controlled by the "
        "sparql_time_limit_ms setting.",
        503,
    )
