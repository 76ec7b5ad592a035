"""Search and reconciliation: accuracy on the labelled messy names, speed and index size.

    python -m benchmarks.search_bench                 # the shipped graph
    python -m benchmarks.search_bench --scale 10 100  # synthetic graphs (benchmarks/generate.py)

Prints top-1 accuracy and the precision and recall of `match: true` on
tests/fixtures/reconcile/messy-names.csv, the time to answer a batch of 100
reconciliation queries, and the index's build time and memory (tracemalloc)
at each scale, wall and CPU time (the CPU figure holds on a shared machine).
`main()` returns the numbers as a dict for benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "fixtures" / "reconcile" / "messy-names.csv"


def labelled() -> list[dict]:
    with LABELLED.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def evaluate(kg, rows: list[dict] | None = None) -> dict:
    """Top-1 accuracy over names with an answer; precision/recall of match: true over all rows."""
    from mha_kg.find import reconcile

    rows = rows if rows is not None else labelled()
    positives = [r for r in rows if r["expected"]]
    correct_top, matched_right, matched_wrong, misses = 0, 0, 0, []
    for row in rows:
        query = reconcile.Query(row["query"], [row["type"]] if row["type"] else [], 5)
        found = reconcile.reconcile(kg, query)
        top = found[0]["id"] if found else None
        if row["expected"] and top == row["expected"]:
            correct_top += 1
        elif row["expected"]:
            misses.append({"query": row["query"], "expected": row["expected"], "got": top})
        for candidate in found:
            if candidate["match"]:
                if candidate["id"] == row["expected"]:
                    matched_right += 1
                else:
                    matched_wrong += 1
                    misses.append({"query": row["query"], "false_match": candidate["id"]})
    lookalike_top = [reconcile.reconcile(kg, reconcile.Query(r["query"], [], 1)) for r in rows
                     if not r["expected"]]
    return {
        "names": len(positives),
        "lookalikes": len(rows) - len(positives),
        "top1_accuracy": round(correct_top / len(positives), 4),
        "match_precision": round(matched_right / (matched_right + matched_wrong), 4)
        if matched_right + matched_wrong else 1.0,
        "match_recall": round(matched_right / len(positives), 4),
        "false_matches": matched_wrong,
        "lookalike_top_score_max": max((f[0]["score"] for f in lookalike_top if f), default=0.0),
        "misses": misses,
    }


def batch_seconds(kg, size: int = 100) -> dict:
    """Wall and CPU time of one batch of `size` reconciliation queries (the labelled names, cycled).

    The CPU time is this process's alone: on a machine shared with other work it is the
    figure to compare between runs; the wall time is what a client waits.
    """
    from mha_kg.find import reconcile, search

    search.index_for(kg)  # built before the clock starts, as a running server has it
    rows = labelled()
    queries = {f"q{i}": reconcile.Query(rows[i % len(rows)]["query"]) for i in range(size)}
    started, cpu = time.perf_counter(), time.process_time()
    reconcile.reconcile_batch(kg, queries)
    return {"batch_100_s": round(time.perf_counter() - started, 4),
            "batch_100_cpu_s": round(time.process_time() - cpu, 4)}


def index_cost(kg) -> dict:
    """Collecting the records from the store, then building the index: seconds (wall and CPU),
    then peak MiB in a second build under tracemalloc (which slows allocation several times)."""
    from mha_kg.find import search

    started, cpu = time.perf_counter(), time.process_time()
    records = search.collect(kg)
    collected, collected_cpu = time.perf_counter() - started, time.process_time() - cpu
    cpu = time.process_time()
    index = search.Index(records)
    build_cpu = time.process_time() - cpu
    tracemalloc.start()
    search.Index(search.collect(kg))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"entities": len(index), "variants": len(index.variants), "collect_s": round(collected, 3),
            "collect_cpu_s": round(collected_cpu, 3), "build_s": round(index.build_seconds, 3),
            "build_cpu_s": round(build_cpu, 3), "peak_mib": round(peak / 2**20, 1)}


def compare(kg) -> dict:
    """Top-1 accuracy and time of plain scorers over the same normalised names, against ours.

    Each baseline ranks every entity by its best-scoring name (names, alternate names,
    "given family") after the same normalisation; this is the measurement behind the
    choice of rapidfuzz and of the blended score (docs/search.md).
    """
    import difflib

    from rapidfuzz import fuzz

    from mha_kg.find import search

    index = search.index_for(kg)
    names = [(r.iri, search.key(n)) for r in index.records
             for n in r.names.get("name", []) + r.names.get("alt", [])]
    names += [(r.iri, search.key(f"{g} {f}")) for r in index.records
              for g in r.names.get("given", []) for f in r.names.get("family", [])]
    positives = [r for r in labelled() if r["expected"]]
    base = f"{kg.base}/id/"
    scorers = {
        "difflib.SequenceMatcher": lambda a, b: difflib.SequenceMatcher(None, a, b).ratio(),
        "rapidfuzz.ratio": fuzz.ratio, "rapidfuzz.WRatio": fuzz.WRatio,
        "rapidfuzz.token_sort_ratio": fuzz.token_sort_ratio,
        "rapidfuzz.token_set_ratio": fuzz.token_set_ratio,
    }
    results = {}
    for label, scorer in scorers.items():
        started, right = time.perf_counter(), 0
        for row in positives:
            query = search.key(row["query"])
            best = max(names, key=lambda item, q=query: scorer(q, item[1]))
            right += best[0] == base + row["expected"]
        results[label] = {"top1": round(right / len(positives), 4),
                          "ms_per_query": round((time.perf_counter() - started) * 1000 / len(positives), 3)}
    started, right = time.perf_counter(), 0
    for row in positives:
        hits = index.search(row["query"], [], 1)
        right += bool(hits) and hits[0].record.iri == base + row["expected"]
    results["mha_kg.search (blended)"] = {
        "top1": round(right / len(positives), 4),
        "ms_per_query": round((time.perf_counter() - started) * 1000 / len(positives), 3)}
    return results


def measure(settings: dict) -> dict:
    from mha_kg.kg import KnowledgeGraph

    kg = KnowledgeGraph.open(settings, log=lambda _: None)
    try:
        return {**index_cost(kg), **batch_seconds(kg)}
    finally:
        kg.close()


def main(scales: list[float] | None = None) -> dict:
    from mha_kg import settings as settings_mod
    from mha_kg.kg import KnowledgeGraph

    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        shipped = settings_mod.load({"state_dir": f"{tmp}/state"}, environ={})
        kg = KnowledgeGraph.open(shipped, log=lambda _: None)
        try:
            results["accuracy"] = evaluate(kg)
            results["scorers"] = compare(kg)
        finally:
            kg.close()
        results["shipped"] = measure(shipped)
        for scale in scales or []:
            from benchmarks.generate import write_project

            project = write_project(scale, Path(tmp) / f"scale-{scale}")
            results[f"scale {scale}"] = measure(settings_mod.load(
                {"project_dir": str(project), "state_dir": f"{tmp}/state-{scale}", "validate": False},
                environ={}))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, nargs="*", default=[], help="Synthetic scales to measure.")
    print(json.dumps(main(parser.parse_args().scale), indent=2))
