"""Curated writes under read load: how long a commit takes, and what readers see meanwhile.

    python -m benchmarks.writes                  # 10 writes, 2 readers, a fresh `mha-kg serve`
    python -m benchmarks.writes --writes 20 --readers 3
    python -m benchmarks.writes --scale 100      # over the synthetic scale-100 project

Serves the shipped dataset with a write token and a scratch state folder (a
write changes only the state folder's journal, never the checkout), then
sends SPARQL updates one after another while reader clients cycle through
the example queries (load.py). Reports the commit latencies, the readers'
requests, errors and latency percentiles during the writes, and the most
spawned processes seen at once: the query workers (at most
`query_workers_max`) plus the one evaluating an update, while it runs.
docs/security.md keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

from . import generate
from .load import ROOT, percentile, run_load

TOKEN = "benchmark-token"
SUBJECT = "https://w3id.org/mha-kg/id/organisation/midlands-health-alliance"  # in both projects


def spawned(pid: int) -> int:
    """The server's spawned children now: query workers, and an update's process."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    count = 0
    for child in children:
        try:
            count += "spawn_main" in " ".join(child.cmdline())
        except psutil.Error:
            continue
    return count


def run(url: str, pid: int, writes: int, readers: int) -> dict:
    latencies: list[float] = []
    failures: list[str] = []
    most_workers = [0]
    reads: dict = {}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            most_workers[0] = max(most_workers[0], spawned(pid))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    load = threading.Thread(target=lambda: reads.update(_reads_during(url, readers, done)), daemon=True)
    load.start()
    for number in range(writes):
        begun = time.perf_counter()
        answer = requests.post(url + "/sparql", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300,
                               data={"change_id": f"bench-{number}", "update":
                                     f'INSERT DATA {{ <{SUBJECT}> <http://www.w3.org/2000/01/rdf-schema#'
                                     f'comment> "benchmark note {number}" }}'})
        latencies.append((time.perf_counter() - begun) * 1000)
        if answer.status_code != 200:
            failures.append(f"{answer.status_code}: {answer.text[:120]}")
    done.set()
    load.join()
    watcher.join()
    return {
        "writes": writes, "write_failures": failures[:3], "seconds": round(time.monotonic() - started, 1),
        "write_p50_ms": round(percentile(latencies, 0.5)), "write_max_ms": round(max(latencies)),
        "readers": readers, **{f"reads_{k}": v for k, v in reads.items()},
        "most_spawned_processes": most_workers[0],
    }


def _reads_during(url: str, readers: int, done: threading.Event) -> dict:
    """load.run_load in slices until the writes are done, merged."""
    merged = {"requests": 0, "errors": 0, "p50": [], "p99": []}
    while not done.is_set():
        part = run_load(url, readers, 2)
        merged["requests"] += part["requests"]
        merged["errors"] += part["errors"]
        merged["p50"].append(part["p50_ms"])
        merged["p99"].append(part["p99_ms"])
    return {"requests": merged["requests"], "errors": merged["errors"],
            "p50_ms_worst_slice": max(merged["p50"], default=0.0),
            "p99_ms_worst_slice": max(merged["p99"], default=0.0)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--scale", type=float, help="serve the synthetic project at this scale")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as state:
        project = ROOT if args.scale is None else generate.write_project(args.scale, Path(state) / "project")
        process = subprocess.Popen(
            [sys.executable, "-m", "mha_kg", "serve", "-p", "0", "--setting", "state_dir", state,
             "--setting", "project_dir", str(project), "--setting", "write_token", TOKEN],
            stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            url = _url(process)
            result = run(url, process.pid, args.writes, args.readers)
        finally:
            process.terminate()
            process.wait(timeout=30)
    result.update(scale=args.scale or "shipped", load_average=round(os.getloadavg()[0], 1))
    print(json.dumps(result, indent=2))
    return result


def _url(process: subprocess.Popen) -> str:
    for line in process.stderr:
        match = re.search(r"at (http://\S+?)/ ", line)
        if match:
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return match.group(1)
    raise RuntimeError("the server did not start")


if __name__ == "__main__":
    main()
