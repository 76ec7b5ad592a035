"""`make bench`: mha-kg serve, the Oxigraph server, the floor and rdflib-endpoint, side by side in one run.

For each scale: generate the synthetic project, start mha-kg cold (parse,
infer, validate, persist), dump what it serves as N-Quads, time cold starts of
mha-kg and the Oxigraph server in alternating pairs, restart mha-kg warm,
start the others on that file, then measure the p50 and p99 latency of
every query at concurrency 1 (mha-kg and Oxigraph in turns, request by
request, so both see the same moments of a shared machine), each server's
throughput of the mixed workload at concurrency 8 on its own, and the peak
resident memory (mha-kg: with its query workers). Results go to benchmarks/results/<date>.json, a table
between the markers of docs/performance.md, and docs/img/benchmark.png.

    python -m benchmarks.run                       # scales 1 and 100
    SCALES=1,100,1000 python -m benchmarks.run
    python -m benchmarks.run --scales 1000 --servers mha-kg,oxigraph   # the cold start at scale 1000
    python -m benchmarks.run --scales 0.2 --servers mha-kg --seconds 1 --no-docs   # the smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from . import driver, generate, report, servers

ROOT = Path(__file__).resolve().parents[1]
QUERIES = Path(__file__).resolve().parent / "queries"
SERVERS = ("mha-kg", "oxigraph", "floor", "rdflib-endpoint")


def load_queries() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(QUERIES.glob("*.rq"))}


def dump_nquads(state: Path, target: Path) -> int:
    """Everything mha-kg serves (every named graph, inferred included) as one N-Quads file."""
    store = ox.Store.read_only(str(servers.served_store(state)))
    store.dump(output=str(target), format=ox.RdfFormat.N_QUADS)
    return len(store)


#: Measured together, in turns (driver.latencies); the floor is Flask on waitress over mha-kg's store
#: with no checks (benchmarks/floor.py). rdflib-endpoint is measured on its own:
#: it goes on computing a query after its client gave up, which would slow the others.
TOGETHER = ("mha-kg", "oxigraph", "floor")


def measure(running: list[servers.Running], queries: dict[str, str], args) -> dict[str, dict]:
    """Latency of every query on these servers in turns, then their throughput, in turns too."""
    per_query: dict[str, dict] = {r.name: {} for r in running}
    for name, text in queries.items():
        for server, lat in zip(running, driver.latencies([r.url for r in running], text, args.samples,
                                                         args.budget, args.timeout), strict=True):
            per_query[server.name][name] = {"p50_ms": _round(lat.p50), "p99_ms": _round(lat.p99),
                                            "samples": len(lat.samples_ms), "timed_out": lat.timed_out,
                                            "errors": lat.errors}
            print(f"  {server.name:16} {name:32} p50 {_show(lat.p50)} p99 {_show(lat.p99)}"
                  + (" TIMEOUT" if lat.timed_out else "")
                  + (f" {lat.errors} errors" if lat.errors else ""), flush=True)
    mixes = {server.name: [text for name, text in queries.items()
                           if not per_query[server.name][name]["timed_out"]] or list(queries.values())
             for server in running}
    # cheap queries: the servers take turns in slices, so a slow spell of the shared machine falls
    # on all of them; slow ones (a slice would end inside a request): one run each
    slow = any((q["p50_ms"] or 0) > 100 for entries in per_query.values() for q in entries.values())
    rounds = 1 if slow or len(running) == 1 else args.rounds
    turns: dict[str, list[int]] = {server.name: [] for server in running}
    errors = dict.fromkeys(turns, 0)
    for _ in range(rounds):
        for server in running:
            load = driver.throughput(server.url, mixes[server.name], args.concurrency,
                                     args.seconds / rounds, args.timeout)
            turns[server.name].append(load["requests"])
            errors[server.name] += load["errors"]
    measured = {}
    for server in running:
        done = sum(turns[server.name])
        load = {"requests": done, "errors": errors[server.name], "seconds": args.seconds,
                "rounds": rounds, "turns": turns[server.name], "rps": round(done / args.seconds, 1)}
        print(f"  {server.name:16} throughput at concurrency {args.concurrency}: {load['rps']} req/s "
              f"({load['errors']} errors, {rounds} turns: {turns[server.name]})", flush=True)
        measured[server.name] = {"queries": per_query[server.name], "throughput": load}
    return measured


def run_scale(scale: float, args, queries: dict[str, str], work: Path) -> dict:
    project = generate.write_project(scale, work / "project", seed=args.seed)
    state = work / "state"
    shutil.rmtree(state, ignore_errors=True)
    result: dict = {"scale": scale, "servers": {}}
    print(f"scale {scale}: starting mha-kg (cold build)", flush=True)
    cold = servers.start_mha_kg(project, state, work)
    optimized = servers.wait_optimized(state)  # made beside serving; the warm start serves it
    cold.stop()
    build = json.loads((optimized / "build.json").read_text())
    result["triples"] = sum(build["graphs"].values())
    result["build_seconds"] = build["seconds"]
    nquads = work / "data.nq"
    dump_nquads(state, nquads)
    print(f"scale {scale}: {result['triples']} triples; build {build['seconds']}", flush=True)
    if {"mha-kg", "oxigraph"} <= set(args.servers) and args.cold_pairs:
        result["cold_pairs"] = cold_pairs(project, nquads, work, args.cold_pairs)
    starters = {"mha-kg": lambda: servers.start_mha_kg(project, state, work),  # the warm restart
                "oxigraph": lambda: servers.start_oxigraph(nquads, work),
                "floor": lambda: servers.start_floor(state, work),
                "rdflib-endpoint": lambda: servers.start_rdflib_endpoint(nquads, work)}
    together = [name for name in args.servers if name in TOGETHER]
    groups = [together] if together else []
    groups += [[name] for name in args.servers if name not in TOGETHER]
    for group in groups:
        running: list[servers.Running] = []
        try:
            for name in group:  # one at a time, so each start-up is timed alone
                running.append(starters[name]())
                print(f"  {name} started in {running[-1].startup_s} s", flush=True)
            measured = measure(running, queries, args)
        finally:
            for server in running:
                server.stop()
        for server in running:
            entry = measured[server.name]
            entry["startup_s"] = server.startup_s
            entry["startup_cpu_s"] = server.startup_cpu_s
            if server.name == "mha-kg":
                entry["cold_startup_s"] = cold.startup_s
                entry["cold_startup_cpu_s"] = cold.startup_cpu_s
            entry["peak_rss_mb"] = round(server.peak_rss / 2**20, 1)
            result["servers"][server.name] = entry
    return result


def cold_pairs(project: Path, nquads: Path, work: Path, pairs: int) -> list[dict]:
    """mha-kg's cold start (an empty state folder each time) and the Oxigraph server's load and
    start, one right after the other, `pairs` times, in alternating order: a slow spell of the
    shared machine falls on both of a pair, and the median of the pairs' ratios sets it aside."""
    found = []
    for turn in range(pairs):
        state = work / f"cold-state-{turn}"
        measured = {}
        order = ("mha-kg", "oxigraph") if turn % 2 == 0 else ("oxigraph", "mha-kg")
        for name in order:
            running = (servers.start_mha_kg(project, state, work) if name == "mha-kg"
                       else servers.start_oxigraph(nquads, work))
            running.stop()
            measured[name] = (running.startup_s, running.startup_cpu_s)
        shutil.rmtree(state, ignore_errors=True)
        pair = {"mha_kg_s": measured["mha-kg"][0], "mha_kg_cpu_s": measured["mha-kg"][1],
                "oxigraph_s": measured["oxigraph"][0], "oxigraph_cpu_s": measured["oxigraph"][1]}
        found.append(pair)
        print(f"  cold pair {turn + 1}: mha-kg {pair['mha_kg_s']} s, Oxigraph {pair['oxigraph_s']} s "
              f"({pair['mha_kg_s'] / pair['oxigraph_s']:.2f}x)", flush=True)
    return found


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _show(value: float | None) -> str:
    return "      -" if value is None else f"{value:8.2f} ms"


def machine() -> dict:
    import psutil

    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "oxigraph": _version("oxigraph"), "rdflib-endpoint": _version("rdflib-endpoint"),
            "pyoxigraph": _version("pyoxigraph"), "mha-kg": _version("mha-kg")}


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Benchmark mha-kg against Oxigraph and rdflib-endpoint.")
    parser.add_argument("--scales", default=os.environ.get("SCALES", "1,100"),
                        help="Comma-separated scales (1 is about 1,000 triples).")
    parser.add_argument("--servers", default=",".join(SERVERS), help="Which servers to run.")
    parser.add_argument("--samples", type=int, default=int(os.environ.get("SAMPLES", 100)),
                        help="Latency samples per query at concurrency 1.")
    parser.add_argument("--budget", type=float, default=float(os.environ.get("BUDGET", 5)),
                        help="Most seconds spent sampling one query.")
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("TIMEOUT", 30)),
                        help="A request slower than this many seconds is reported as >T s.")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SECONDS_LOAD", 10)),
                        help="Duration of the throughput run.")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=10,
                        help="Turns the servers take at the throughput run when every query is cheap.")
    parser.add_argument("--cold-pairs", type=int, default=int(os.environ.get("COLD_PAIRS", 3)),
                        help="Cold starts of mha-kg and the Oxigraph server, side by side in turns.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    parser.add_argument("--no-docs", action="store_true", help="Do not rewrite docs/performance.md.")
    args = parser.parse_args(argv)
    args.scales = [float(s) if "." in s else int(s) for s in args.scales.split(",") if s]
    args.servers = [s for s in args.servers.split(",") if s]
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    queries = load_queries()
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": machine(),
               "settings": {k: v for k, v in vars(args).items() if k not in ("out", "docs")},
               "scales": []}
    with tempfile.TemporaryDirectory(prefix="mha-kg-bench-") as tmp:
        for scale in args.scales:
            work = Path(tmp) / f"scale-{scale}"
            work.mkdir()
            results["scales"].append(run_scale(scale, args, queries, work))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{time.strftime('%Y-%m-%d')}.json"
    path.write_text(json.dumps(results, indent=1), encoding="utf-8")
    table = report.markdown(results)
    print(table)
    if not args.no_docs:
        report.write_docs(results, table, args.docs)
    print(f"results in {path}")
    return results


if __name__ == "__main__":
    main()
