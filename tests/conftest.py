"""Shared fixtures: settings, the knowledge graph, a Flask client, a real server on loopback.

Every fixture builds through the same factories the product uses
(`settings.load`, `KnowledgeGraph.open`, `create_app`), with test settings
passed as a dict, the way Datasette's tests build apps with small limits.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from hypothesis import settings as hypothesis_settings

from mha_kg import settings as settings_mod
from mha_kg.kg import KnowledgeGraph

from .engines import stop

# Property-based tests draw the same examples on every run, so CI cannot pass or
# fail by luck; a new failure found while developing is reproduced the same way.
hypothesis_settings.register_profile("mha-kg", derandomize=True)
hypothesis_settings.load_profile("mha-kg")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / "data"  # the project's copies of the team's shared/ folder: reference/, source/
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory) -> Path:
    """One store folder for the session: the shipped dataset is built once."""
    return tmp_path_factory.mktemp("state")


def make_settings(state_dir: Path, **overrides) -> dict:
    return settings_mod.load({"state_dir": str(state_dir), "project_dir": str(ROOT), **overrides},
                             environ={})


@pytest.fixture(scope="session")
def settings(state_dir) -> dict:
    return make_settings(state_dir)


@pytest.fixture(scope="session")
def kg(settings) -> Iterator[KnowledgeGraph]:
    graph = KnowledgeGraph.open(settings, log=lambda _: None)
    yield graph
    graph.close()


@pytest.fixture(scope="session")
def app(settings, kg):
    from mha_kg.web.app import create_app

    return create_app(settings, kg=kg)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@contextmanager
def serve(*args: str, state_dir: Path, env: dict | None = None, timeout: float = 120) -> Iterator[str]:
    """Run `python -m mha_kg serve -p 0 ARGS` and yield its base URL once it answers."""
    command = [sys.executable, "-m", "mha_kg", "serve", "--host", "127.0.0.1", "--port", "0",
               "--setting", "state_dir", str(state_dir), *args]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               text=True, env={**os.environ, **(env or {})}, cwd=ROOT)
    try:
        url = _wait_for_url(process, timeout)
        yield url
    finally:
        stop(process)


def _wait_for_url(process: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            raise RuntimeError("server exited: " + "".join(seen))
        seen.append(line)
        match = re.search(r"at (http://\S+?)/ ", line)
        if match:
            url = match.group(1)
            requests.get(url + "/sparql", timeout=10)
            _drain(process)
            return url
    raise RuntimeError("server did not start: " + "".join(seen))


def _drain(process: subprocess.Popen) -> None:
    """Keep reading the server's stderr so it never blocks on a full pipe."""
    import threading

    threading.Thread(target=lambda: process.stderr.read(), daemon=True).start()


CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def driver():
    """Debian's headless Chromium. Absent, the browser tests fail (MHA_KG_SKIP_BROWSER=1 skips)."""
    if os.environ.get("MHA_KG_SKIP_BROWSER") == "1":
        pytest.skip("MHA_KG_SKIP_BROWSER=1")
    assert shutil.which("chromium") and os.path.exists(CHROMEDRIVER), \
        "Debian's chromium and chromium-driver are needed: run `make browser`"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="mha-kg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", f"--user-data-dir={profile}", "--window-size=1280,1000"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.implicitly_wait(0)
    yield browser
    browser.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, condition, timeout: float = 60):
    """Poll `condition(driver)` until it is true (a commit rebuilding the store can take tens of
    seconds on a busy machine). An element the page replaced while it was being read (a form's
    answer arriving mid-check) is looked for again, not a failure."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    waiting = WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))
    return waiting.until(condition)


@pytest.fixture(scope="session")
def shapes_graph():
    """The project's SHACL shapes, parsed once."""
    from rdflib import Graph

    graph = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(path)
    return graph


@pytest.fixture(scope="session")
def live_server(state_dir, kg) -> Iterator[str]:
    """The real server (waitress, worker processes) on a free loopback port."""
    with serve(state_dir=state_dir) as url:
        yield url


PROTOCOL_DATA = FIXTURES / "protocol" / "dataset.trig"


@pytest.fixture(scope="session")
def protocol_files(tmp_path_factory) -> list[Path]:
    """The protocol dataset plus 400 generated triples, enough for slow pathological queries."""
    bulk = tmp_path_factory.mktemp("bulk") / "bulk.nt"
    bulk.write_text("".join(f"<http://example.org/bulk/s{i % 40}> <http://example.org/bulk/p{i % 7}> "
                            f'"value {i}" .\n' for i in range(400)))
    return [PROTOCOL_DATA, bulk]


@pytest.fixture(scope="session")
def protocol_server(protocol_files, tmp_path_factory) -> Iterator[str]:
    """`mha-kg serve FILE...` over the protocol dataset with small limits (1.5 s, 100 rows)."""
    with serve(*map(str, protocol_files), "--setting", "sparql_time_limit_ms", "1500",
               "--setting", "max_returned_rows", "100", "--setting", "query_workers_max", "6",
               "--setting", "query_memory_limit_mb", "2048",
               state_dir=tmp_path_factory.mktemp("protocol-state")) as url:
        yield url


class Listener:
    """A TCP listener on another loopback port that records every connection made to it."""

    def __init__(self):
        import socket
        import threading

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.hits: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(1024) or b"(connected)")
                except OSError:
                    self.hits.append(b"(connected)")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    """Proves that nothing reaches an address no one allowed: `listener.hits` stays empty."""
    found = Listener()
    yield found
    found.close()
