"""The README and docs keep up with the code: settings, commands, example queries."""

from __future__ import annotations

import re

import click

from mha_kg.cli.main import cli
from mha_kg.query import catalogue
from mha_kg.settings import SETTINGS, markdown_table

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_settings_table_is_generated_from_the_settings():
    table = re.search(r"<!-- settings-table -->\n(.*?)\n<!-- /settings-table -->", README, re.S)
    assert table, "the README lost its settings table markers"
    assert table.group(1) == markdown_table(), "run: python -c 'from mha_kg.settings import markdown_table'"
    assert all(f"`{s.name}`" in table.group(1) for s in SETTINGS)


def test_every_command_is_in_the_readme():
    def names(group: click.Group, prefix: str = "mha-kg"):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from names(command, f"{prefix} {name}")
            else:
                yield f"{prefix} {name}"

    missing = [n for n in names(cli) if n not in README and n.rsplit(" ", 1)[0] + " " not in README]
    assert not missing


def test_readme_names_the_two_commands():
    assert "make serve" in README and "make test" in README


def test_every_example_query_is_documented():
    docs = README + "".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    for query in catalogue.load():
        assert query.title and query.description, query.name
    assert "/query/<name>" in README
    assert "/-/queries.json" in docs
