"""The `mha-kg` command: one click group, each command a few lines over the service layer.

Mistakes the user can fix end with a one-line reason on stderr and exit
code 1 (2 for usage errors, as click does); never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .. import __version__
from .. import settings as settings_mod
from ..build import dataset, store
from ..errors import KGError
from ..query import formats
from .curate import curator, source
from .link import enrich_command, link
from .load import command as load_command
from .options import with_settings
from .reconcile import command as reconcile_command


class Group(click.Group):
    """Turns a KGError anywhere below into a one-line message and exit 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KGError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            sys.exit(130)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="mha-kg")
def cli():
    """The Midlands Health Alliance knowledge graph: validate, query, export and serve it.

    \b
    Examples:
      mha-kg validate
      mha-kg query 'SELECT ?name WHERE { ?o a <http://www.w3.org/ns/org#Organization> ;
                    <https://schema.org/name> ?name } ORDER BY ?name'
      mha-kg export --format jsonld > mha.jsonld
      mha-kg serve --port 8000
    """


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text",
              help="text for people, json or turtle (the SHACL report graph) for programs.")
@with_settings
def validate(settings, fmt):
    """Validate the dataset (with its OWL-RL closure) against the SHACL shapes.

    Exit code 0 when it conforms, 1 when it does not.
    """
    inputs = dataset.project_inputs(settings)
    data, _ = store.prepare(inputs)
    report = store.check(inputs, data)
    if fmt == "json":
        click.echo(report.json())
    elif fmt == "turtle":
        click.echo(report.graph.serialize(format="turtle"))
    else:
        click.echo(report.text())
    sys.exit(0 if report.conforms else 1)


@cli.command()
@click.argument("text", required=False)
@click.option("-f", "--file", "path", type=click.File("r"),
              help="Read the query from a file ('-' for stdin).")
@click.option("--format", "fmt", default=None,
              help="table, json, xml, csv, tsv for SELECT/ASK; turtle, jsonld, ntriples, rdfxml for "
                   "CONSTRUCT/DESCRIBE.")
@click.option("--timeout", type=int, default=None, help="Stop after this many milliseconds.")
@with_settings
def query(settings, text, path, fmt, timeout):
    """Run a SPARQL query from an argument, a file or stdin.

    \b
    Examples:
      mha-kg query 'ASK { ?s ?p ?o }'
      mha-kg query -f question.rq --format csv
      echo 'SELECT * WHERE { ?s ?p ?o } LIMIT 3' | mha-kg query
    """
    from ..curate.writes import open_graph
    from .terminal import table

    if path is not None:
        text = path.read()
    elif text is None or text == "-":
        if sys.stdin.isatty():
            raise KGError("give a query as an argument, with --file, or on stdin")
        text = sys.stdin.read()
    kg = open_graph(settings, log=lambda _: None)
    try:
        result = kg.query(text, time_limit_ms=timeout)
    finally:
        kg.close()
    if result.kind == "graph":
        chosen = formats.by_name(fmt or "turtle")
        formats.ensure_kind(chosen, "graph")
        sys.stdout.buffer.write(formats.write_triples(result.triples, chosen, kg.prefixes))
        return
    if fmt in (None, "table"):
        click.echo(table(result, kg.prefixes))
        return
    chosen = formats.by_name(fmt)
    formats.ensure_kind(chosen, "results")
    sys.stdout.buffer.write(formats.write_results(result, chosen))


@cli.command()
@click.option("--format", "fmt", default="turtle",
              help="turtle, jsonld, ntriples, rdfxml, trig or nquads (named graphs kept).")
@click.option("--inferred", is_flag=True, help="Add the OWL-RL closure.")
@click.option("--framed", is_flag=True,
              help="JSON-LD as one object per organisation, person and project, with what each uses "
                   "embedded.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout.")
@with_settings
def export(settings, fmt, inferred, framed, output):
    """Export the dataset in an RDF format."""
    from ..curate.writes import open_graph
    from ..publish.exports import export as do_export
    from ..publish.exports import framed_jsonld

    chosen = formats.by_name(fmt)
    formats.ensure_kind(chosen, "graph")
    if framed and chosen.name != "jsonld":
        raise KGError("--framed goes with --format jsonld")
    kg = open_graph(settings, log=lambda _: None)
    try:
        body = framed_jsonld(kg, inferred) if framed else do_export(kg, chosen, inferred=inferred)
    finally:
        kg.close()
    if output:
        output.write_bytes(body)
    else:
        sys.stdout.buffer.write(body)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@with_settings
def stats(settings, as_json):
    """Triples per graph, classes and properties used, entities by type."""
    from ..curate.writes import open_graph
    from .terminal import shorten

    kg = open_graph(settings, log=lambda _: None)
    try:
        numbers = kg.stats()
    finally:
        kg.close()
    if as_json:
        click.echo(json.dumps(numbers, indent=2))
        return
    click.echo(f"{numbers['triples']} triples")
    for heading, key in (("Graphs", "graphs"), ("Entities by type", "entities_by_type"),
                         ("Properties", "properties")):
        click.echo(f"\n{heading}:")
        for name, count in numbers[key].items():
            click.echo(f"  {count:>7}  {shorten(name, kg.prefixes)}")


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("-h", "--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", default=8000, show_default=True, type=int,
              help="Port to listen on; 0 picks a free one.")
@click.option("--store", "store_url", default=None, help="Run over a remote SPARQL endpoint.")
@click.option("--get", "get_path", default=None,
              help="Print the response to this path without starting a server; exit 1 on an error.")
@click.option("--help-settings", is_flag=True, help="List the settings and exit.")
@with_settings
def serve(settings, files, host, port, store_url, get_path, help_settings):
    """Serve the SPARQL endpoint and the linked-data site.

    With FILES (any RDF format rdflib reads), serve those instead of the
    shipped dataset, with the same endpoint, pages and limits.

    \b
    Examples:
      mha-kg serve
      mha-kg serve --port 0 --setting sparql_time_limit_ms 5000
      mha-kg serve my-data.ttl other.jsonld
      mha-kg serve --get /sparql?query=ASK%7B%7D
    """
    if help_settings:
        for s in settings_mod.SETTINGS:
            click.echo(f"{s.name:24} {s.default!r:28} {s.help}")
        return
    from ..web.server import get, run

    if store_url:
        settings["store"] = store_url
    if get_path:
        status, body = get(settings, files, get_path)
        sys.stdout.buffer.write(body)
        sys.exit(0 if status < 400 else 1)
    run(settings, files, host, port)


@cli.command()
@click.argument("version")
@with_settings
def release(settings, version):
    """Make release VERSION: dumps in every format, SHA-256 sums, a changelog against the previous one.

    VERSION is MAJOR.MINOR.PATCH and only goes up; `auto` picks it from the
    changelog (removals or merges: MAJOR, additions: MINOR, other changes:
    PATCH). A release never changes: making one twice is refused.

    \b
    Examples:
      mha-kg release 1.0.0
      mha-kg release auto
      mha-kg release 1.1.0 --project .    (a checkout: releases go to its data/releases/)
    """
    from ..curate.release import make
    from ..curate.writes import open_graph

    kg = open_graph(settings, log=lambda _: None)
    try:
        made = make(kg, version)
    finally:
        kg.close()
    counts = made.changelog.counts()
    click.echo(f"Release {made.version} in {dataset.display_path(made.path)}: {len(made.files)} files "
               f"(checksums in SHA256SUMS); {counts['added']} added, {counts['removed']} removed, "
               f"{counts['merged']} merged, {counts['changed']} changed, "
               f"{counts['changesets']} curated change(s) since {made.previous or 'the start'}.")


@cli.command()
@click.option("--dry-run", is_flag=True, help="Name the files that would change; change nothing.")
@with_settings
def writeback(settings, dry_run):
    """Fold curated writes (SPARQL Update, Graph Store) back into the Turtle files.

    Unchanged subjects keep their text and comments; changed ones are
    rewritten in place with the file's prefixes; new ones go to
    curated-writes.ttl; each change's history to data/changes/<id>.trig.
    Refused while a server with a write token runs on the same state.
    """
    from ..curate.writeback import writeback as do_writeback

    if settings_mod.is_shipped(settings["project_dir"]):
        raise KGError("the data an installed package ships is read-only: writeback needs a checkout; "
                      "pass --project DIR")
    result = do_writeback(settings, dry_run=dry_run)
    if not result.changes:
        click.echo("Nothing to write back: no curated writes over these files.")
        return
    for path in result.changed:
        click.echo(f"{'would change' if dry_run else 'changed'} {dataset.display_path(path)}")
    if not result.changed:
        click.echo("The curated writes change no file.")


for _command in (link, enrich_command, load_command, reconcile_command, curator, source):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="mha-kg")
