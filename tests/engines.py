"""Other SPARQL engines for the remote-mode tests, each started on free loopback ports.

Virtuoso is Debian's `virtuoso-opensource-7-bin` (installed by `make virtuoso`,
which `make test` runs), with a virtuoso.ini and database written into a
temporary folder; the Oxigraph server is the `oxigraph` wheel of the bench extra.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

VIRTUOSO = "virtuoso-t"

#: The smallest virtuoso.ini that serves SPARQL: every file in `folder`, both ports on
#: loopback. ResultSetMaxRows is kept low so that the tests meet the engine's row cap.
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso.tdb
TransactionFile = {folder}/virtuoso.ttr
FileExtend = 200

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ServerThreads = 10
CheckpointInterval = 0
DirsAllowed = {folder}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 10
MaxClientConnections = 10
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answers(url: str, process: subprocess.Popen, seconds: float, name: str) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(url, params={"query": "ASK {}"}, timeout=2)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{name} did not start") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    """Ask a server to stop; after 20 s, kill it. Always reaped, so no test leaves a zombie."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def virtuoso(folder: Path, max_rows: int = 500) -> Iterator[str]:
    """A fresh Virtuoso (user dba, password dba); yields its base URL, http://127.0.0.1:PORT."""
    binary = shutil.which(VIRTUOSO)
    assert binary, "Debian's virtuoso-opensource-7-bin is needed: run `make virtuoso`"
    http_port, sql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, http_port=http_port, sql_port=sql_port,
                                       max_rows=max_rows))
    process = subprocess.Popen([binary, "-c", str(ini), "+foreground"], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}"
    try:
        wait_until_answers(url + "/sparql", process, 180, "virtuoso")
        yield url
    finally:
        stop(process)


@contextmanager
def oxigraph(binary: str, folder: Path) -> Iterator[str]:
    """An empty Oxigraph server, read-write; yields its base URL."""
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(url + "/query", process, 30, "the oxigraph server")
        yield url
    finally:
        stop(process)
