"""Faults on the write path: kill -9 under concurrent writers and readers, damaged state
files, runaway updates, worker processes. Real servers on loopback, bounded in time.

`make test` runs a reduced form (MHA_KG_FAULT_ROUNDS=2 kill -9 rounds); `make faults`
runs the full one (20 rounds, more writers).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests

from mha_kg.curate import writes
from mha_kg.errors import KGError

from .conftest import FIXTURES, ROOT, _drain, _wait_for_url, make_settings

TOKEN = "fault-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://w3id.org/mha-kg"
ORG = f"{BASE}/id/organisation/"
COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
SEE_ALSO = "<http://www.w3.org/2000/01/rdf-schema#seeAlso>"
ROUNDS = int(os.environ.get("MHA_KG_FAULT_ROUNDS", "2"))
WRITERS = int(os.environ.get("MHA_KG_FAULT_WRITERS", "3"))


@pytest.fixture()
def project(tmp_path) -> Path:
    shutil.copytree(FIXTURES / "curated", tmp_path / "project")
    return tmp_path


def start(project: Path, *settings: str) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "mha_kg", "serve", "--host", "127.0.0.1", "--port", "0",
               "--setting", "project_dir", str(project / "project"),
               "--setting", "state_dir", str(project / "state"), "--setting", "write_token", TOKEN,
               *settings]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                               cwd=ROOT)
    try:
        return process, _wait_for_url(process, 120)
    except BaseException:
        process.kill()
        raise


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    process.send_signal(sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_get(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mha_kg", "serve", "--setting", "project_dir",
                           str(project / "project"), "--setting", "state_dir", str(project / "state"),
                           "--get", "/sparql?query=ASK%7B%7D"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def ask(url: str, pattern: str) -> bool:
    r = requests.get(url + "/sparql", params={"query": f"ASK {{ {pattern} }}"}, timeout=30,
                     headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


def write_pair(url: str, change_id: str, timeout: float = 60) -> requests.Response:
    """One update inserting two triples: after any fault, both are there or neither."""
    return requests.post(url + "/sparql", headers=AUTH, timeout=timeout, data={
        "change_id": change_id,
        "update": f'INSERT DATA {{ <{ORG}partner> {COMMENT} "{change_id}" . '
                  f"<{ORG}alliance> {SEE_ALSO} <http://example.org/{change_id}> }}"})


# ------------------------------------------------------------------ kill -9


def kill_round(project: Path, round_: int, pause: float, sent: list[str], acknowledged: set[str]) -> None:
    """Writers and readers at work on a real server, then kill -9 after `pause` seconds."""
    process, url = start(project)
    _drain(process)
    stop_event, lock = threading.Event(), threading.Lock()
    read_failures: list[str] = []

    def writer(number: int) -> None:
        for attempt in range(50):
            change_id = f"r{round_}-w{number}-{attempt}"
            with lock:
                sent.append(change_id)
            try:
                answer = write_pair(url, change_id)
            except requests.RequestException:
                return  # the server died under us
            if answer.status_code == 200:
                with lock:
                    acknowledged.add(change_id)
            if stop_event.is_set():
                return

    def reader() -> None:
        while not stop_event.is_set():
            try:
                r = requests.get(url + "/sparql", timeout=30,
                                 params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
            except requests.RequestException:
                return
            if r.status_code != 200:
                read_failures.append(r.text)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(pause)
    stop(process, signal.SIGKILL)
    stop_event.set()
    for thread in threads:
        thread.join(timeout=90)
    assert not read_failures, read_failures[:1]


def test_kill_9_under_concurrent_writers_and_readers_loses_no_acknowledged_write(project):
    """Rounds of kill -9 at a random moment, then a restart. Every acknowledged write is
    there whole; every other one is whole or absent, and retrying it with its change id
    makes it whole, once."""
    chance = random.Random(14)
    acknowledged: set[str] = set()
    sent: list[str] = []
    for round_ in range(ROUNDS):
        kill_round(project, round_, chance.uniform(0.5, 3.0), sent, acknowledged)
    process, url = start(project)
    _drain(process)
    try:
        for change_id in sent:
            comment = ask(url, f'<{ORG}partner> {COMMENT} "{change_id}"')
            link = ask(url, f"<{ORG}alliance> {SEE_ALSO} <http://example.org/{change_id}>")
            assert comment == link, f"{change_id} half applied"
            if change_id in acknowledged:
                assert comment, f"acknowledged write {change_id} lost"
        unknown = [c for c in sent if c not in acknowledged]
        for change_id in unknown[:5]:  # the client's safe retry: the same change id
            retried = write_pair(url, change_id)
            assert retried.status_code == 200, retried.text
            assert ask(url, f'<{ORG}partner> {COMMENT} "{change_id}"')
        journal = json.loads((project / "state" / "changes" / "journal.json").read_text())
        ids = [entry["id"] for entry in journal["changes"]]
        assert len(ids) == len(set(ids)) and acknowledged <= set(ids)
    finally:
        stop(process)
    assert acknowledged  # the rounds did write something


# ------------------------------------------------------------------ damaged state


@pytest.fixture(scope="module")
def two_commits(tmp_path_factory) -> Path:
    """A project and its state after two committed writes, made once; tests copy it."""
    root = tmp_path_factory.mktemp("two-commits")
    shutil.copytree(FIXTURES / "curated", root / "project")
    settings = make_settings(root / "state", project_dir=str(root / "project"), write_token=TOKEN)
    kg = writes.open_graph(settings, log=lambda _: None)
    try:
        for change_id in ("first", "second"):
            writes.update(kg, f'INSERT DATA {{ <{ORG}partner> {COMMENT} "{change_id} note" }}',
                          change_id=change_id)
    finally:
        kg.close()
    return root


def commit_two(template: Path, project: Path) -> None:
    """`project` as the template left it: the files and the saved writes (its stores rebuild)."""
    shutil.rmtree(project / "project")
    shutil.copytree(template / "project", project / "project")
    shutil.copytree(template / "state" / "changes", project / "state" / "changes")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _one_literal(path: Path) -> None:
    """One value changed: the note of a change file, or a count the journal answered."""
    text = path.read_text()
    changed = text.replace("second note", "secund note", 1) if "second note" in text \
        else text.replace('"added": 1', '"added": 7', 1)
    assert changed != text
    path.write_text(changed)


@pytest.mark.parametrize(("name", "damage"), [
    ("journal.json", _empty), ("journal.json", _cut), ("journal.json", _one_literal),
    ("pending/second.trig", _one_literal), ("pending/second.trig", _cut),
    ("pending/first.trig", _empty)], ids=lambda v: getattr(v, "__name__", v))
def test_damaged_saved_writes_are_refused_naming_the_file(two_commits, project, name, damage):
    commit_two(two_commits, project)
    target = project / "state" / "changes" / name
    damage(target)
    settings = make_settings(project / "state", project_dir=str(project / "project"))
    with pytest.raises(KGError) as refused:
        writes.open_graph(settings, log=lambda _: None)
    assert str(target) in refused.value.message and "damaged" in refused.value.message


def test_a_damaged_journal_stops_the_command_line_with_one_line(two_commits, project):
    commit_two(two_commits, project)
    _empty(project / "state" / "changes" / "journal.json")
    done = run_get(project)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "journal.json" in done.stderr and "Traceback" not in done.stderr


def _store(project: Path) -> Path:
    """The newest complete store: the one a start with both writes built."""
    stores = [p for p in (project / "state" / "stores").iterdir() if not p.name.startswith(".")]
    return max(stores, key=lambda p: p.stat().st_mtime)


@pytest.mark.parametrize("damage", ["manifest", "build.json"])
def test_a_damaged_store_is_rebuilt_from_the_inputs_and_the_verified_writes(two_commits, project, damage):
    commit_two(two_commits, project)
    assert run_get(project).returncode == 0  # the store of files + both writes, built and reused
    store = _store(project)
    if damage == "manifest":
        _cut(next(store.glob("MANIFEST-*")))
    else:
        (store / "build.json").write_text("{ garbled")
    said: list[str] = []
    settings = make_settings(project / "state", project_dir=str(project / "project"))
    kg = writes.open_graph(settings, log=said.append)  # once an OSError: Directory not empty
    try:
        wrong = "build.json" if damage == "build.json" else "MANIFEST-"
        assert any("is damaged" in line and wrong in line and "rebuilding" in line for line in said), said
        notes = kg.select(f"SELECT ?c WHERE {{ <{ORG}partner> {COMMENT} ?c }} ORDER BY ?c")
        assert [r["c"].value for r in notes] == ["first note", "second note"]
    finally:
        kg.close()


# ------------------------------------------------------------------ limits


#: A cartesian product of ten patterns over the data graph, counted: small in memory, and
#: measured at 0.7 s for eight patterns over six triples, so about half a minute for ten.
RUNAWAY = ("INSERT { <urn:x:s> <urn:x:count> ?n } WHERE { { SELECT (COUNT(*) AS ?n) WHERE { "
           + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(10)) + " } } }")
MEMORY_HOG = ("INSERT { <urn:x:s> <urn:x:p> ?x32 } WHERE { BIND(\"abcdefgh\" AS ?x0) "
              + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(32)) + " }")


def test_runaway_updates_are_stopped_and_waiting_writes_never_starve_reads(project):
    process, url = start(project, "--setting", "update_time_limit_ms", "3000",
                         "--setting", "writes_waiting_max", "1", "--setting", "threads", "6")
    _drain(process)
    try:
        answers: list[requests.Response] = []
        post = lambda: answers.append(requests.post(  # noqa: E731
            url + "/sparql", data={"update": RUNAWAY}, headers=AUTH, timeout=60))
        writers = [threading.Thread(target=post) for _ in range(3)]  # one runs, one waits, one is sent away
        for thread in writers:
            thread.start()
        for _ in range(5):  # reads keep their threads while the writes run and queue
            assert ask(url, f"<{ORG}alliance> ?p ?o")
        for thread in writers:
            thread.join(timeout=60)
        statuses = sorted(a.status_code for a in answers)
        assert statuses and set(statuses) == {503}, statuses
        texts = " ".join(a.text for a in answers)
        assert "update_time_limit_ms" in texts and "writes_waiting_max" in texts
        assert not ask(url, "?s <urn:x:count> ?n")  # nothing was written
    finally:
        stop(process)


def test_an_update_past_its_memory_limit_is_stopped(project):
    process, url = start(project, "--setting", "update_memory_limit_mb", "1024")
    _drain(process)
    try:
        hog = requests.post(url + "/sparql", data={"update": MEMORY_HOG}, headers=AUTH, timeout=120)
        assert hog.status_code == 503 and "update_memory_limit_mb" in hog.text
        assert not ask(url, "?s <urn:x:p> ?o") and ask(url, f"<{ORG}alliance> ?p ?o")
    finally:
        stop(process)


def test_writes_keep_to_query_workers_max_processes(project):
    process, url = start(project, "--setting", "query_workers", "1", "--setting", "query_workers_max", "2")
    _drain(process)
    try:
        done = threading.Event()

        def reader() -> None:
            while not done.is_set():
                requests.get(url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=30)

        readers = [threading.Thread(target=reader) for _ in range(3)]
        for thread in readers:
            thread.start()
        for number in range(4):
            assert write_pair(url, f"count-{number}").status_code == 200
        done.set()
        for thread in readers:
            thread.join(timeout=30)
        workers = [child for child in psutil.Process(process.pid).children(recursive=True)
                   if "spawn_main" in " ".join(child.cmdline())]
        assert 1 <= len(workers) <= 2, [w.cmdline() for w in workers]
    finally:
        stop(process)


def test_a_second_writing_server_on_the_same_state_refuses_to_start(project):
    process, _ = start(project)
    _drain(process)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "mha_kg", "serve", "--port", "0", "--setting", "project_dir",
             str(project / "project"), "--setting", "state_dir", str(project / "state"),
             "--setting", "write_token", TOKEN], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1 and second.stderr.count("\n") == 1, second.stderr
        assert "another process writes to this state folder" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        stop(process)
