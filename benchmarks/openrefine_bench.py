"""OpenRefine's calls against `mha-kg serve`: how long each step of the flow takes.

    python -m benchmarks.openrefine_bench [--repeat 15]

Starts `mha-kg serve` on the shipped graph and times, with the calls of
tests/openrefine.py (OpenRefine's own methods, paths and encodings): guessing
types, a batch of 50 queries with a type, property proposals with the type
cut at "#", an extension call of ten ids (what "Add columns from reconciled
values" sends per call) and the preview of a page of 1000 ids, each with
eight properties. Prints the median and the slowest in milliseconds as JSON;
docs/reconciliation.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests import openrefine as orf

from benchmarks.servers import ROOT, start_mha_kg

ORGANISATION = "http://www.w3.org/ns/org#Organization"
NAMES = ["University of Warwick", "Univ. of Leicester", "Keele University", "WMG",
         "Health Data Research UK Midlands", "University of Nottingham", "Aston University",
         "Midlands Innovation", "University of Birmingham", "Loughborough University",
         "NIHR Health Informatics Collaborative", "Midlands Engine"]
PROPERTIES = [{"id": p} for p in ("ror", "wikidata", "parent", "members", "people", "posts", "city", "name")]


def timed(call: Callable[[], object], repeat: int) -> dict[str, float]:
    """Median and slowest of `repeat` runs, in milliseconds."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(runs), 1), "max_ms": round(max(runs), 1)}


def measure(service_url: str, repeat: int) -> dict[str, dict[str, float]]:
    service = orf.register(service_url)
    matched = [r.match.id for r in orf.reconcile_column(service, NAMES, ORGANISATION) if r.match]
    page = matched + [f"organisation/row-{i}" for i in range(1000 - len(matched))]
    batch = [(n, orf.recon_query(n, ORGANISATION, [])) for n in (NAMES * 5)[:50]]
    return {
        "guess types (10 names)": timed(lambda: orf.guess_types(service, NAMES), repeat),
        "reconcile a batch of 50 queries": timed(lambda: orf.batch_recon(service, batch, ORGANISATION, True),
                                                 repeat),
        "propose properties (type cut at #)": timed(lambda: orf.propose_properties(service, ORGANISATION),
                                                    repeat),
        "extend 10 ids x 8 properties": timed(lambda: orf.extend_call(service, matched[:10], PROPERTIES),
                                              repeat),
        "preview: extend 1000 ids x 8 properties": timed(lambda: orf.extend_call(service, page, PROPERTIES),
                                                         repeat),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="Runs of each call (the median is reported).")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mha-kg-openrefine-") as work:
        server = start_mha_kg(ROOT, Path(work) / "state", Path(work), timeout=600)
        try:
            figures = measure(server.url.removesuffix("/sparql") + "/reconcile", args.repeat)
        finally:
            server.stop()
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
