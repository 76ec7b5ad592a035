"""The installable package: build the wheel and sdist, install the wheel into a fresh virtual
environment outside the repository, and from an empty folder run validate, query, export,
serve (checked over HTTP) and release on the data the wheel ships.

The wheel is built once per session, offline (`python -m build --no-isolation`). The fresh
environment gets the wheel with `pip install --no-index --no-deps`, and its dependencies
through a path entry to this environment's site-packages (whose editable mha_kg is never
activated: a plain path entry runs no .pth file), so the test needs no network.
`make package-check` runs the same test installing every dependency from the index, as
`pipx install` does.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
import requests

from .conftest import ROOT, _wait_for_url

pytestmark = pytest.mark.slow

#: `make package-check` sets this: install the dependencies from the package index.
ORGANIZATION = "http://www.w3.org/ns/org#Organization"
FROM_INDEX = os.environ.get("MHA_KG_PACKAGE_FROM_INDEX") == "1"


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    return out


@pytest.fixture(scope="session")
def installed(dist, tmp_path_factory) -> Path:
    """A fresh virtual environment, outside the repository, with the wheel installed."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    [wheel] = dist.glob("*.whl")
    if FROM_INDEX:
        subprocess.run([*pip, str(wheel)], check=True, timeout=900)
    else:
        subprocess.run([*pip, "--no-index", "--no-deps", str(wheel)], check=True, timeout=300)
        site = Path(subprocess.check_output(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True).strip())
        (site / "zz-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


@pytest.fixture()
def run(installed, tmp_path):
    """Run the installed `mha-kg` from an empty folder, with its own per-user state folder."""
    folder = tmp_path / "empty"
    folder.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MHA_KG_")}
    env.update(HOME=str(tmp_path / "home"), XDG_STATE_HOME=str(tmp_path / "state"))

    def mha_kg(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([str(installed / "bin" / "mha-kg"), *args], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=timeout)

    mha_kg.folder, mha_kg.env, mha_kg.state = folder, env, tmp_path / "state" / "mha-kg"
    return mha_kg


def test_the_wheel_and_sdist_carry_ontology_shapes_data_and_source(dist):
    [wheel] = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ("mha_kg/shipped/ontology/mha.ttl", "mha_kg/shipped/shapes/mha-shapes.ttl",
                 "mha_kg/shipped/data/mha.ttl", "mha_kg/shipped/data/links/ror.ttl",
                 "mha_kg/shipped/data/source/associated-organisations.txt",
                 "mha_kg/web/templates/home.html", "mha_kg/query/examples/01-associated-organisations.rq"):
        assert path in names, path
    assert not any("/releases/" in name or "/.mha-kg/" in name for name in names)
    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name}
    assert {"ontology/mha.ttl", "shapes/mha-shapes.ttl", "data/source/associated-organisations.txt",
            "src/mha_kg/cli/main.py", "pyproject.toml"} <= members


def test_the_installed_package_works_from_an_empty_folder(run, installed):
    located = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import mha_kg; print(mha_kg.__file__)"],
        capture_output=True, text=True, env=run.env, cwd=run.folder, timeout=60)
    assert located.stdout.startswith(str(installed)), "the wheel's copy runs, not the checkout"

    validated = run("validate")
    assert validated.returncode == 0, validated.stderr

    answered = run("query", f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a <{ORGANIZATION}> }}",
                   "--format", "csv")
    assert answered.returncode == 0, answered.stderr
    assert int(answered.stdout.split()[1]) >= 30
    assert list(run.state.glob("*/store*")) or any(run.state.iterdir()), "the store is in the state folder"

    exported = run("export", "--format", "nquads", "-o", "mha.nq")
    assert exported.returncode == 0, exported.stderr
    quads = (run.folder / "mha.nq").read_text().splitlines()
    assert len(quads) > 3000 and all(q.endswith(" .") for q in quads)

    made = run("release", "1.0.0")
    assert made.returncode == 0, made.stderr
    folder = run.state / "releases" / "1.0.0"
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True,
                             timeout=60)
    assert checked.returncode == 0 and checked.stdout.count(": OK") == 8, checked.stdout
    again = run("release", "1.0.0")
    assert again.returncode == 1 and "never changes" in again.stderr
    assert sorted(p.name for p in run.folder.iterdir()) == ["mha.nq"], "nothing else is written here"


def test_the_installed_package_serves_the_graph_over_http(run, installed):
    process = subprocess.Popen(
        [str(installed / "bin" / "mha-kg"), "serve", "--host", "127.0.0.1", "--port", "0"],
        cwd=run.folder, env=run.env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        url = _wait_for_url(process, timeout=180)
        ask = requests.get(url + "/sparql", params={"query": f"ASK {{ ?s a <{ORGANIZATION}> }}"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert ask.status_code == 200 and ask.json()["boolean"] is True
        page = requests.get(url + "/page/organisation/midlands-health-alliance", timeout=30)
        assert page.status_code == 200 and "Midlands Health Alliance" in page.text
        dump = requests.get(url + "/dumps/mha-kg.ttl", timeout=60)
        assert dump.status_code == 200 and hashlib.sha256(dump.content).hexdigest()
        assert requests.get(url + "/releases/", timeout=30).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_folder_without_data_gets_an_error_naming_what_to_pass(run, tmp_path):
    empty = tmp_path / "not-a-checkout"
    empty.mkdir()
    refused = run("validate", "--project", str(empty))
    assert refused.returncode == 1
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("Error: no data found")
    assert "--project DIR" in line and "MHA_KG_PROJECT_DIR" in line


def test_writeback_never_writes_into_the_installed_package(run):
    refused = run("writeback")
    assert refused.returncode == 1
    assert refused.stderr.strip() == ("Error: the data an installed package ships is read-only: writeback "
                                      "needs a checkout; pass --project DIR")


def test_a_checkout_is_chosen_with_one_option(run):
    """Curators work on a checkout: --project points the installed command at it."""
    answered = run("query", "--project", str(ROOT), "ASK { ?s ?p ?o }", "--format", "csv",
                   "--setting", "state_dir", str(run.folder.parent / "checkout-state"))
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.split()[-1] == "true"
