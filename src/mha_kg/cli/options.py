"""Options every `mha-kg` command shares: --setting and --config, resolved once."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from .. import settings as settings_mod

_settings_options = [
    click.option("--setting", "pairs", multiple=True, type=(str, str), metavar="NAME VALUE",
                 help="Set a setting (repeatable); see `mha-kg serve --help-settings`."),
    click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
                 help="A JSON file of settings."),
    click.option("--project", type=click.Path(file_okay=False, path_type=Path),
                 help="A checkout (or any folder with ontology/, data/ and shapes/) to work on instead of "
                      "the shipped data: the project_dir setting."),
]


def with_settings(command):
    """Add --setting/--config and pass the resolved settings as `settings`."""
    @functools.wraps(command)
    def wrapper(*args, pairs, config, project, **kwargs):
        if project is not None:
            pairs = (("project_dir", str(project.resolve())), *pairs)
        return command(*args, settings=settings_mod.load(pairs=pairs, config=config), **kwargs)

    for option in reversed(_settings_options):
        wrapper = option(wrapper)
    return wrapper
