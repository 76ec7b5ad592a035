"""Accepted edits: how long the editor's commit takes, on the shipped graph and at scale 100.

    python -m benchmarks.edits                          # 10 edits, shipped graph and scale 100
    python -m benchmarks.edits --scales shipped 100 1000 --edits 20
    python -m benchmarks.edits --whole                  # the whole rebuild, for comparison

Each edit renames one organisation (its rdfs:label and schema:name, as the
editor's form does) through `curate.writes.commit_change`, the call the
editor makes, over a fresh state folder: normalising, the changeset file,
the store made for the new journal and validated, the journal appended, the
served store switched. The fast path (curate.writes._derived: the closure
updated and the shapes run around the change, a new store that hard-links
the served one's table files) is what commits; `--whole` forces the whole
rebuild every commit (parse, full closure, full validation, a new RocksDB
store), the path every commit took before. Reports p50 and max per scale, with
the machine's load average; docs/curating.md and docs/performance.md keep the
figures.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from mha_kg import settings as settings_mod
from mha_kg.curate import writes

from . import generate
from .load import percentile

ROOT = Path(__file__).resolve().parents[1]
RENAMEABLE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX schema: <https://schema.org/>
SELECT ?o ?name ?g WHERE { GRAPH ?g { ?o a <https://w3id.org/mha-kg/def/University> ;
                                        rdfs:label ?name ; schema:name ?name } }
ORDER BY ?o LIMIT %d"""
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
NAME = ox.NamedNode("https://schema.org/name")


def measure(project: Path, edits: int) -> dict:
    """Latencies of `edits` renames committed one after another over a fresh state folder."""
    with tempfile.TemporaryDirectory() as state:
        settings = settings_mod.load({"project_dir": str(project), "state_dir": state,
                                      "write_token": "benchmark"}, environ={})
        started = time.perf_counter()
        kg = writes.open_graph(settings, log=lambda _: None, writer=True)
        opened = time.perf_counter() - started
        try:
            rows = list(kg.engine.store.query(RENAMEABLE % edits))
            latencies, paths = [], set()
            for number, row in enumerate(rows):
                old, new = row["name"], ox.Literal(f"{row['name'].value} (renamed {number})")
                graph = row["g"]
                removed = [ox.Quad(row["o"], p, old, graph) for p in (LABEL, NAME)]
                added = [ox.Quad(row["o"], p, new, graph) for p in (LABEL, NAME)]
                begun = time.perf_counter()
                writes.commit_change(kg, added, removed, writes.Meta(curator="Benchmark"))
                latencies.append((time.perf_counter() - begun) * 1000)
                paths.add("fast" if "derive" in kg.build.seconds else "whole")
            triples = kg.build.triples
        finally:
            kg.close()
    return {"triples": triples, "open_s": round(opened, 2), "edits": len(latencies),
            "committed_by": sorted(paths), "p50_ms": round(percentile(latencies, 0.5)),
            "max_ms": round(max(latencies)), "min_ms": round(min(latencies))}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["shipped", "100"])
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--whole", action="store_true", help="rebuild the whole store at each commit")
    args = parser.parse_args(argv)
    if args.whole:
        writes.FAST_PATH_MAX_QUADS = -1  # no change is small enough: every commit rebuilds
    results = {"load_average_before": round(os.getloadavg()[0], 1), "whole": args.whole, "scales": {}}
    with tempfile.TemporaryDirectory() as scratch:
        for scale in args.scales:
            project = ROOT if scale == "shipped" else generate.write_project(
                float(scale), Path(scratch) / f"scale-{scale}")
            results["scales"][scale] = measure(project, args.edits)
    results["load_average_after"] = round(os.getloadavg()[0], 1)
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
