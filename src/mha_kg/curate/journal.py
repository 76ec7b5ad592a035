"""The saved state of the curated writes: `<state_dir>/changes/`.

`journal.json` lists, in order, the committed changes not yet written back:
each one's id, the sha256 of its changeset file in `pending/`, the digest of
the request that made it and the answer given (so a retry is answered the
same). The list carries a sha256 of its own, and every file is checked
against the journal whenever it is read, so an emptied, cut or edited file
is refused with a line naming it, never served. Saves go through
`store.write_synced` (a scratch file, fsync, rename, fsync of the folder).

Beside it: `set-aside/` (changes the files no longer allow, with why),
`uncommitted/` (change files a killed server wrote but never acknowledged),
`writeback.json` (an interrupted writeback's redo log) and `writer.lock`
(held by the one process that writes: a server with writes on, or writeback).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..build import store
from ..errors import KGError


class Journal:
    """The committed changes not yet written back, in order, and the folders beside them."""

    def __init__(self, settings: dict):
        self.folder = Path(settings["state_dir"]) / "changes"
        self.path = self.folder / "journal.json"
        self.pending = self.folder / "pending"
        self.aside = self.folder / "set-aside"
        self.uncommitted = self.folder / "uncommitted"

    def load(self) -> list[dict]:
        """The journal's entries, each file checked against its checksum."""
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_bytes())
            entries = data["changes"]
            intact = data["sha256"] == _entries_digest(entries)
        except (OSError, ValueError, KeyError, TypeError):
            intact = False
        if not intact:
            raise KGError(f"{self.path}: the journal of saved writes is damaged (its checksum does "
                          "not match); restore it from a backup")
        for entry in entries:
            path = self.pending / f"{entry['id']}.trig"
            if not path.is_file() or file_digest(path) != entry["sha256"]:
                raise KGError(f"{path}: a saved write is missing or damaged (its checksum does not "
                              "match the journal); restore it from a backup")
        return entries

    def files(self, entries: list[dict]) -> list[Path]:
        return [self.pending / f"{entry['id']}.trig" for entry in entries]

    def save(self, entries: list[dict]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        body = {"what": "curated changes not yet written back, in order; `mha-kg writeback` folds "
                        "them into data/", "changes": entries, "sha256": _entries_digest(entries)}
        store.write_synced(self.path, json.dumps(body, indent=1).encode())

    def set_aside(self, entries: list[dict], change_id: str, why: str) -> list[dict]:
        """Move one change out of the journal into set-aside/, with the reason beside it."""
        self.aside.mkdir(parents=True, exist_ok=True)
        source = self.pending / f"{change_id}.trig"
        if source.is_file():
            store.write_synced(self.aside / f"{change_id}.trig", source.read_bytes())
            store.write_synced(self.aside / f"{change_id}.json",
                               json.dumps({"id": change_id, "why": why}).encode())
        kept = [e for e in entries if e["id"] != change_id]
        self.save(kept)
        source.unlink(missing_ok=True)
        return kept

    def orphans(self, entries: list[dict]) -> list[str]:
        """Change files in pending/ the journal does not list: writes killed before they committed."""
        listed = {e["id"] for e in entries}
        return sorted(p.stem for p in self.pending.glob("*.trig") if p.stem not in listed) \
            if self.pending.is_dir() else []

    @property
    def redo(self) -> Path:
        """A writeback's redo log: every file's new text, written before any file is."""
        return self.folder / "writeback.json"

    def finish_writeback(self) -> bool:
        """Complete a writeback killed halfway: write every file of its redo log again (the same
        text, proven before the log was written), empty the journal, drop the log."""
        if not self.redo.exists():
            return False
        try:
            texts = json.loads(self.redo.read_bytes())["files"]
        except (OSError, ValueError, KeyError, TypeError):
            raise KGError(f"{self.redo}: an interrupted writeback's log is damaged; restore the "
                          "project's files and this state folder from a backup") from None
        for path, text in texts.items():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            store.write_synced(Path(path), text.encode("utf-8"))
        for entry in self.load():
            (self.pending / f"{entry['id']}.trig").unlink(missing_ok=True)
        self.save([])
        self.redo.unlink()
        return True

    @contextmanager
    def writer(self) -> Iterator[IO]:
        """The state's writer lock, held while a server that writes (or writeback) runs."""
        handle = hold_writer_lock(self)
        try:
            yield handle
        finally:
            handle.close()


def hold_writer_lock(journal: Journal) -> IO:
    """Take the writer lock of the state folder, or refuse: another writer is running."""
    journal.folder.mkdir(parents=True, exist_ok=True)
    handle = open(journal.folder / "writer.lock", "w")  # noqa: SIM115 - held beyond this function
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise KGError("another process writes to this state folder (a server with a write token, "
                      "or writeback): stop it first") from None
    return handle


def try_writer_lock(journal: Journal) -> IO | None:
    """The writer lock if no one holds it (to tidy the state at a start), else None."""
    try:
        return hold_writer_lock(journal)
    except KGError:
        return None


def _entries_digest(entries: list[dict]) -> str:
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
