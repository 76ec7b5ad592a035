"""A client that calls a reconciliation service the way OpenRefine's own code does.

Written from OpenRefine's source (3.7 to the current 3.x; the file each step
follows is named in its docstring), so that the tests make the same HTTP
calls with the same methods, paths, parameters and encodings, and read the
same fields of each answer. No OpenRefine code is copied: these are the
observable calls, re-stated in Python.

- Java calls (`HttpClient.postNameValue`) POST one form field, encoded as
  `application/x-www-form-urlencoded; charset=UTF-8`; any status of 400 or
  more is an error for the whole call; redirects are not expected.
- Browser calls (jQuery `$.ajax` with `dataType: "json"`) are GETs whose URL
  the browser parses: everything from a `#` is a fragment and never sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote, urldefrag

import requests

#: What jQuery sends for `dataType: "json"`.
JQUERY_JSON_ACCEPT = "application/json, text/javascript, */*; q=0.01"
#: OpenRefine's StandardReconConfig.DEFAULT_BATCH_SIZE.
DEFAULT_BATCH_SIZE = 10
#: ExtendDataOperation sends the ids of ten rows per call.
EXTEND_IDS_PER_CALL = 10
TIMEOUT = 60


class ServiceError(Exception):
    """What OpenRefine turns into "Error." or a cell's error: a status >= 400 or a wrong answer."""


def post_name_value(url: str, name: str, value: str) -> str:
    """HttpClient.postNameValue: one UTF-8 form field; a status of 400 or more is an error."""
    body = f"{quote(name)}={quote(value, safe='')}".encode("ascii")
    response = requests.post(url, data=body, timeout=TIMEOUT, allow_redirects=False, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
    if response.status_code >= 400 or 300 <= response.status_code < 400:
        raise ServiceError(f"HTTP error {response.status_code} for URL {url}: {response.text[:200]}")
    return response.text


def browser_get_json(url: str) -> dict:
    """jQuery `$.ajax(url, {dataType: "json"})`: the browser drops the fragment; non-2xx fails."""
    sent, _fragment = urldefrag(url)
    response = requests.get(sent, timeout=TIMEOUT, headers={"Accept": JQUERY_JSON_ACCEPT})
    if not 200 <= response.status_code < 300:
        raise ServiceError(f"HTTP error {response.status_code} for URL {sent}")
    return response.json()


def encode_uri(url: str) -> str:
    """JavaScript's encodeURI (used for the preview and view URLs)."""
    return quote(url, safe="~@#$&()*!+=:;,.?/'-_")


@dataclass
class Candidate:
    id: str
    name: str
    types: list[str]
    score: float
    match: bool


@dataclass
class Recon:
    """What OpenRefine keeps of a reconciled cell (model/Recon.java)."""

    candidates: list[Candidate] = field(default_factory=list)
    match: Candidate | None = None
    error: str | None = None


@dataclass
class Column:
    name: str
    cells: list  # str, or a Recon-reconciled value as (text, Recon)


# ---------------------------------------------------------------------------- register


def register(url: str) -> dict:
    """recon-manager.js registerStandardService: GET the pasted URL as JSON; the URL stays the service's."""
    manifest = browser_get_json(url)
    return {**manifest, "url": url, "ui": {"handler": "ReconStandardServicePanel", "access": "json"}}


# ---------------------------------------------------------------------------- guess types


def guess_types(service: dict, cells: list[str], sample_size: int = 10) -> list[dict]:
    """GuessTypesOfColumnCommand, then standard-service-panel.js adding the manifest's defaultTypes."""
    samples: list[str] = []
    for cell in cells:
        text = cell.strip()
        if text and text not in samples:
            samples.append(text)
        if len(samples) >= sample_size:
            break
    queries = {f"q{i}": {"query": s, "limit": 3} for i, s in enumerate(samples)}
    answer = json.loads(post_name_value(service["url"], "queries", json.dumps(queries)))
    groups: dict[str, dict] = {}
    for entry in answer.values():
        if not isinstance(entry, dict) or not isinstance(entry.get("result"), list):
            continue
        for rank, result in enumerate(entry["result"]):
            types = result.get("type", [])
            for t, found in enumerate(types):
                score = (1.0 / (1 + rank)) * (len(types) - t) / len(types)
                group = groups.setdefault(found["id"], {"id": found["id"], "name": found["name"],
                                                        "count": 0, "score": 0.0})
                group["count"] += 1
                group["score"] += score
    ranked = sorted(groups.values(), key=lambda g: (-min(sample_size, g["count"]),
                                                    -g["score"] / g["count"]))
    guessed = [{"id": g["id"], "name": g["name"]} for g in ranked]
    known = {g["id"] for g in guessed}
    return guessed + [t for t in service.get("defaultTypes", []) if t["id"] not in known]


# ---------------------------------------------------------------------------- suggest


def suggest(service: dict, kind: str, prefix: str) -> list[dict]:
    """The suggest widget (suggest-4_3a.js through sanitizeSuggestOptions): `prefix` only, no type."""
    options = service["suggest"][kind]
    url = options["service_url"] + options["service_path"]
    response = requests.get(url, params={"prefix": prefix}, timeout=TIMEOUT,
                            headers={"Accept": JQUERY_JSON_ACCEPT})
    if response.status_code != 200:
        raise ServiceError(f"HTTP error {response.status_code} for URL {response.url}")
    return response.json()["result"]


def pick_property(service: dict, typed: str, wanted_id: str) -> dict:
    """A user typing into the "As property" box and choosing a suggestion (else: "not mapped")."""
    for found in suggest(service, "property", typed):
        if found["id"] == wanted_id and found.get("name"):
            return {"id": found["id"], "name": found["name"]}
    raise ServiceError(f"Column is not mapped: {wanted_id!r} is not suggested for {typed!r}")


# ---------------------------------------------------------------------------- reconcile


def recon_query(text: str, type_id: str | None, properties: list[tuple[str, object]], limit: int = 0) -> dict:
    """StandardReconConfig.ReconQuery as Jackson writes it (properties and limit left out when empty)."""
    query: dict = {"query": text}
    if type_id is not None:
        query["type"] = type_id
        query["type_strict"] = "should"
    if properties:
        query["properties"] = [{"pid": pid, "v": v} for pid, v in properties]
    if limit:
        query["limit"] = limit
    return query


def property_value(cell) -> object:
    """StandardReconConfig.createJob: a matched cell is sent as {"id", "name"}, else its value."""
    if isinstance(cell, tuple) and cell[1].match is not None:
        return {"id": cell[1].match.id, "name": cell[1].match.name}
    return cell[0] if isinstance(cell, tuple) else cell


def batch_size(service: dict, row_count: int) -> int:
    """StandardReconConfig.getBatchSize(rowCount) with the batchSize the panel took from the manifest."""
    size = service.get("batchSize") if isinstance(service.get("batchSize"), int) else DEFAULT_BATCH_SIZE
    return min(max(row_count // DEFAULT_BATCH_SIZE, DEFAULT_BATCH_SIZE), size)


def reconcile_column(service: dict, texts: list[str], type_id: str | None,
                     details: list[tuple[dict, list]] = (), auto_match: bool = True,
                     limit: int = 0) -> list[Recon]:
    """ReconOperation over StandardReconConfig: batches of queries q0..qN, answers read per key."""
    jobs = []
    for row, text in enumerate(texts):
        properties = [(prop["id"], property_value(cells[row])) for prop, cells in details
                      if _non_blank(cells[row])]
        jobs.append((text, recon_query(text, type_id, properties, limit)))
    recons: list[Recon] = []
    size = batch_size(service, len(texts))
    for start in range(0, len(jobs), size):
        recons += batch_recon(service, jobs[start:start + size], type_id, auto_match)
    return recons


def batch_recon(service: dict, jobs: list[tuple[str, dict]], type_id: str | None,
                auto_match: bool) -> list[Recon]:
    """StandardReconConfig.batchRecon: one POST of `queries`; a failed call errs every cell of it."""
    queries = "{" + ",".join(f'"q{i}":{json.dumps(q)}' for i, (_, q) in enumerate(jobs)) + "}"
    try:
        answer = json.loads(post_name_value(service["url"], "queries", queries))
    except (ServiceError, ValueError) as exc:
        return [Recon(error=str(exc)) for _ in jobs]
    recons = []
    for i, _job in enumerate(jobs):
        entry = answer.get(f"q{i}")
        if not isinstance(entry, dict) or not isinstance(entry.get("result"), list):
            recons.append(Recon(error=f"no result for q{i}"))
            continue
        results = sorted(entry["result"], key=lambda r: -r["score"])  # stable, like List.sort
        candidates = [Candidate(r["id"], r["name"], [t["id"] for t in r.get("type", [])], r["score"],
                                bool(r.get("match", False))) for r in results]
        recon = Recon(candidates)
        if auto_match and candidates and candidates[0].match:
            recon.match = candidates[0]
        recons.append(recon)
    return recons


def _non_blank(cell) -> bool:
    value = cell[0] if isinstance(cell, tuple) else cell
    return value is not None and str(value).strip() != ""


# ---------------------------------------------------------------------------- preview and view


def preview_url(service: dict, entity_id: str) -> str:
    """recon-renderer.js: encodeURI(preview.url.replace("{{id}}", id)), framed with sandbox=""."""
    return encode_uri(service["preview"]["url"].replace("{{id}}", entity_id, 1))


def view_url(service: dict, entity_id: str) -> str:
    """recon-renderer.js: the link on a matched cell."""
    return encode_uri(service["view"]["url"].replace("{{id}}", entity_id, 1))


def url_column_value(service: dict, entity_id: str) -> str:
    """menu-reconcile.js "Add column with URLs of matched entities": escape(id, "url") in GREL."""
    return service["view"]["url"].replace("{{id}}", quote(entity_id, safe=""), 1)


# ---------------------------------------------------------------------------- data extension


def propose_properties(service: dict, type_id: str) -> list[dict]:
    """add-column-by-reconciliation.js getAllProperties: `url + "?type=" + typeID`, unencoded."""
    endpoint = service["extend"]["propose_properties"]
    data = browser_get_json(endpoint["service_url"] + endpoint["service_path"] + "?type=" + type_id)
    return sorted(({"id": p["id"], "name": p["name"]} for p in data["properties"]),
                  key=lambda p: p["name"])


def extend_call(service: dict, ids: list[str], properties: list[dict]) -> tuple[list[dict], dict]:
    """ReconciledDataExtensionJob.extend: POST `extend` to the service URL; read meta, then rows."""
    query = {"ids": [i for i in ids if i is not None], "properties": [{"id": p["id"]} for p in properties]}
    answer = json.loads(post_name_value(service["url"], "extend", json.dumps(query)))
    columns = [{"id": c["id"], "name": c["name"], "type": c.get("type")} for c in answer["meta"]]
    rows = answer.get("rows") if isinstance(answer.get("rows"), dict) else {}
    return columns, {i: collect_result(columns, rows[i]) for i in ids
                     if i is not None and isinstance(rows.get(i), dict)}


def collect_result(columns: list[dict], record: dict) -> list[list]:
    """ReconciledDataExtensionJob.collectResult: a grid of values, one list per value index."""
    grid: list[list] = []
    for col, column in enumerate(columns):
        values = record.get(column["id"])
        if not isinstance(values, list):
            continue
        for row, value in enumerate(values):
            if not isinstance(value, dict):
                continue
            if "id" in value:
                cell = Candidate(value["id"], value["name"], value.get("type") or [], 100, True)
            else:
                cell = next((value[k] for k in ("str", "float", "int", "date", "bool") if k in value),
                            None)
                if cell is None:
                    continue
            while row >= len(grid):
                grid.append([None] * len(columns))
            grid[row][col] = cell
    return grid


def preview_extension(service: dict, matched: list[Candidate | None], properties: list[dict]) -> dict:
    """PreviewExtendDataCommand: one call with every id of the visible page, then its table."""
    ids = list(dict.fromkeys(m.id for m in matched if m is not None))
    columns, found = extend_call(service, ids, properties)
    rows: list[list] = []
    for match in matched:
        grid = found.get(match.id) if match is not None else None
        if grid:
            for n, values in enumerate(grid):
                rows.append([match.name if n == 0 else None, *values])
        else:
            rows.append([match if match is not None else "<not reconciled>"])
    return {"code": "ok", "columns": columns, "rows": rows}


def extend_column(service: dict, matched: list[Candidate | None], properties: list[dict]) -> dict[str, list]:
    """ExtendDataOperation: the ids of ten rows per call; an error in a call stops the operation."""
    found: dict[str, list] = {}
    columns: list[dict] = []
    ids = [m.id for m in matched if m is not None]
    start = 0
    while start < len(ids):
        batch: list[str] = []
        while start < len(ids) and len(set(batch)) < EXTEND_IDS_PER_CALL:
            batch.append(ids[start])
            start += 1
        columns, grids = extend_call(service, list(dict.fromkeys(batch)), properties)
        found.update(grids)
    return {"columns": columns, "rows": found}
