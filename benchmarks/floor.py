"""The floor of the design: Flask on waitress answering from in-process pyoxigraph, with no checks.

    python -m benchmarks.floor --store STATE/stores/<id> --port 8001

No query limits, no worker processes, no negotiation beyond JSON results or
N-Triples graphs, no parameter checks: what a Flask endpoint over the same
store costs at the least. benchmarks/run.py measures it beside mha-kg (same
store, same waitress thread count) so mha-kg's throughput can be read
against it: the issue asks for at least 0.8x of it at scale 1.
"""

from __future__ import annotations

import argparse

import pyoxigraph as ox
from flask import Flask, Response, request

from mha_kg.settings import setting

_RESULTS = "application/sparql-results+json"


def create_app(store: ox.Store) -> Flask:
    app = Flask(__name__)

    @app.route("/sparql", methods=["GET", "POST"])
    def sparql() -> Response:
        answer = store.query(request.values["query"], use_default_graph_as_union=True)
        if isinstance(answer, ox.QueryTriples):
            return Response(answer.serialize(format=ox.RdfFormat.N_TRIPLES), mimetype="application/n-triples")
        return Response(answer.serialize(format=ox.QueryResultsFormat.JSON), mimetype=_RESULTS)

    return app


def main(argv=None) -> None:
    import waitress

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="An Oxigraph store folder (opened read-only).")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=setting("threads").default,
                        help="waitress threads (mha-kg's default).")
    args = parser.parse_args(argv)
    waitress.serve(create_app(ox.Store.read_only(args.store)), host="127.0.0.1", port=args.port,
                   threads=args.threads, ident="floor")


if __name__ == "__main__":
    main()
