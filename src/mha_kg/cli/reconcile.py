"""`mha-kg reconcile INPUT.csv --column NAME`: OpenRefine's reconcile-and-extend flow, offline.

Reads a CSV, reconciles one column against the graph (the same service
functions as /reconcile), and writes the CSV back with id, name, score and
match columns, plus one column per --extend property (several values joined
with " | "). `--property COLUMN=PID` sends another column with each query, as
OpenRefine's "Also use relevant details from other columns" does.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from ..errors import KGError
from ..find import reconcile
from .options import with_settings

OUTPUT_COLUMNS = ("id", "name", "score", "match")


@click.command("reconcile")
@click.argument("input_csv", metavar="INPUT.csv",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--column", required=True, help="The column holding the names to reconcile.")
@click.option("--type", "type_", default=None,
              help="Only candidates of this type (an IRI or prefixed name, e.g. org:Organization).")
@click.option("--property", "properties", multiple=True, metavar="COLUMN=PID",
              help="Send another column as a query property (repeatable), e.g. City=city or "
                   "Parent=parent; the ids are those of /reconcile/suggest/property.")
@click.option("--extend", "extend_", default="",
              help="Properties to add as columns, comma separated (e.g. ror,wikidata,parent); "
                   "see /reconcile/suggest/property.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of stdout.")
@with_settings
def command(settings, input_csv, column, type_, properties, extend_, output):
    """Reconcile a CSV column of names against the graph and add ids and properties.

    Adds the columns id (the entity IRI), name, score (0-100) and match
    (true only when certain), then one column per --extend property.

    \b
    Examples:
      mha-kg reconcile partners.csv --column Organisation
      mha-kg reconcile people.csv --column Name --type foaf:Person --extend worksFor,personPosts
      mha-kg reconcile units.csv --column Unit --property University=parent --property Town=city
      mha-kg reconcile trusts.csv --column name --extend ror,wikidata,parent -o matched.csv
    """
    from ..curate.writes import open_graph
    from ..find.extension import lookup

    header, rows = _read(input_csv, column)
    details = _query_properties(properties, header)
    extensions = [lookup(p.strip()) for p in extend_.split(",") if p.strip()]
    names = _fresh_names(header, [*OUTPUT_COLUMNS, *(p.id for p in extensions)])
    kg = open_graph(settings, log=lambda _: None)
    try:
        found = _reconcile_rows(kg, rows, column, type_, details)
        extra = _extend(kg, found, extensions)
    finally:
        kg.close()
    handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow([*header, *names])
        for row, best in zip(rows, found, strict=True):
            values = [best["iri"], best["name"], best["score"], str(best["match"]).lower()] if best else \
                ["", "", "", "false"]
            values += [extra.get(best["iri"], {}).get(p.id, "") if best else "" for p in extensions]
            writer.writerow([*(row.get(h, "") for h in header), *values])
    finally:
        if output:
            handle.close()


def _read(path: Path, column: str) -> tuple[list[str], list[dict]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            if column not in header:
                known = ", ".join(header) or "(none)"
                raise KGError(f"{path}: no column {column!r}; the columns are {known}")
            return header, list(reader)
    except UnicodeDecodeError:
        raise KGError(f"{path}: not a UTF-8 CSV file") from None
    except csv.Error as exc:
        raise KGError(f"{path}: not a readable CSV file: {exc}") from None


def _query_properties(given: tuple[str, ...], header: list[str]) -> list[tuple[str, str]]:
    """`COLUMN=PID` pairs, checked: the column must exist and the property be one the service scores."""
    pairs = []
    for item in given:
        name, sep, pid = item.rpartition("=")
        if not sep or not name:
            raise KGError(f"--property {item!r}: write it as COLUMN=PID, e.g. City=city")
        if name not in header:
            raise KGError(f"--property {item!r}: no column {name!r}; the columns are {', '.join(header)}")
        if pid not in reconcile.SCORING_PROPERTIES:
            known = ", ".join(reconcile.SCORING_PROPERTIES)
            raise KGError(f"--property {item!r}: {pid!r} is not a query property; use one of {known}")
        pairs.append((name, pid))
    return pairs


def _fresh_names(header: list[str], wanted: list[str]) -> list[str]:
    """The new columns' names, prefixed with "reconciled " where the input already has that name."""
    return [f"reconciled {n}" if n in header else n for n in wanted]


def _reconcile_rows(kg, rows: list[dict], column: str, type_: str | None,
                    details: list[tuple[str, str]] = ()) -> list[dict | None]:
    """The best candidate of each row (None for an empty cell or no candidate), with a progress bar."""
    found: list[dict | None] = []
    types = [type_] if type_ else []
    with click.progressbar(rows, label="Reconciling", file=sys.stderr,
                           show_pos=True) if len(rows) >= 50 else _plain(rows) as bar:
        for row in bar:
            text = (row.get(column) or "").strip()
            sent = [(pid, [row[name].strip()]) for name, pid in details if (row.get(name) or "").strip()]
            best = reconcile.reconcile(kg, reconcile.Query(text, types, 1, sent))[:1] if text else []
            found.append({**best[0], "iri": reconcile.iri_of(kg, best[0]["id"])} if best else None)
    return found


class _plain:
    """A stand-in for the progress bar on short files."""

    def __init__(self, rows):
        self.rows = rows

    def __enter__(self):
        return self.rows

    def __exit__(self, *exc):
        return False


def _extend(kg, found: list[dict | None], properties) -> dict[str, dict[str, str]]:
    """Each reconciled IRI's chosen properties, values joined with " | " (names for entities)."""
    iris = sorted({f["iri"] for f in found if f})
    if not properties or not iris:
        return {}
    table = reconcile.extend(kg, iris, [{"id": p.id} for p in properties])
    return {iri: {pid: " | ".join(str(v.get("name") or next(iter(v.values()))) for v in values)
                  for pid, values in columns.items()}
            for iri, columns in table["rows"].items()}
