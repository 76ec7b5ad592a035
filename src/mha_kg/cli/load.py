"""`mha-kg load --store URL`: push the dataset to another SPARQL engine (see remote.py)."""

from __future__ import annotations

from pathlib import Path

import click

from ..build import dataset, store
from ..errors import KGError
from ..query import remote
from .options import with_settings


@click.command("load")
@click.option("--store", "store_url", required=True,
              help="Query endpoint of the remote engine, e.g. http://127.0.0.1:7878/query.")
@click.option("--gsp", default=None,
              help="Its Graph Store Protocol endpoint (default: the store_gsp setting, or /store "
                   "beside an Oxigraph /query).")
@click.option("--default-graph", is_flag=True,
              help="Also copy every triple into the default graph, for engines that ignore the "
                   "protocol's default-graph-uri (mha-kg names the project's graphs in every query).")
@with_settings
def command(settings, store_url, gsp, default_graph):
    """Build the dataset (validated, with its closure) and PUT every named graph to a remote store.

    A store that asks for a login gets the store_user and store_password
    settings (digest or basic); give the password in MHA_KG_STORE_PASSWORD
    or a --config file, never on the command line.

    \b
    Examples:
      oxigraph serve --location db --bind 127.0.0.1:7878 &
      mha-kg load --store http://127.0.0.1:7878/query
      mha-kg serve --store http://127.0.0.1:7878/query
    \b
      read -rs MHA_KG_STORE_PASSWORD; export MHA_KG_STORE_PASSWORD
      MHA_KG_STORE_USER=dba mha-kg load --store http://127.0.0.1:8890/sparql \\
        --gsp http://127.0.0.1:8890/sparql-graph-crud-auth
    """
    settings["store"] = store_url
    if gsp:
        settings["store_gsp"] = gsp
    endpoint = remote.gsp_endpoint(settings)
    info = store.ensure(dataset.project_inputs(settings), Path(settings["state_dir"]),
                        lambda line: click.echo(line, err=True))
    pushed = remote.push(info.path, settings, default_graph=default_graph,
                         log=lambda line: click.echo(line, err=True))
    if not pushed:
        raise KGError("the dataset has no named graphs to load")
    click.echo(f"loaded {sum(p.triples for p in pushed)} triples in {len(pushed)} graphs into {endpoint}")
