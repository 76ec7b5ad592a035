"""`mha-kg curator add` and `mha-kg source check`: curators' tokens and the watch on the source page."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import with_settings


@click.group()
def curator():
    """Curators who may change the graph in the browser (their tokens are kept only as hashes)."""


@curator.command("add")
@click.argument("slug")
@click.argument("name")
@with_settings
def curator_add(settings, slug, name):
    """Add a curator and print their new token (shown once: hand it over privately).

    SLUG names the curator's IRI (<base>/id/curator/SLUG) and must be new to the
    curators file; NAME is shown in the history (two curators may share it).

    \b
    Example:
      mha-kg curator add ada-lovelace "Ada Lovelace"
    """
    from ..curate import curators

    who, token = curators.add(settings, slug, name)
    click.echo(f"Added curator {who.name} ({who.slug}) to {curators.curators_path(settings)}.", err=True)
    click.echo(token)


@click.group()
def source():
    """The source page: compare a new copy of its text with the one the graph was built from."""


@source.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A to-do list for people, or JSON.")
@click.option("--accept", is_flag=True, help="Make FILE the reference copy, as a recorded change.")
@click.option("--curator", "curator_slug", default=None, help="With --accept: the curator's slug.")
@click.option("--note", default="", help="With --accept: the change's source (default: the file name).")
@with_settings
def source_check(settings, file, fmt, accept, curator_slug, note):
    """List what changed in FILE, section by section, and the entities each section feeds.

    Exit code 0 when nothing changed, 3 when something did (a to-do for curators).

    \b
    Example:
      mha-kg source check ~/Downloads/associated-organisations.txt --format json
    """
    from ..curate import source as source_mod
    from ..curate.writes import open_graph

    kg = open_graph(settings, log=lambda _: None, writer=accept)  # accepting is a change: one writer
    try:
        report = source_mod.check(kg, file.read_text(encoding="utf-8"))
        if accept:
            change = source_mod.accept(kg, file.read_text(encoding="utf-8"),
                                       source_mod.curator_for(settings, curator_slug), note or str(file))
            click.echo(f"Accepted {file} as the reference copy: change {change.id}.", err=True)
    finally:
        kg.close()
    click.echo(json.dumps(report.to_json(), indent=1, ensure_ascii=False) if fmt == "json" else report.text())
    raise SystemExit(3 if report.changed and not accept else 0)
