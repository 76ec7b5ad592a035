"""The load driver: keep-alive HTTP from separate processes, so the client is never the bottleneck.

Latency is measured one request at a time on one persistent connection per
server, in turns when several servers are measured together;
throughput by `concurrency` processes (not threads: no GIL between them),
each with its own persistent connection, cycling through the query mix
until the deadline. Requests are prepared before the clock starts.
"""

from __future__ import annotations

import http.client
import multiprocessing
import statistics
import time
import urllib.parse
from dataclasses import dataclass

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


@dataclass
class Latency:
    samples_ms: list[float]
    timed_out: bool = False
    errors: int = 0

    @property
    def p50(self) -> float | None:
        return statistics.median(self.samples_ms) if self.samples_ms else None

    @property
    def p99(self) -> float | None:
        if not self.samples_ms:
            return None
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


class Client:
    """One keep-alive connection to a SPARQL endpoint."""

    def __init__(self, url: str, timeout: float):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.timeout = timeout
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def target(self, query: str) -> str:
        return f"{self.path}?{urllib.parse.urlencode({'query': query})}"

    def get(self, target: str) -> int:
        """Send one request and read the whole answer; the HTTP status."""
        try:
            self.conn.request("GET", target, headers={"Accept": ACCEPT})
            response = self.conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = self._connect()
            raise

    def close(self) -> None:
        self.conn.close()


def latency(url: str, query: str, samples: int, budget_s: float, timeout_s: float) -> Latency:
    """Up to `samples` timed requests (after one warm-up), stopping early after `budget_s`."""
    return latencies([url], query, samples, budget_s, timeout_s)[0]


def latencies(urls: list[str], query: str, samples: int, budget_s: float,
              timeout_s: float) -> list[Latency]:
    """The same query's latency on several servers, sampled in turns.

    One request to each server per round, so a slow spell of a shared
    virtual machine falls on all of them alike instead of on whichever
    was being measured at the time; `budget_s` is per server.
    """
    clients = [Client(url, timeout_s) for url in urls]
    results = [Latency([]) for _ in urls]
    targets = [client.target(query) for client in clients]
    try:
        live = [i for i, client in enumerate(clients) if _warm_up(client, targets[i], results[i])]
        deadline = time.perf_counter() + budget_s * len(urls)
        while live and time.perf_counter() < deadline:
            for i in list(live):
                if not _sample(clients[i], targets[i], results[i]) or len(results[i].samples_ms) >= samples:
                    live.remove(i)
    finally:
        for client in clients:
            client.close()
    return results


def _warm_up(client: Client, target: str, result: Latency) -> bool:
    try:
        if client.get(target) >= 400:
            result.errors += 1
    except TimeoutError:
        result.timed_out = True
        return False
    return True


def _sample(client: Client, target: str, result: Latency) -> bool:
    """One timed request; False once the server has timed out."""
    started = time.perf_counter()
    try:
        status = client.get(target)
    except TimeoutError:
        result.timed_out = True
        return False
    if status >= 400:
        result.errors += 1
    result.samples_ms.append((time.perf_counter() - started) * 1000)
    return True


def _throughput_worker(args: tuple) -> tuple[int, int]:
    url, queries, offset, start_at, seconds, timeout_s = args
    client = Client(url, timeout_s)
    targets = [client.target(q) for q in queries]
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    done = errors = 0
    i = offset
    while True:
        remaining = deadline - time.time()
        if remaining <= 0:
            break
        client.conn.timeout = min(timeout_s, remaining + 0.05)
        if client.conn.sock is not None:
            client.conn.sock.settimeout(client.conn.timeout)
        try:
            status = client.get(targets[i % len(targets)])
        except (OSError, http.client.HTTPException):
            break
        if time.time() > deadline:
            break
        if status < 400:
            done += 1
        else:
            errors += 1
        i += 1
    client.close()
    return done, errors


def throughput(url: str, queries: list[str], concurrency: int, seconds: float,
               timeout_s: float) -> dict:
    """Requests per second of the mixed workload with `concurrency` clients in their own processes."""
    with multiprocessing.get_context("spawn").Pool(concurrency) as pool:
        start_at = time.time() + 1.0  # every process connected and ready before the clock starts
        jobs = [(url, queries, n, start_at, seconds, timeout_s) for n in range(concurrency)]
        results = pool.map(_throughput_worker, jobs, chunksize=1)
    done = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    return {"requests": done, "errors": errors, "seconds": seconds, "rps": round(done / seconds, 1)}
