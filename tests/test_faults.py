"""Faults: a killed build leaves nothing half-made; a broken input leaves the old store alone."""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import requests

from mha_kg.build import store

from .conftest import FIXTURES, ROOT, serve


def complete_stores(state: Path) -> list[Path]:
    stores = state / "stores"
    return sorted(p for p in stores.iterdir() if not p.name.startswith(".")) if stores.is_dir() else []


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_killed_during_the_build_the_next_start_rebuilds_and_serves_everything(tmp_path, kg):
    state = tmp_path / "state"
    command = [sys.executable, "-m", "mha_kg", "serve", "-p", "0", "--setting", "state_dir", str(state)]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:  # the build has begun once it reports loading the files
        if line.startswith("loaded"):
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert complete_stores(state) == []  # only a scratch folder, never mistaken for a store
    expected = kg.stats()["triples"]
    with serve(state_dir=state) as url:
        r = requests.get(url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g "
                                                           "{ ?s ?p ?o } }"}, timeout=30)
        assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == expected
    # one store for these inputs (and, once the server has made it, its optimized copy)
    assert len({p.name.removesuffix(store.OPTIMIZED_SUFFIX) for p in complete_stores(state)}) == 1
    assert not any(p.name.startswith(".build-") for p in (state / "stores").iterdir())


def run_get(project: Path, state: Path, *files: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mha_kg", "serve", "--setting", "project_dir", str(project),
                           "--setting", "state_dir", str(state), "--get", "/sparql?query=ASK%7B%7D", *files],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_corrupt_data_file_clear_error_and_old_store_untouched(tmp_path):
    project, state = tmp_path / "project", tmp_path / "state"
    shutil.copytree(FIXTURES / "curated", project)
    assert run_get(project, state).returncode == 0
    [store] = complete_stores(state)
    before = tree_hash(store)
    data = project / "data" / "organisations.ttl"
    data.write_text(data.read_text() + "\no:broken a mha:Organisation ;\n    schema:name \"unterminated .\n")
    done = run_get(project, state)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: ") and "organisations.ttl:" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert complete_stores(state) == [store] and tree_hash(store) == before


def test_missing_or_unparseable_file_given_to_serve(tmp_path):
    state = tmp_path / "state"
    missing = run_get(ROOT, state, str(tmp_path / "nowhere.ttl"))
    assert missing.returncode != 0 and "nowhere.ttl" in missing.stderr and "Traceback" not in missing.stderr
    binary = tmp_path / "binary.ttl"
    binary.write_bytes(bytes(range(256)))
    broken = run_get(ROOT, state, str(binary))
    assert broken.returncode == 1 and "binary.ttl" in broken.stderr and "Traceback" not in broken.stderr


def test_a_killed_worker_takes_only_its_query(protocol_server):
    """A query that kills its worker (memory) is answered, and the next one is served by a fresh worker."""
    binds = ['BIND("abcdefgh" AS ?x0)'] + [f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(32)]
    r = requests.get(protocol_server + "/sparql", timeout=60, params={
        "query": "SELECT (STRLEN(?x32) AS ?n) WHERE { " + " ".join(binds) + " }"})
    assert r.status_code == 503
    for _ in range(3):
        ok = requests.get(protocol_server + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert ok.status_code == 200 and ok.json()["boolean"] is True
