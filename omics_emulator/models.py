"""Reference stores, import jobs and references: state and rules, persisted in SQLite.

Backend methods are the API operations in snake_case; they take the validated wire
parameters and return the wire response: a dict, or a FileRange for GetReference's streamed
body. They schedule their own background work (imports, the end of a deletion) on the `worker`.
Files live under `data_dir/references/`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from omics_rules.quotas import MAX_TAGS

from .controls import Controls
from .exceptions import (
    ConflictException,
    RangeNotSatisfiableException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
    error_for_code,
)

ACCOUNT_ID = "123456789012"  # moto's default account, so ARNs agree with local IAM and S3
PART_SIZE = 100 * 1024 * 1024  # GetReference part size (assumed: the read-set part size)
RUNNING = ("SUBMITTED", "IN_PROGRESS")

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


@dataclass(frozen=True)
class FileRange:
    """Bytes [start, end) of a file: the streamed body of a GetReference answer."""

    path: Path
    start: int
    end: int


class Worker(Protocol):
    """Runs what outlives a request (the Importer)."""

    def start(self, job_id: str) -> None: ...
    def schedule_delete(self, store_id: str, reference_id: str) -> None: ...


class Backend:
    """All reference-store state of one endpoint; thread-safe behind one lock."""

    worker: Worker  # set by whoever builds the endpoint, before the first request

    def __init__(self, data_dir: Path, controls: Controls | None = None) -> None:
        self.controls = controls or Controls()
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.files_dir = self.data_dir / "references"
        self.lock = threading.RLock()
        self.db = sqlite3.connect(self.data_dir / "state.sqlite3", check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)
        self.db.execute("PRAGMA journal_mode=WAL")

    # -- helpers -------------------------------------------------------------------------

    def _one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        return self.db.execute(sql, args).fetchone()

    def _all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        return self.db.execute(sql, args).fetchall()

    def _write(self, sql: str, *args: Any) -> None:
        with self.db:
            self.db.execute(sql, args)

    def _owned_row(self, table: str, row_id: str, owner_column: str, owner: str | None,
                   missing: str) -> sqlite3.Row:
        """The row with this id (in `owner`, when given), or ResourceNotFoundException(missing)."""
        row = self._one(f"SELECT * FROM {table} WHERE id = ?", row_id)  # table: a fixed name
        if row is None or (owner is not None and row[owner_column] != owner):
            raise ResourceNotFoundException(missing)
        return row

    def store_row(self, store_id: str, region: str | None = None) -> sqlite3.Row:
        """The store (in that Region, when given), or ResourceNotFoundException naming it."""
        missing = f"Reference store {store_id} was not found"
        return self._owned_row("stores", store_id, "region", region, missing)

    def reference_path(self, store_id: str, reference_id: str) -> Path:
        """The folder holding a reference's SOURCE and INDEX files."""
        return self.files_dir / store_id / reference_id

    # -- reference stores ----------------------------------------------------------------

    def create_reference_store(self, region: str, params: dict) -> dict:
        with self.lock:
            token = params.get("clientToken")
            fingerprint = _fingerprint({k: v for k, v in params.items() if k != "clientToken"})
            if token:
                row = self._one("SELECT * FROM stores WHERE region = ? AND token = ?", region, token)
                if row is not None:
                    self._reused_token(token, row, fingerprint, f"reference store {row['id']}")
                    return _store_detail(row)
            existing = self._one("SELECT id FROM stores WHERE region = ?", region)
            if existing is not None:
                raise ServiceQuotaExceededException(
                    f"Reference store {existing['id']} already exists in {region}: "
                    "an account may have one reference store per Region")
            store_id = new_id()
            arn = f"arn:aws:omics:{region}:{ACCOUNT_ID}:referenceStore/{store_id}"
            self._write(
                "INSERT INTO stores VALUES (?,?,?,?,?,?,?,?,?,?)",
                store_id, region, arn, params["name"], params.get("description"),
                json.dumps(params.get("sseConfig")), now().isoformat(),
                json.dumps(params.get("tags") or {}), token, fingerprint,
            )
            return _store_detail(self.store_row(store_id))

    def get_reference_store(self, region: str, params: dict) -> dict:
        with self.lock:
            return _store_detail(self.store_row(params["id"], region))

    def list_reference_stores(self, region: str, params: dict) -> dict:
        with self.lock:
            rows = self._all("SELECT * FROM stores WHERE region = ? ORDER BY created, id", region)
        items = [_store_detail(r) for r in _filtered(rows, params, ("name",))]
        page, token = _paginate(items, params)
        return {"referenceStores": page, "nextToken": token}

    def delete_reference_store(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.store_row(params["id"], region)
            counted = "" if self.controls.deleted_blocks_store else " AND status != 'DELETED'"
            count = self._one(f"SELECT COUNT(*) AS n FROM refs WHERE store_id = ?{counted}", store["id"])["n"]
            if count:
                raise ConflictException(
                    f"Reference store {store['id']} still holds {count} reference(s); "
                    "delete them (and wait until they are gone) before deleting the store")
            running = self._one(
                "SELECT id FROM jobs WHERE store_id = ? AND status IN (?, ?)", store["id"], *RUNNING)
            if running is not None:
                raise ConflictException(
                    f"Reference store {store['id']} has import job {running['id']} running")
            self._write("DELETE FROM refs WHERE store_id = ?", store["id"])  # DELETED ones, if any
            self._write("DELETE FROM stores WHERE id = ?", store["id"])
            self._write(
                "DELETE FROM job_sources WHERE job_id IN (SELECT id FROM jobs WHERE store_id = ?)",
                store["id"])
            self._write("DELETE FROM jobs WHERE store_id = ?", store["id"])
            shutil.rmtree(self.files_dir / store["id"], ignore_errors=True)
            return {}

    # -- import jobs ---------------------------------------------------------------------

    def start_reference_import_job(self, region: str, params: dict) -> dict:
        """Start (and hand to the worker) a job, or, for a known clientToken, find it."""
        with self.lock:
            store = self.store_row(params["referenceStoreId"], region)
            token = params.get("clientToken")
            fingerprint = _fingerprint(
                {k: v for k, v in params.items() if k not in ("clientToken", "referenceStoreId")})
            if token:
                job = self._one(
                    "SELECT * FROM jobs WHERE store_id = ? AND token = ? ORDER BY created DESC",
                    store["id"], token)
                memory = self.controls.token_memory_seconds
                if job is not None and memory and (now() - _time(job["created"])).total_seconds() > memory:
                    job = None  # the token is forgotten: a new job
                if job is not None:
                    self._reused_token(token, job, fingerprint, f"import job {job['id']}")
                    return _job_summary(job)
            names = [s["name"] for s in params["sources"]]
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValidationException(
                    f"sources: names must be unique within a job (repeated: {', '.join(duplicates)})")
            running = self._one(
                "SELECT id FROM jobs WHERE store_id = ? AND status IN (?, ?)", store["id"], *RUNNING)
            answer = self.controls.busy_answer
            if running is not None and answer != "queue":  # "queue": accepted, SUBMITTED until its turn
                raise error_for_code(answer)(
                    f"Reference store {store['id']} is busy with import job {running['id']}: "
                    "references are imported one job at a time per store")
            job_id = new_id()
            with self.db:
                self.db.execute(
                    "INSERT INTO jobs VALUES (?,?,?,?,?,?,?,?,?)",
                    (job_id, store["id"], params["roleArn"], "SUBMITTED", None,
                     now().isoformat(), None, token, fingerprint))
                for i, source in enumerate(params["sources"]):
                    self.db.execute(
                        "INSERT INTO job_sources VALUES (?,?,?,?,?,?,?,?,?)",
                        (job_id, i, source["sourceFile"], source["name"], source.get("description"),
                         json.dumps(source.get("tags") or {}), "NOT_STARTED", None, None))
            self.worker.start(job_id)
            return _job_summary(self.job_row(job_id))

    def _reused_token(self, token: str, row: sqlite3.Row, fingerprint: str, what: str) -> None:
        """A token seen before: fine with the same parameters; with others, the original is
        answered (token_reuse "original") or ConflictException ("conflict")."""
        if row["fingerprint"] != fingerprint and self.controls.token_reuse == "conflict":
            raise ConflictException(
                f"clientToken {token!r} was already used for {what} with other parameters")

    def job_row(self, job_id: str, store_id: str | None = None) -> sqlite3.Row:
        """The job (of that store, when given), or ResourceNotFoundException naming it."""
        return self._owned_row("jobs", job_id, "store_id", store_id, f"Import job {job_id} was not found")

    def _visible(self, job: sqlite3.Row) -> bool:
        """False while a job is younger than the `job_invisible_seconds` control (reads lag a
        start by that long; AWS documents no such lag, nor its absence)."""
        lag = self.controls.job_invisible_seconds
        return not lag or (now() - _time(job["created"])).total_seconds() >= lag

    def get_reference_import_job(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.store_row(params["referenceStoreId"], region)
            job = self.job_row(params["id"], store["id"])
            if not self._visible(job):
                raise ResourceNotFoundException(f"Import job {job['id']} was not found")
            sources = self._all("SELECT * FROM job_sources WHERE job_id = ? ORDER BY idx", job["id"])
            return {
                **_job_summary(job),
                "statusMessage": job["status_message"],
                "completionTime": _time(job["completed"]),
                "sources": [_source_item(s) for s in sources],
            }

    def list_reference_import_jobs(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.store_row(params["referenceStoreId"], region)
            rows = self._all(
                "SELECT * FROM jobs WHERE store_id = ? ORDER BY created, id", store["id"])
        items = [{**_job_summary(r), "completionTime": _time(r["completed"])}
                 for r in _filtered(rows, params, ("status",)) if self._visible(r)]
        page, token = _paginate(items, params)
        return {"importJobs": page, "nextToken": token}

    def set_job_status(self, job_id: str, status: str, message: str | None = None) -> None:
        """Move a job along JOB_TRANSITIONS (a disallowed move is a bug: it raises)."""
        with self.lock:
            current = self.job_row(job_id)["status"]
            if status != current and status not in JOB_TRANSITIONS[current]:
                raise RuntimeError(f"job {job_id}: {current} -> {status} is not a transition")
            completed = now().isoformat() if not JOB_TRANSITIONS[status] else None
            self._write(
                "UPDATE jobs SET status = ?, status_message = ?, completed = ? WHERE id = ?",
                status, short(message) if message else None, completed, job_id)

    def set_source_status(
        self, job_id: str, idx: int, status: str, message: str | None = None,
        reference_id: str | None = None,
    ) -> None:
        """Move one source along SOURCE_TRANSITIONS."""
        with self.lock:
            row = self._one("SELECT status FROM job_sources WHERE job_id = ? AND idx = ?", job_id, idx)
            if status != row["status"] and status not in SOURCE_TRANSITIONS[row["status"]]:
                raise RuntimeError(f"job {job_id} source {idx}: {row['status']} -> {status}")
            self._write(
                "UPDATE job_sources SET status = ?, status_message = ?, reference_id = ? "
                "WHERE job_id = ? AND idx = ?",
                status, short(message) if message else None, reference_id, job_id, idx)

    def job_sources(self, job_id: str) -> list[sqlite3.Row]:
        with self.lock:
            return self._all("SELECT * FROM job_sources WHERE job_id = ? ORDER BY idx", job_id)

    def unfinished_jobs(self) -> list[str]:
        """Jobs that were running when the endpoint last stopped."""
        with self.lock:
            return [r["id"] for r in self._all(
                "SELECT id FROM jobs WHERE status IN (?, ?) ORDER BY created", *RUNNING)]

    # -- references ----------------------------------------------------------------------

    def add_reference(
        self, job_id: str, idx: int, reference_id: str, md5: str, source_length: int,
        index_length: int,
    ) -> None:
        """Record an imported reference (its files are already in place)."""
        with self.lock:
            job = self.job_row(job_id)
            source = self._one(
                "SELECT * FROM job_sources WHERE job_id = ? AND idx = ?", job_id, idx)
            store = self.store_row(job["store_id"])
            stamp = now().isoformat()
            self._write(
                "INSERT INTO refs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                reference_id, store["id"], f"{store['arn']}/reference/{reference_id}",
                source["name"], source["description"], md5, "ACTIVE", stamp, stamp, job_id,
                source["tags"], source_length, index_length)

    def reference_row(self, store_id: str, reference_id: str) -> sqlite3.Row:
        """The reference in that store, or ResourceNotFoundException naming both."""
        row = self._one("SELECT * FROM refs WHERE id = ? AND store_id = ?", reference_id, store_id)
        if row is None:
            raise ResourceNotFoundException(
                f"Reference {reference_id} was not found in reference store {store_id}")
        return row

    def list_references(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.store_row(params["referenceStoreId"], region)
            rows = self._all("SELECT * FROM refs WHERE store_id = ? ORDER BY created, id", store["id"])
        items = [_reference_item(r) for r in _filtered(rows, params, ("name", "md5"))]
        page, token = _paginate(items, params)
        return {"references": page, "nextToken": token}

    def get_reference_metadata(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.store_row(params["referenceStoreId"], region)
            row = self.reference_row(store["id"], params["id"])
        return {
            **_reference_item(row),
            "creationType": "IMPORT",
            "creationJobId": row["job_id"],
            "files": {
                "source": _file_info(row["source_length"]),
                "index": _file_info(row["index_length"]),
            },
        }

    def get_reference(self, region: str, params: dict) -> FileRange:
        """The requested part (and range) of a reference's SOURCE or INDEX file."""
        with self.lock:
            store = self.store_row(params["referenceStoreId"], region)
            row = self.reference_row(store["id"], params["id"])
        if row["status"] != "ACTIVE":  # of GetReference's modelled errors, the one that fits
            raise ResourceNotFoundException(f"Reference {row['id']} is {row['status']}; its files are gone")
        which = params.get("file", "SOURCE")
        length = row["source_length"] if which == "SOURCE" else row["index_length"]
        path = self.reference_path(store["id"], row["id"]) / which.lower()
        part = params["partNumber"]
        parts = max(1, -(-length // PART_SIZE))
        if part > parts:
            raise RangeNotSatisfiableException(
                f"partNumber {part} is beyond the {parts} part(s) of the {which} file")
        start = (part - 1) * PART_SIZE
        end = min(length, start + PART_SIZE)
        if params.get("range"):
            start, end = _byte_range(params["range"], start, end)
        return FileRange(path, start, end)

    def delete_reference(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.store_row(params["referenceStoreId"], region)
            row = self.reference_row(store["id"], params["id"])
            holder = self.controls.in_use_references.get(row["id"])
            if holder and row["status"] == "ACTIVE":
                raise ConflictException(f"Reference {row['id']} is in use by {holder}")
            if row["status"] == "ACTIVE":
                self._write(
                    "UPDATE refs SET status = 'DELETING', updated = ? WHERE id = ?",
                    now().isoformat(), row["id"])
                self.worker.schedule_delete(store["id"], row["id"])
            return {}

    def deleting_references(self) -> list[tuple[str, str]]:
        """Every reference that is DELETING or DELETED (store id, reference id)."""
        with self.lock:
            return [(r["store_id"], r["id"]) for r in self._all(
                "SELECT store_id, id FROM refs WHERE status IN ('DELETING', 'DELETED')")]

    def finish_delete(self, store_id: str, reference_id: str, keep: bool = False) -> None:
        """Remove a DELETING (or DELETED) reference's files, and its record for good, or, with
        `keep`, leave the record answered as DELETED."""
        with self.lock:
            if keep:
                self._write("UPDATE refs SET status = 'DELETED', updated = ? "
                            "WHERE id = ? AND status = 'DELETING'", now().isoformat(), reference_id)
            else:
                self._write("DELETE FROM refs WHERE id = ? AND status IN ('DELETING', 'DELETED')",
                            reference_id)
            shutil.rmtree(self.reference_path(store_id, reference_id), ignore_errors=True)

    # -- tags ----------------------------------------------------------------------------

    def _tagged(self, arn: str) -> tuple[str, sqlite3.Row]:
        for table in ("stores", "refs"):
            row = self._one(f"SELECT * FROM {table} WHERE arn = ?", arn)
            if row is not None:
                return table, row
        raise ResourceNotFoundException(f"Resource {arn} was not found")

    def tag_resource(self, region: str, params: dict) -> dict:
        with self.lock:
            table, row = self._tagged(params["resourceArn"])
            tags = {**json.loads(row["tags"]), **params["tags"]}
            if len(tags) > MAX_TAGS:
                raise ServiceQuotaExceededException(
                    f"{params['resourceArn']} would have {len(tags)} tags; at most {MAX_TAGS} are allowed")
            self._write(f"UPDATE {table} SET tags = ? WHERE arn = ?", json.dumps(tags), row["arn"])
            return {}

    def untag_resource(self, region: str, params: dict) -> dict:
        with self.lock:
            table, row = self._tagged(params["resourceArn"])
            tags = {k: v for k, v in json.loads(row["tags"]).items() if k not in params["tagKeys"]}
            self._write(f"UPDATE {table} SET tags = ? WHERE arn = ?", json.dumps(tags), row["arn"])
            return {}

    def list_tags_for_resource(self, region: str, params: dict) -> dict:
        with self.lock:
            _, row = self._tagged(params["resourceArn"])
            return {"tags": json.loads(row["tags"])}


# -- serialisers and small rules -----------------------------------------------------------


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _fingerprint(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def _store_detail(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"], "arn": row["arn"], "name": row["name"],
        "description": row["description"], "sseConfig": json.loads(row["sse"] or "null"),
        "creationTime": _time(row["created"]),
    }


def _job_summary(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"], "referenceStoreId": row["store_id"], "roleArn": row["role_arn"],
        "status": row["status"], "creationTime": _time(row["created"]),
    }


def _source_item(row: sqlite3.Row) -> dict:
    return {
        "sourceFile": row["source_file"], "status": row["status"],
        "statusMessage": row["status_message"], "name": row["name"],
        "description": row["description"], "tags": json.loads(row["tags"]) or None,
        "referenceId": row["reference_id"],
    }


def _reference_item(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"], "arn": row["arn"], "referenceStoreId": row["store_id"],
        "md5": row["md5"], "status": row["status"], "name": row["name"],
        "description": row["description"], "creationTime": _time(row["created"]),
        "updateTime": _time(row["updated"]),
    }


def _file_info(length: int) -> dict:
    return {"totalParts": max(1, -(-length // PART_SIZE)), "partSize": PART_SIZE,
            "contentLength": length}


def _filtered(rows: list[sqlite3.Row], params: dict, columns: tuple[str, ...]) -> list[sqlite3.Row]:
    """The rows that match the request's `filter`: equal in each of `columns` it names, and
    created within its createdAfter/createdBefore window."""
    wanted = params.get("filter") or {}
    after, before = wanted.get("createdAfter"), wanted.get("createdBefore")
    return [
        r for r in rows
        if all(not wanted.get(c) or r[c] == wanted[c] for c in columns)
        and (after is None or _time(r["created"]) >= after)
        and (before is None or _time(r["created"]) <= before)
    ]


def _paginate(items: list, params: dict) -> tuple[list, str | None]:
    """One page of `items` after the opaque nextToken; the token for the next page or None. A
    token serves only the request it came from (the same store and filter): reused with another,
    it is refused rather than answered with a page of something else."""
    size = params.get("maxResults") or 100
    asked = {k: v for k, v in params.items() if k not in ("nextToken", "maxResults")}
    request = hashlib.sha256(_fingerprint(asked).encode()).hexdigest()[:16]
    start = 0
    if params.get("nextToken"):
        try:
            decoded = base64.urlsafe_b64decode(params["nextToken"].encode()).decode()
            offset, _, issued_for = decoded.partition(":")
            start = int(offset)
        except ValueError:
            raise ValidationException("nextToken: is not a token this endpoint issued") from None
        if issued_for != request:
            raise ValidationException("nextToken: was issued for another request (another store or "
                                      "filter); list again from the first page")
    end = start + size
    token = base64.urlsafe_b64encode(f"{end}:{request}".encode()).decode() if end < len(items) else None
    return items[start:end], token


def _byte_range(spec: str, start: int, end: int) -> tuple[int, int]:
    """Apply a range `a-b`, `a-` or `-n` (the model allows digits and punctuation only, so no
    `bytes=` prefix) inside one part [start, end)."""
    first, dash, last = spec.strip().partition("-")
    size = end - start
    try:
        if not dash or "," in spec:
            raise ValueError
        if first == "":
            lo, hi = max(0, size - int(last)), size - 1
        else:
            lo = int(first)
            hi = int(last) if last else size - 1
    except ValueError:
        raise RangeNotSatisfiableException(f"range {spec!r} is not of the form 'a-b', 'a-' or '-n'") from None
    if lo > hi or lo >= size:
        raise RangeNotSatisfiableException(f"range {spec!r} is outside the part ({size} bytes)")
    return start + lo, start + min(hi, size - 1) + 1
