"""The query page (YASGUI editor over /sparql) and the named example queries.

Each example has its own URL, /query/<name>, which runs it server-side and
shows the rows (so it works without JavaScript), with `.json`/`.csv` twins;
its parameters are form fields. /-/queries.json lists the catalogue.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, request

from ..errors import not_acceptable
from ..publish import describe
from ..query import catalogue, formats
from . import pages, responses

blueprint = Blueprint("query", __name__)

#: The editor's version is in its file names (vendored from npm @zazuko/yasgui).
YASGUI_VERSION = "4.6.2"


@blueprint.get("/query")
def page():
    return pages.page("query.html", queries=catalogue.load(), initial=request.args.get("query", ""),
                      yasgui=YASGUI_VERSION, prefixes=responses.kg().prefixes)


@blueprint.get("/-/queries.json")
def queries():
    return responses.json_response({"queries": [q.to_json() for q in catalogue.load()]})


@blueprint.get("/query/<name>")
def named(name: str):
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    example = catalogue.get(stem)
    values = {p: request.args.get(p, "") for p in example.params}
    text = example.bound(values)
    result = responses.kg().query(text)
    if suffix:
        fmt = formats.by_name(suffix)
        if fmt.kind != "results":
            raise not_acceptable(f".{suffix} cannot carry query results; use .json, .csv, .tsv or .xml")
        return responses.respond(formats.write_results(result, fmt), fmt,
                                 X_Elapsed_Ms=str(result.elapsed_ms))
    downloads = [(label, f"/query/{stem}.{suffix}?{urlencode(values)}")
                 for label, suffix in (("CSV", "csv"), ("JSON", "json"), ("TSV", "tsv"))]
    editor = "/query?" + urlencode({"query": text})
    return pages.page("named.html", example=example, values=values, text=text, result=result,
                      records=[[describe.to_value(t, responses.kg().prefixes) for t in row]
                               for row in result.rows], downloads=downloads, editor=editor,
                      limit=result.cut_at or responses.settings()["max_returned_rows"])
