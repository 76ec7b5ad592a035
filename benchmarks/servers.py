"""The three servers under test, each started as a subprocess on loopback on the same data.

mha-kg starts from the project folder (Turtle, SHACL shapes, ontology) and
pays for parsing, inference and validation; the other two start from the
N-Quads mha-kg materialised (asserted plus inferred triples), so all three
answer the same queries over the same triples.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

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
    peak_rss: list[int] = field(default_factory=lambda: [0])
    _stop: threading.Event = field(default_factory=threading.Event)

    def watch_memory(self) -> None:
        """Sample the resident memory of the server and all its children until stopped."""
        def loop():
            try:
                root = psutil.Process(self.process.pid)
            except psutil.Error:
                return
            while not self._stop.is_set():
                try:
                    procs = [root, *root.children(recursive=True)]
                    rss = sum(p.memory_info().rss for p in procs if p.is_running())
                except psutil.Error:
                    rss = 0
                self.peak_rss[0] = max(self.peak_rss[0], rss)
                self._stop.wait(0.05)
        threading.Thread(target=loop, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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
            log: Path) -> Running:
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
    return running


def start_mha_kg(project: Path, state: Path, work: Path, timeout: float = 3600) -> Running:
    """`mha-kg serve` over a project folder; an empty state folder means a cold build."""
    port = free_port()
    command = [sys.executable, "-m", "mha_kg", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--setting", "project_dir", str(project), "--setting", "state_dir", str(state)]
    return _launch("mha-kg", command, f"http://127.0.0.1:{port}/sparql", time.perf_counter(),
                   timeout, work / "mha-kg.log")


def start_oxigraph(nquads: Path, work: Path, timeout: float = 3600) -> Running:
    """`oxigraph load` then `oxigraph serve-read-only --union-default-graph`; both count as start-up."""
    location = work / "oxigraph-store"
    shutil.rmtree(location, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(nquads)],
                   check=True, capture_output=True)
    port = free_port()
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    return _launch("oxigraph", command, f"http://127.0.0.1:{port}/query", started, timeout,
                   work / "oxigraph.log")


def start_rdflib_endpoint(nquads: Path, work: Path, timeout: float = 3600) -> Running:
    port = free_port()
    command = [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port),
               str(nquads)]
    return _launch("rdflib-endpoint", command, f"http://127.0.0.1:{port}/", time.perf_counter(),
                   timeout, work / "rdflib-endpoint.log")
