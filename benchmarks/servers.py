"""The servers under test, each started as a subprocess on loopback on the same data.

mha-kg starts from the project folder (Turtle, SHACL shapes, ontology) and
pays for parsing, inference and validation; the Oxigraph server and
rdflib-endpoint start from the N-Quads mha-kg materialised (asserted plus
inferred triples), and the floor (benchmarks/floor.py) opens mha-kg's own
store, so all of them answer the same queries over the same triples.
"""

from __future__ import annotations

import multiprocessing
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

from mha_kg.build.store import OPTIMIZED_SUFFIX

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Running:
    name: str
    url: str
    process: subprocess.Popen
    startup_s: float
    startup_cpu_s: float = 0.0  # CPU seconds spent starting (all threads and children): steadier than wall
    _sampler: MemorySampler | None = None

    def watch_memory(self) -> None:
        self._sampler = MemorySampler(self.process.pid)

    @property
    def peak_rss(self) -> int:
        """Highest resident memory of the server and its children so far, in bytes."""
        return self._sampler.peak() if self._sampler else 0

    def stop(self) -> None:
        if self._sampler:
            self._sampler.stop()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class MemorySampler:
    """Samples a process tree's resident memory from a process of its own.

    A thread in the driver's process would take the interpreter lock from the
    latency measurements (psutil parses /proc in Python), and more often for a
    server with children; a separate process shares only the cores.
    """

    def __init__(self, pid: int, interval_s: float = 0.05):
        context = multiprocessing.get_context("spawn")
        self._peak = context.Value("q", 0)
        self._stop = context.Event()
        self._process = context.Process(target=_sample, args=(pid, interval_s, self._peak, self._stop),
                                        daemon=True)
        self._process.start()

    def peak(self) -> int:
        return self._peak.value

    def stop(self) -> None:
        self._stop.set()
        self._process.join(timeout=5)


def _sample(pid: int, interval_s: float, peak, stop) -> None:
    """Sum RSS over the tree every interval; the children are looked up once a second
    (finding them walks all of /proc)."""
    try:
        root = psutil.Process(pid)
    except psutil.Error:
        return
    procs: list[psutil.Process] = [root]
    refreshed = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() - refreshed > 1.0:
                procs = [root, *root.children(recursive=True)]
                refreshed = time.monotonic()
            rss = sum(p.memory_info().rss for p in procs if p.is_running())
        except psutil.Error:
            rss = 0
            refreshed = 0.0
        if rss > peak.value:
            peak.value = rss
        stop.wait(interval_s)


def wait_ready(url: str, process: subprocess.Popen, timeout: float) -> None:
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(probe, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not answer within {timeout} s")


def _launch(name: str, command: list[str], url: str, started: float, timeout: float,
            log: Path, cpu_before: float = 0.0) -> Running:
    handle = open(log, "wb")  # noqa: SIM115 - the server's whole life
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
    running = Running(name, url, process, 0.0)
    running.watch_memory()
    try:
        wait_ready(url, process, timeout)
    except RuntimeError:
        running.stop()
        raise
    running.startup_s = round(time.perf_counter() - started, 3)
    running.startup_cpu_s = round(cpu_before + _cpu_seconds(process.pid), 3)
    return running


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process and its children so far."""
    try:
        times = psutil.Process(pid).cpu_times()
        children = sum(c.cpu_times().user + c.cpu_times().system
                       for c in psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return 0.0
    return times.user + times.system + times.children_user + times.children_system + children


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_mha_kg(project: Path, state: Path, work: Path, timeout: float = 3600) -> Running:
    """`mha-kg serve` over a project folder; an empty state folder means a cold build."""
    port = free_port()
    command = [sys.executable, "-m", "mha_kg", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--setting", "project_dir", str(project), "--setting", "state_dir", str(state)]
    return _launch("mha-kg", command, f"http://127.0.0.1:{port}/sparql", time.perf_counter(),
                   timeout, work / "mha-kg.log")


def served_store(state: Path) -> Path:
    """The store folder a start of mha-kg over `state` serves: the optimized copy when there is one."""
    stores = sorted(p for p in (state / "stores").iterdir() if (p / "build.json").exists())
    return next((p for p in stores if p.name.endswith(OPTIMIZED_SUFFIX)), stores[0])


def wait_optimized(state: Path, timeout: float = 600) -> Path:
    """The optimized copy a cold mha-kg makes beside serving (mha_kg.build.store.optimize)."""
    deadline = time.monotonic() + timeout
    while not (found := list((state / "stores").glob(f"*{OPTIMIZED_SUFFIX}/build.json"))):
        if time.monotonic() > deadline:
            raise RuntimeError(f"mha-kg made no optimized store within {timeout} s")
        time.sleep(0.1)
    return found[0].parent


def start_floor(state: Path, work: Path, timeout: float = 600) -> Running:
    """benchmarks/floor.py (Flask, waitress, pyoxigraph, no checks) over mha-kg's own persisted store."""
    store = served_store(state)
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.floor", "--store", str(store), "--port", str(port)]
    return _launch("floor", command, f"http://127.0.0.1:{port}/sparql", time.perf_counter(), timeout,
                   work / "floor.log")


def start_oxigraph(nquads: Path, work: Path, timeout: float = 3600) -> Running:
    """`oxigraph load` then `oxigraph serve-read-only --union-default-graph`; both count as start-up."""
    location = work / "oxigraph-store"
    shutil.rmtree(location, ignore_errors=True)
    started, cpu = time.perf_counter(), _children_cpu()
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(nquads)],
                   check=True, capture_output=True)
    loading_cpu = _children_cpu() - cpu
    port = free_port()
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    return _launch("oxigraph", command, f"http://127.0.0.1:{port}/query", started, timeout,
                   work / "oxigraph.log", cpu_before=loading_cpu)


def start_rdflib_endpoint(nquads: Path, work: Path, timeout: float = 3600) -> Running:
    port = free_port()
    command = [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port),
               str(nquads)]
    return _launch("rdflib-endpoint", command, f"http://127.0.0.1:{port}/", time.perf_counter(),
                   timeout, work / "rdflib-endpoint.log")
