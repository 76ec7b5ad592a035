"""The source watch for signed-in curators: paste or upload a new copy of the page's text,
see what changed section by section and what to review; accept it as the reference."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from ..curate import source
from ..errors import bad_request
from . import pages, responses
from .curate import require_curator

blueprint = Blueprint("source", __name__)

MAX_TEXT_CHARS = 500_000


@blueprint.route("/-/source", methods=["GET", "POST"])
def check():
    who = require_curator()
    if request.method == "GET":
        return pages.page("curate_source.html", report=None, text="")
    text = _posted_text()
    kg = responses.kg()
    if request.form.get("accept") == "yes":
        note = request.form.get("source", "").strip() or "a new copy of the page"
        change = source.accept(kg, text, who, note)
        return redirect(url_for("curate.change", change_id=change.id), code=303)
    return pages.page("curate_source.html", report=source.check(kg, text), text=text)


def _posted_text() -> str:
    upload = request.files.get("file")
    if upload and upload.filename:
        text = upload.read().decode("utf-8", "replace")
    else:
        text = request.form.get("text", "")
    if not text.strip():
        raise bad_request("give the new text of the page: paste it or choose a file")
    if len(text) > MAX_TEXT_CHARS:
        raise bad_request(f"the text is longer than {MAX_TEXT_CHARS} characters")
    return text
