"""A bounded load test: N concurrent clients for S seconds, mixing the example queries.

    python -m benchmarks.load                    # 8 clients x 60 s against a fresh `mha-kg serve`
    python -m benchmarks.load --url http://127.0.0.1:8000 --clients 8 --seconds 60

Each client is a thread with its own keep-alive `requests.Session`, cycling
through the example queries (src/mha_kg/query/examples/*.rq without parameters or SERVICE)
from a different starting point. Reports requests, errors (any status but
200, or a transport error), throughput and latency percentiles. tests/
test_load.py runs the reduced form (8 clients x a few seconds).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "src" / "mha_kg" / "query" / "examples"


def example_queries() -> dict[str, str]:
    """The catalogue's queries that need no parameter and no network (no SERVICE)."""
    found = {}
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if not re.search(r"^# param|^\s*[^#\n]*\bSERVICE\b", text, re.MULTILINE):
            found[path.stem] = text
    return found


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def run_load(url: str, clients: int = 8, seconds: float = 60) -> dict:
    """Drive the endpoint; return counts and latency percentiles in milliseconds."""
    queries = list(example_queries().values())
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        session = requests.Session()
        i = offset
        while time.monotonic() < deadline:
            query = queries[i % len(queries)]
            i += 1
            started = time.perf_counter()
            try:
                response = session.post(url + "/sparql", data={"query": query}, timeout=60,
                                        headers={"Accept": "application/sparql-results+json"})
                ok = response.status_code == 200
                problem = f"{response.status_code}: {response.text[:120]}"
            except requests.RequestException as exc:
                ok, problem = False, str(exc)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(problem)

    threads = [threading.Thread(target=client, args=(n * 3,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    return {
        "clients": clients, "seconds": round(wall, 1), "queries": len(queries),
        "requests": len(latencies), "errors": len(errors), "first_errors": errors[:3],
        "throughput_rps": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0.0,
    }


@contextmanager
def served(state_dir: Path):
    """`mha-kg serve -p 0` over the shipped dataset, until the block ends."""
    process = subprocess.Popen([sys.executable, "-m", "mha_kg", "serve", "-p", "0", "--setting",
                                "state_dir", str(state_dir)], stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        for line in process.stderr:
            match = re.search(r"at (http://\S+?)/ ", line)
            if match:
                threading.Thread(target=process.stderr.read, daemon=True).start()
                yield match.group(1)
                return
        raise RuntimeError("the server did not start")
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an endpoint's base URL (default: start mha-kg serve)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args(argv)
    if args.url:
        result = run_load(args.url, args.clients, args.seconds)
    else:
        with tempfile.TemporaryDirectory() as state, served(Path(state)) as url:
            result = run_load(url, args.clients, args.seconds)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
