"""Introspection as in Datasette: /-/versions.json, /-/settings.json, /-/metadata.json."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint

from .. import __version__
from .. import settings as settings_mod
from . import pages, responses

blueprint = Blueprint("meta", __name__)

LIBRARIES = ("rdflib", "pyshacl", "owlrl", "pyoxigraph", "flask", "waitress")


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


@blueprint.get("/-/versions.json")
def versions():
    return responses.json_response({"mha-kg": __version__, "python": platform.python_version(),
                                    **{name: _version(name) for name in LIBRARIES}})


@blueprint.get("/-/settings.json")
def settings():
    return responses.json_response(settings_mod.public(responses.settings()))


@blueprint.get("/-/metadata.json")
def metadata():
    kg = responses.kg()
    return responses.json_response({**pages.site_about(), "base_iri": kg.base, "ontology": kg.ontology,
                                    "sparql": "/sparql", "void": "/.well-known/void",
                                    "context": "/context.jsonld", "stats": kg.stats()})
