"""The endpoint's state: what it has recorded of reference stores, import jobs, their sources
and references, persisted in SQLite (and reference files on disk) so it survives a restart."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from omics_rules.job_states import STILL_IMPORTING

from .exceptions import ResourceNotFoundException

# Job status transitions: the order of states is data. Finals map to nothing.
JOB_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "SUBMITTED": ("IN_PROGRESS", "FAILED"),
    "IN_PROGRESS": ("COMPLETED", "COMPLETED_WITH_FAILURES", "FAILED"),
    "COMPLETED": (),
    "COMPLETED_WITH_FAILURES": (),
    "FAILED": (),
}
SOURCE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "NOT_STARTED": ("IN_PROGRESS", "FAILED"),
    "IN_PROGRESS": ("FINISHED", "FAILED", "NOT_STARTED"),  # back to NOT_STARTED on restart
    "FINISHED": (),
    "FAILED": (),
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS stores (
    id TEXT PRIMARY KEY, region TEXT, arn TEXT UNIQUE, name TEXT, description TEXT,
    sse TEXT, created TEXT, tags TEXT, token TEXT, fingerprint TEXT);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, store_id TEXT, role_arn TEXT, status TEXT, status_message TEXT,
    created TEXT, completed TEXT, token TEXT, fingerprint TEXT);
CREATE INDEX IF NOT EXISTS jobs_by_token ON jobs (store_id, token);
CREATE TABLE IF NOT EXISTS job_sources (
    job_id TEXT, idx INTEGER, source_file TEXT, name TEXT, description TEXT, tags TEXT,
    status TEXT, status_message TEXT, reference_id TEXT, PRIMARY KEY (job_id, idx));
CREATE TABLE IF NOT EXISTS refs (
    id TEXT PRIMARY KEY, store_id TEXT, arn TEXT UNIQUE, name TEXT, description TEXT,
    md5 TEXT, status TEXT, created TEXT, updated TEXT, job_id TEXT, tags TEXT,
    source_length INTEGER, index_length INTEGER);
"""


def now() -> dt.datetime:
    """The current time, UTC."""
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    """A 10-digit id like the service's (store, job and reference ids)."""
    return str(1_000_000_000 + secrets.randbelow(9_000_000_000))


def short(message: str, limit: int = 127) -> str:
    """A status message cut to the model's 127-character limit."""
    return message if len(message) <= limit else message[: limit - 1] + "…"


class Records:
    """The endpoint's persisted records: stores, jobs, their sources and references in SQLite,
    reference files under `data_dir/references/`, and the status moves a job and a source may
    make. Thread-safe behind one lock, which callers may hold across several calls."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.files_dir = self.data_dir / "references"
        self.lock = threading.RLock()
        self.db = sqlite3.connect(self.data_dir / "state.sqlite3", check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)
        self.db.execute("PRAGMA journal_mode=WAL")

    def one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        return self.db.execute(sql, args).fetchone()

    def all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        return self.db.execute(sql, args).fetchall()

    def write(self, sql: str, *args: Any) -> None:
        """Run one statement in a transaction of its own."""
        self.write_together([(sql, args)])

    def write_together(self, statements: Iterable[tuple[str, Sequence[Any]]]) -> None:
        """Run these (sql, args) statements in one transaction: all are written or none. Every
        write of the records goes through here."""
        with self.db:
            for sql, args in statements:
                self.db.execute(sql, args)

    def owned_row(self, table: str, row_id: str, owner_column: str, owner: str | None,
                   missing: str) -> sqlite3.Row:
        """The row with this id (in `owner`, when given), or ResourceNotFoundException(missing)."""
        row = self.one(f"SELECT * FROM {table} WHERE id = ?", row_id)  # table: a fixed name
        if row is None or (owner is not None and row[owner_column] != owner):
            raise ResourceNotFoundException(missing)
        return row

    def store_row(self, store_id: str, region: str | None = None) -> sqlite3.Row:
        """The store (in that Region, when given), or ResourceNotFoundException naming it."""
        missing = f"Reference store {store_id} was not found"
        return self.owned_row("stores", store_id, "region", region, missing)

    def reference_path(self, store_id: str, reference_id: str) -> Path:
        """The folder holding a reference's SOURCE and INDEX files."""
        return self.files_dir / store_id / reference_id

    def job_row(self, job_id: str, store_id: str | None = None) -> sqlite3.Row:
        """The job (of that store, when given), or ResourceNotFoundException naming it."""
        return self.owned_row("jobs", job_id, "store_id", store_id, f"Import job {job_id} was not found")

    def set_job_status(self, job_id: str, status: str, message: str | None = None) -> None:
        """Move a job along JOB_TRANSITIONS (a disallowed move is a bug: it raises)."""
        with self.lock:
            current = self.job_row(job_id)["status"]
            if status != current and status not in JOB_TRANSITIONS[current]:
                raise RuntimeError(f"job {job_id}: {current} -> {status} is not a transition")
            completed = now().isoformat() if not JOB_TRANSITIONS[status] else None
            self.write(
                "UPDATE jobs SET status = ?, status_message = ?, completed = ? WHERE id = ?",
                status, short(message) if message else None, completed, job_id)

    def set_source_status(
        self, job_id: str, idx: int, status: str, message: str | None = None,
        reference_id: str | None = None,
    ) -> None:
        """Move one source along SOURCE_TRANSITIONS."""
        with self.lock:
            row = self.one("SELECT status FROM job_sources WHERE job_id = ? AND idx = ?", job_id, idx)
            if status != row["status"] and status not in SOURCE_TRANSITIONS[row["status"]]:
                raise RuntimeError(f"job {job_id} source {idx}: {row['status']} -> {status}")
            self.write(
                "UPDATE job_sources SET status = ?, status_message = ?, reference_id = ? "
                "WHERE job_id = ? AND idx = ?",
                status, short(message) if message else None, reference_id, job_id, idx)

    def add_job(self, job_id: str, store_id: str, role_arn: str, token: str | None, fingerprint: str,
                sources: list[dict]) -> None:
        """Record a SUBMITTED job and its NOT_STARTED sources (wire dicts), together."""
        self.write_together([
            ("INSERT INTO jobs VALUES (?,?,?,?,?,?,?,?,?)",
             (job_id, store_id, role_arn, "SUBMITTED", None, now().isoformat(), None, token, fingerprint)),
            *(("INSERT INTO job_sources VALUES (?,?,?,?,?,?,?,?,?)",
               (job_id, i, source["sourceFile"], source["name"], source.get("description"),
                json.dumps(source.get("tags") or {}), "NOT_STARTED", None, None))
              for i, source in enumerate(sources)),
        ])

    def job_sources(self, job_id: str) -> list[sqlite3.Row]:
        with self.lock:
            return self.all("SELECT * FROM job_sources WHERE job_id = ? ORDER BY idx", job_id)

    def unfinished_jobs(self) -> list[str]:
        """Jobs that were running when the endpoint last stopped."""
        with self.lock:
            return [r["id"] for r in self.all(
                "SELECT id FROM jobs WHERE status IN (?, ?) ORDER BY created", *STILL_IMPORTING)]

    def active_reference_named(self, store_id: str, name: str) -> str | None:
        """The id of an ACTIVE reference of this name in the store, if any."""
        with self.lock:
            row = self.one("SELECT id FROM refs WHERE store_id = ? AND name = ? AND status = 'ACTIVE'",
                           store_id, name)
            return row["id"] if row else None

    def add_reference(
        self, job_id: str, idx: int, reference_id: str, md5: str, source_length: int,
        index_length: int,
    ) -> None:
        """Record an imported reference (its files are already in place)."""
        with self.lock:
            job = self.job_row(job_id)
            source = self.one(
                "SELECT * FROM job_sources WHERE job_id = ? AND idx = ?", job_id, idx)
            store = self.store_row(job["store_id"])
            stamp = now().isoformat()
            self.write(
                "INSERT INTO refs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                reference_id, store["id"], f"{store['arn']}/reference/{reference_id}",
                source["name"], source["description"], md5, "ACTIVE", stamp, stamp, job_id,
                source["tags"], source_length, index_length)

    def reference_row(self, store_id: str, reference_id: str) -> sqlite3.Row:
        """The reference in that store, or ResourceNotFoundException naming both."""
        row = self.one("SELECT * FROM refs WHERE id = ? AND store_id = ?", reference_id, store_id)
        if row is None:
            raise ResourceNotFoundException(
                f"Reference {reference_id} was not found in reference store {store_id}")
        return row

    def deleting_references(self) -> list[tuple[str, str]]:
        """Every reference that is DELETING or DELETED (store id, reference id)."""
        with self.lock:
            return [(r["store_id"], r["id"]) for r in self.all(
                "SELECT store_id, id FROM refs WHERE status IN ('DELETING', 'DELETED')")]

    def finish_delete(self, store_id: str, reference_id: str, keep: bool = False) -> None:
        """Remove a DELETING (or DELETED) reference's files, and its record for good, or, with
        `keep`, leave the record answered as DELETED."""
        with self.lock:
            if keep:
                self.write("UPDATE refs SET status = 'DELETED', updated = ? "
                            "WHERE id = ? AND status = 'DELETING'", now().isoformat(), reference_id)
            else:
                self.write("DELETE FROM refs WHERE id = ? AND status IN ('DELETING', 'DELETED')",
                            reference_id)
            shutil.rmtree(self.reference_path(store_id, reference_id), ignore_errors=True)
