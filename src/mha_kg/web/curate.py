"""The curation editor: sign-in, shape-driven edit and new forms, history, recent changes, revert.

Thin views over curate/ (curators, forms, changes, tombstones). Reading stays
anonymous; every change needs a signed-in curator. Sign-in puts the curator
in Flask's signed session cookie (HttpOnly, SameSite=Strict); every POST,
sign-in included, carries the session's CSRF token in a hidden field,
compared in constant time. Forms are plain HTML posts: static/curate.js only
adds the search to pickers and the live checks (`_check=1`: judged, not stored).
"""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, Flask, Response, abort, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from ..curate import changes, curators, forms, scoped, tombstones, writes
from ..errors import KGError
from . import pages, responses
from .entity import entity_iri

blueprint = Blueprint("curate", __name__)


class CuratorSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, whose signer is made only for a request bringing the cookie.

    Flask makes the signer (an itsdangerous serializer, which tries a dump to learn its
    kind) before it looks for the cookie: 80 us of every anonymous request, a sixth of a
    cheap SPARQL query's. A request without the cookie gets the same new, empty session,
    and an empty session nobody touched is not saved.
    """

    def open_session(self, app: Flask, request):
        if "HTTP_COOKIE" not in request.environ or self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        """A signed-in curator (or one signing in) sees the graph as it is now: no answer of
        theirs is cached. A session nobody opened or touched has nothing to write, delete or
        vary on, and Flask would work out the cookie's flags first (10 us of every reader's
        request)."""
        if session:
            response.headers["Cache-Control"] = "private, no-store"
        if session or session.modified or session.accessed:
            super().save_session(app, session, response)


@blueprint.record_once
def _configure(state) -> None:
    """The session key and cookie flags, set once on the app that registers the editor."""
    app: Flask = state.app
    app.secret_key = app.config["SETTINGS"]["session_secret"] or secrets.token_bytes(32)
    app.session_interface = CuratorSessions()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_NAME="mha_kg_curator")


@blueprint.app_context_processor
def _curator_context() -> dict:
    return {"curator": signed_in() if request.cookies.get("mha_kg_curator") else None,
            "csrf_token": csrf_token}


# ------------------------------------------------------------------ sign-in and protection


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    given = request.form.get("csrf", "")
    if not hmac.compare_digest(given.encode(), session.get("csrf", "\0").encode()):
        raise KGError("the form's security token is missing or stale: reload the page and send it again",
                       403)


def signed_in() -> curators.Curator | None:
    found = session.get("curator")
    return curators.Curator(*found) if found else None


def require_curator() -> curators.Curator:
    """The signed-in curator, still in the curators file; otherwise off to the sign-in page."""
    who = signed_in()
    if who is None or who.slug not in curators.slugs(responses.settings()):
        session.pop("curator", None)
        if request.method == "GET":
            abort(redirect(url_for("curate.signin", next=request.full_path.rstrip("?"))))
        raise KGError("sign in as a curator first (/-/signin)", 401)
    if request.method == "POST":
        check_csrf()
    return who


@blueprint.route("/-/signin", methods=["GET", "POST"])
def signin():
    error = None
    if request.method == "POST":
        check_csrf()
        who = curators.identify(responses.settings(), request.form.get("token", ""))
        if who is not None:
            session.clear()
            session["curator"] = [who.slug, who.name]
            return redirect(_local(request.form.get("next", "/")), code=303)
        error = "That token belongs to no curator. Ask the maintainer for yours."
    return pages.page("curate_signin.html", status=401 if error else 200, error=error,
                      next=_local(request.args.get("next", request.form.get("next", "/"))))


@blueprint.post("/-/signout")
def signout():
    check_csrf()
    session.clear()
    return redirect("/", code=303)


def _local(target: str) -> str:
    """Only a path on this site: a sign-in never sends anyone elsewhere."""
    local = target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target
    return target if local else "/"


# ------------------------------------------------------------------ edit and new


@blueprint.route("/edit/<path:rest>", methods=["GET", "POST"])
def edit(rest: str):
    who = require_curator()
    kg = responses.kg()
    iri = entity_iri(rest)
    form = forms.build_form(kg, forms.class_of(kg, iri), iri)
    if request.method == "POST":
        return _save(who, form, iri, new=False)
    return _form_page(form)


@blueprint.route("/new/<cls>", methods=["GET", "POST"])
def new(cls: str):
    who = require_curator()
    kg = responses.kg()
    form = forms.build_form(kg, forms.require_class(kg, cls))
    if request.method == "POST":
        return _save(who, form, None, new=True)
    return _form_page(form)


@blueprint.get("/new/")
def new_menu():
    require_curator()
    return pages.page("curate_new.html", classes=forms.creatable_classes(responses.kg()))


def _save(who: curators.Curator, form: forms.Form, iri: str | None, new: bool):
    """Typed values to terms, the change to a changeset, the shapes to judge it; refused: the form again.
    With `_check=1` (the page's live checks) only the judgement is answered, as JSON."""
    note = {name: request.form.get(name, "").strip() for name in ("source", "comment")}
    checking = request.form.get("_check") == "1"
    missing = {} if checking else _missing_notes(note)
    proposal = _judge(form, iri, new)
    if checking:
        return responses.json_response({"ok": proposal is not None and not form.errors,
                                        "errors": form.errors,
                                        "fields": {f.key: f.errors for f in form.fields if f.errors}})
    if proposal is None or form.errors or missing:
        return _form_page(form, status=422, note_errors=missing, **note)
    retried = _already_committed(request.form.get("change_id", ""))
    if retried is not None:  # the same form sent again: answer the first outcome
        return redirect(pages.href(_subject_of(retried, iri or "")) + f"?change={retried.id}", code=303)
    iri, added, removed = proposal
    try:
        change = changes.commit(responses.kg(), changes.Proposed(
            who, note["source"], note["comment"], added, removed,
            change_id=request.form.get("change_id") or None))
    except writes.Invalid as refused:
        forms.place_violations(responses.kg(), form, iri, refused.report.violations)
        return _form_page(form, status=422, **note)
    except KGError as refused:
        form.errors.append(refused.message)
        return _form_page(form, status=refused.status, **note)
    return redirect(pages.href(iri) + f"?change={change.id}", code=303)


def _missing_notes(note: dict[str, str]) -> dict[str, str]:
    """{"source" or "comment": the message shown beside that field} for each one left empty:
    every change says where it comes from and why (changes.commit refuses it too)."""
    said = {"source": changes.MISSING_SOURCE, "comment": changes.MISSING_COMMENT}
    return {name: message for name, message in said.items() if not note[name]}


def _judge(form: forms.Form, iri: str | None, new: bool) -> tuple[str, list, list] | None:
    """(entity, added, removed) when the typed values parse and the change-scoped shapes pass;
    otherwise None, with the reasons put beside their fields (or above the form)."""
    kg = responses.kg()
    forms.read_values(form, {f.key: request.form.getlist(f.key) for f in form.fields})
    wanted = forms.to_terms(form)
    if any(f.errors for f in form.fields):
        return None
    try:
        iri = iri or forms.mint_iri(kg, form.cls, wanted)
        added, removed = forms.diff(kg, form, iri, wanted)
    except KGError as refused:
        form.errors.append(refused.message)
        return None
    if new:
        added.append(forms.type_quad(kg, iri, form.cls))
    early = scoped.check(kg, added, removed)  # judged on what the change touches: at once
    if not early.conforms:
        forms.place_violations(kg, form, iri, early.violations)
        return None
    return iri, added, removed


def _already_committed(change_id: str) -> changes.Changeset | None:
    if not change_id:
        return None
    return changes.get(responses.kg(), changes.check_change_id(change_id))


def _subject_of(change: changes.Changeset, fallback: str) -> str:
    """Where a retried new-entity post lands: the entity the original change typed (a new list's
    items are typed too: their IRIs are made under the list's, so the shortest one is the list)."""
    typed = [s.subject.value for s in change.added if s.predicate.value.endswith("#type")]
    return min(typed, key=len) if typed else fallback


def _form_page(form: forms.Form, status: int = 200, **note):
    kg = responses.kg()
    title = f"Edit {_label(form.entity)}" if form.entity else f"New {form.cls_label}"
    return pages.page("curate_form.html", status=status, form=form, title=title,
                      choices=forms.choices_for(kg, form), change_id=writes.mint_change_id(),
                      source=note.get("source", ""), comment=note.get("comment", ""),
                      note_errors=note.get("note_errors", {}))


def _label(iri: str) -> str:
    from ..publish import describe

    return describe.labels(responses.kg(), {iri}).get(iri) or describe.local_name(iri)


# ------------------------------------------------------------------ history


@blueprint.get("/history/<path:rest>")
def history(rest: str):
    kg = responses.kg()
    iri = entity_iri(rest)
    found = changes.history(kg, iri)
    return pages.page("curate_history.html", title=f"History of {_label(iri)}", iri=iri, rest=rest,
                      changesets=[(c, changes.readable(kg, c)) for c in found])


@blueprint.get("/changes")
def recent():
    kg = responses.kg()
    found = changes.recent(kg, _limit())
    if request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json":
        return responses.json_response({"ok": True, "changes": [c.to_json() for c in found]})
    return pages.page("curate_history.html", title="Recent changes", iri=None, rest=None,
                      changesets=[(c, changes.readable(kg, c)) for c in found])


@blueprint.get("/changes.atom")
def feed():
    kg = responses.kg()
    found = changes.recent(kg, _limit())
    body = render_template("changes.atom.xml", changesets=[(c, changes.readable(kg, c)) for c in found],
                           site=request.host_url.rstrip("/"))
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@blueprint.route("/changes/<change_id>", methods=["GET"])
def change(change_id: str):
    kg = responses.kg()
    found = changes.require(kg, change_id)
    if request.args.get("format") == "json":
        return responses.json_response(found.to_json())
    return pages.page("curate_change.html", change=found, diff=changes.readable(kg, found))


@blueprint.post("/changes/<change_id>/revert")
def revert(change_id: str):
    who = require_curator()
    source = request.form.get("source", "").strip() or f"revert of change {change_id}"
    kg = responses.kg()
    try:
        done = changes.revert(kg, change_id, who, source, request.form.get("comment", ""))
    except writes.Invalid as refused:  # what came after it depends on what it did
        shapes = forms.shapes_graph(kg)
        errors = sorted({f"{_label(v.focus)}: {forms.explain(shapes, v)}" for v in refused.report.violations})
        found = changes.require(kg, change_id)
        return pages.page("curate_change.html", status=422, change=found, diff=changes.readable(kg, found),
                          errors=errors)
    return redirect(url_for("curate.change", change_id=done.id), code=303)


def _limit() -> int:
    raw = request.args.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 500:
        raise KGError("limit must be a whole number from 1 to 500")
    return int(raw)


# ------------------------------------------------------------------ removal and merge


@blueprint.route("/remove/<path:rest>", methods=["GET", "POST"])
def remove(rest: str):
    return _confirmed("remove", rest, lambda kg, iri, who, source, comment: tombstones.remove(
        kg, iri, who, source, comment))


@blueprint.route("/merge/<path:rest>", methods=["GET", "POST"])
def merge(rest: str):
    return _confirmed("merge", rest, lambda kg, iri, who, source, comment: tombstones.merge(
        kg, iri, request.form.get("kept", "").strip(), who, source, comment))


def _confirmed(action: str, rest: str, act):
    """A confirmation form; posted, the action as one change, or the form again with why it was refused."""
    who = require_curator()
    iri = entity_iri(rest)
    errors: list[str] = []
    note = {name: request.form.get(name, "").strip() for name in ("source", "comment")}
    missing: dict[str, str] = {}
    if request.method == "POST":
        kg = responses.kg()
        missing = _missing_notes(note)
        try:
            if not missing:
                done = act(kg, iri, who, note["source"], note["comment"])
                return redirect(url_for("curate.change", change_id=done.id), code=303)
        except writes.Invalid as refused:
            shapes = forms.shapes_graph(kg)
            errors = sorted({f"{_label(v.focus)}: {forms.explain(shapes, v)}"
                             for v in refused.report.violations})
        except KGError as refused:
            errors = [refused.message]
    return pages.page("curate_confirm.html", status=422 if errors or missing else 200, action=action,
                      iri=iri, label=_label(iri), rest=rest, errors=errors, note_errors=missing, **note)
