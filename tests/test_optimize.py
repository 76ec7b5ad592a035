"""A server's store is served before its tables are compacted, and compacted beside serving.

`mha-kg serve` builds its store without Oxigraph's `optimize` (a quarter of a
cold start at a million triples) and then makes an optimized copy beside
the served one (store.optimize), which it switches to unless a commit moved
it to another store meanwhile (writes.optimize_served). The copy must hold
the same quads, be checked like any store, be what the next start finds,
and a damaged copy must never be served.
"""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest
import requests

from mha_kg.build import dataset, store
from mha_kg.curate import writes
from mha_kg.settings import load as load_settings

from .conftest import make_settings, serve
from .test_fastwrite import ACCEPTED
from .test_store_build import _disk_quads
from .test_write_faults import _cut


def _tables(info: store.BuildInfo) -> int:
    return len(list(Path(info.path).glob("*.sst")))


@pytest.fixture
def served(tmp_path) -> tuple[dataset.Inputs, Path, store.BuildInfo]:
    """The shipped project's store as a server builds it: not optimized."""
    settings = load_settings({"state_dir": str(tmp_path / "state")})
    inputs = dataset.project_inputs(settings)
    info = store.ensure(inputs, tmp_path / "state", optimized=False)
    return inputs, tmp_path / "state", info


def test_the_optimized_copy_holds_the_same_quads_in_fewer_tables_and_is_found_first(served):
    inputs, state, info = served
    assert not info.optimized and not info.path.endswith(store.OPTIMIZED_SUFFIX)
    copy = store.optimize(info, state)
    assert copy.optimized and copy.path == info.path + store.OPTIMIZED_SUFFIX
    assert _disk_quads(copy) == _disk_quads(info) and copy.graphs == info.graphs
    assert _tables(copy) < _tables(info)  # the loads' tables compacted into fewer
    assert store.damaged_file(Path(copy.path), copy) is None
    assert store.damaged_file(Path(info.path), info) is None  # the served store is untouched
    again = store.ensure(inputs, state)
    assert again.path == copy.path and again.reused
    assert store.optimize(copy, state) is copy  # nothing left to do


def test_a_damaged_copy_is_removed_and_the_store_as_built_served(served):
    inputs, state, info = served
    copy = store.optimize(info, state)
    _cut(next(Path(copy.path).glob("MANIFEST-*")))
    said: list[str] = []
    found = store.ensure(inputs, state, said.append)
    assert found.path == info.path and found.reused
    assert any("is damaged" in line and "removing it" in line for line in said), said
    assert not Path(copy.path).exists()


def test_a_copy_killed_halfway_leaves_only_a_scratch_folder(served):
    inputs, state, info = served
    scratch = state / "stores" / f".build-{Path(info.path).name}{store.OPTIMIZED_SUFFIX}-999999"
    scratch.mkdir()
    (scratch / "CURRENT").write_text("MANIFEST-000001\n")  # what a killed optimize leaves
    assert store.ensure(inputs, state).path == info.path
    copy = store.optimize(info, state)
    assert not scratch.exists() and _disk_quads(copy) == _disk_quads(info)


def test_the_server_switches_to_the_copy_unless_a_commit_came_first(tmp_path, monkeypatch):
    settings = make_settings(tmp_path / "state", write_token="t")
    kg = writes.open_graph(settings, log=lambda _: None, writer=True, optimized=False)
    try:
        built = kg.build
        added, removed = ACCEPTED["an organisation renamed"](kg)
        optimize = store.optimize

        def a_commit_lands_meanwhile(info, state_dir):
            writes.commit_change(kg, added, removed, writes.Meta(curator="Ada"))
            return optimize(info, state_dir)

        monkeypatch.setattr(store, "optimize", a_commit_lands_meanwhile)
        said: list[str] = []
        writes.optimize_served(kg, said.append)
        committed = kg.build
        assert committed is not built and not committed.optimized and not said
        assert Path(built.path + store.OPTIMIZED_SUFFIX).is_dir()  # made, but not switched to
        assert kg.engine.pool.store_path == committed.path
    finally:
        kg.close()
    monkeypatch.undo()
    kg = writes.open_graph(settings, log=lambda _: None, writer=True, optimized=False)
    try:
        assert kg.build.path == committed.path  # the next start serves the commit, and optimizes it
        said = []
        writes.optimize_served(kg, said.append)
        assert kg.build.optimized and kg.build.path == committed.path + store.OPTIMIZED_SUFFIX
        assert kg.engine.pool.store_path == kg.build.path
        subject, predicate = added[0].subject.value, added[0].predicate.value
        rows = kg.select(f"SELECT ?n WHERE {{ <{subject}> <{predicate}> ?n }}")
        assert [r["n"].value for r in rows] == [added[0].object.value]
        assert any("store optimized" in line for line in said), said
    finally:
        kg.close()


def test_a_cold_server_answers_at_once_and_then_serves_its_optimized_copy(tmp_path):
    state = tmp_path / "state"
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"}
    with serve(state_dir=state) as url:
        first = requests.get(url + "/sparql", params=query, timeout=30).json()
        [copy] = _eventually(lambda: list((state / "stores").glob(f"*{store.OPTIMIZED_SUFFIX}")))
        _eventually(lambda: (requests.get(url + "/sparql", params=query, timeout=30).ok
                             and _folders_open(state) == {copy.name}))
        later = requests.get(url + "/sparql", params=query, timeout=30).json()
    assert first == later and int(first["results"]["bindings"][0]["n"]["value"]) > 1000


def _eventually(found, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not (value := found()):
        assert time.monotonic() < deadline, f"not within {timeout} s"
        time.sleep(0.1)
    return value


def _folders_open(state: Path) -> set[str]:
    """The store folders whose tables the server's query workers hold open."""
    [server] = [p for p in psutil.process_iter(["cmdline"])
                if str(state) in " ".join(p.info["cmdline"] or [])]
    return {Path(f.path).parent.name for worker in server.children(recursive=True)
            for f in worker.open_files() if f.path.endswith(".sst")}
