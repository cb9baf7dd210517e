"""The reference-store service's rules: each API operation (a Backend method, in snake_case)
takes the Region and the validated wire parameters (StartReferenceImportJob also the caller's
ARN, which its iam:PassRole denial names), checks what HealthOmics checks, changes the records
and returns the wire response (a dict, or a FileRange for GetReference's streamed body). What
outlives a request (imports, the end of a deletion) goes to the worker."""

from __future__ import annotations

import json
import shutil
import sqlite3
from typing import Protocol

from botocore import xform_name

from omics_rules.job_states import STILL_IMPORTING
from omics_rules.quotas import MAX_TAGS
from omics_rules.service_role import parse_role_arn

from . import answers
from .account import ACCOUNT_ID
from .controls import Controls
from .exceptions import (
    AccessDeniedException,
    ConflictException,
    RangeNotSatisfiableException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
    error_for_code,
)
from .records import Records, new_id, now


def _may_pass(role_arn: str, caller: str) -> None:
    """AccessDeniedException naming the caller, as IAM's iam:PassRole answers it, for a role of
    another account or partition (the endpoint's ARNs are all in partition aws, account
    ACCOUNT_ID). A role ARN of this account whose path is not the role's names no role: the job
    FAILs as for a missing role."""
    role = parse_role_arn(role_arn)
    if role is not None and (role.partition, role.account) != ("aws", ACCOUNT_ID):
        raise AccessDeniedException(
            f"User: {caller} is not authorized to perform: iam:PassRole on resource: {role_arn}")


class Worker(Protocol):
    """Runs what outlives a request (the Importer)."""

    def start(self, job_id: str) -> None: ...
    def schedule_delete(self, store_id: str, reference_id: str) -> None: ...


class Backend:
    """The API operations over one endpoint's records; thread-safe behind the records' lock."""

    def __init__(self, records: Records, controls: Controls, worker: Worker) -> None:
        self.records, self.controls, self.worker = records, controls, worker
        self.lock = records.lock

    def answer(self, operation: str, region: str, params: dict, caller: str) -> dict | answers.FileRange:
        """The wire response of the API operation named `operation` (`caller`: the ARN a denial
        names the caller by)."""
        if operation == "StartReferenceImportJob":
            return self.start_reference_import_job(region, params, caller)
        return getattr(self, xform_name(operation))(region, params)

    # -- reference stores ----------------------------------------------------------------

    def create_reference_store(self, region: str, params: dict) -> dict:
        with self.lock:
            token = params.get("clientToken")
            fingerprint = answers.fingerprint({k: v for k, v in params.items() if k != "clientToken"})
            if token:
                row = self.records.one("SELECT * FROM stores WHERE region = ? AND token = ?", region, token)
                if row is not None:
                    self._reused_token(token, row, fingerprint, f"reference store {row['id']}")
                    return answers.store_detail(row)
            existing = self.records.one("SELECT id FROM stores WHERE region = ?", region)
            if existing is not None:
                raise ServiceQuotaExceededException(
                    f"Reference store {existing['id']} already exists in {region}: "
                    "an account may have one reference store per Region")
            store_id = new_id()
            arn = f"arn:aws:omics:{region}:{ACCOUNT_ID}:referenceStore/{store_id}"
            self.records.write(
                "INSERT INTO stores VALUES (?,?,?,?,?,?,?,?,?,?)",
                store_id, region, arn, params["name"], params.get("description"),
                json.dumps(params.get("sseConfig")), now().isoformat(),
                json.dumps(params.get("tags") or {}), token, fingerprint,
            )
            return answers.store_detail(self.records.store_row(store_id))

    def get_reference_store(self, region: str, params: dict) -> dict:
        with self.lock:
            return answers.store_detail(self.records.store_row(params["id"], region))

    def list_reference_stores(self, region: str, params: dict) -> dict:
        with self.lock:
            rows = self.records.all("SELECT * FROM stores WHERE region = ? ORDER BY created, id", region)
        items = [answers.store_detail(r) for r in answers.filtered(rows, params, ("name",))]
        page, token = answers.paginate(items, params)
        return {"referenceStores": page, "nextToken": token}

    def delete_reference_store(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.records.store_row(params["id"], region)
            counted = "" if self.controls.deleted_blocks_store else " AND status != 'DELETED'"
            count = self.records.one(f"SELECT COUNT(*) AS n FROM refs WHERE store_id = ?{counted}",
                                     store["id"])["n"]
            if count:
                raise ConflictException(
                    f"Reference store {store['id']} still holds {count} reference(s); "
                    "delete them (and wait until they are gone) before deleting the store")
            running = self.records.one(
                "SELECT id FROM jobs WHERE store_id = ? AND status IN (?, ?)", store["id"], *STILL_IMPORTING)
            if running is not None:
                raise ConflictException(
                    f"Reference store {store['id']} has import job {running['id']} running")
            self.records.write("DELETE FROM refs WHERE store_id = ?", store["id"])  # DELETED ones, if any
            self.records.write("DELETE FROM stores WHERE id = ?", store["id"])
            self.records.write(
                "DELETE FROM job_sources WHERE job_id IN (SELECT id FROM jobs WHERE store_id = ?)",
                store["id"])
            self.records.write("DELETE FROM jobs WHERE store_id = ?", store["id"])
            shutil.rmtree(self.records.files_dir / store["id"], ignore_errors=True)
            return {}

    # -- import jobs ---------------------------------------------------------------------

    def start_reference_import_job(self, region: str, params: dict, caller: str) -> dict:
        """Start (and hand to the worker) a job, or, for a known clientToken, find it."""
        _may_pass(params["roleArn"], caller)
        with self.lock:
            store = self.records.store_row(params["referenceStoreId"], region)
            token = params.get("clientToken")
            fingerprint = answers.fingerprint(
                {k: v for k, v in params.items() if k not in ("clientToken", "referenceStoreId")})
            if token:
                job = self.records.one(
                    "SELECT * FROM jobs WHERE store_id = ? AND token = ? ORDER BY created DESC",
                    store["id"], token)
                memory = self.controls.token_memory_seconds
                age = (now() - answers.time_of(job["created"])).total_seconds() if job is not None else 0
                if job is not None and memory and age > self.controls.wall(memory):
                    job = None  # the token is forgotten: a new job
                if job is not None:
                    self._reused_token(token, job, fingerprint, f"import job {job['id']}")
                    return answers.job_summary(job)
            names = [s["name"] for s in params["sources"]]
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValidationException(
                    f"sources: names must be unique within a job (repeated: {', '.join(duplicates)})")
            running = self.records.one(
                "SELECT id FROM jobs WHERE store_id = ? AND status IN (?, ?)", store["id"], *STILL_IMPORTING)
            answer = self.controls.busy_answer
            if running is not None and answer != "queue":  # "queue": accepted, SUBMITTED until its turn
                raise error_for_code(answer)(
                    f"Reference store {store['id']} is busy with import job {running['id']}: "
                    "references are imported one job at a time per store")
            job_id = new_id()
            self.records.add_job(job_id, store["id"], params["roleArn"], token, fingerprint,
                                 params["sources"])
            self.worker.start(job_id)
            return answers.job_summary(self.records.job_row(job_id))

    def _reused_token(self, token: str, row: sqlite3.Row, fingerprint: str, what: str) -> None:
        """A token seen before: fine with the same parameters; with others, the original is
        answered (token_reuse "original") or ConflictException ("conflict")."""
        if row["fingerprint"] != fingerprint and self.controls.token_reuse == "conflict":
            raise ConflictException(
                f"clientToken {token!r} was already used for {what} with other parameters")

    def _visible(self, job: sqlite3.Row) -> bool:
        """False while a job is younger than the `job_invisible_seconds` control (reads lag a
        start by that long; AWS documents no such lag, nor its absence)."""
        lag = self.controls.wall(self.controls.job_invisible_seconds)
        return not lag or (now() - answers.time_of(job["created"])).total_seconds() >= lag

    def get_reference_import_job(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.records.store_row(params["referenceStoreId"], region)
            job = self.records.job_row(params["id"], store["id"])
            if not self._visible(job):
                raise ResourceNotFoundException(f"Import job {job['id']} was not found")
            sources = self.records.all("SELECT * FROM job_sources WHERE job_id = ? ORDER BY idx", job["id"])
            return {
                **answers.job_summary(job),
                "statusMessage": job["status_message"],
                "completionTime": answers.time_of(job["completed"]),
                "sources": [answers.source_item(s, tags=self.controls.job_source_tags == "shown")
                            for s in sources],
            }

    def list_reference_import_jobs(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.records.store_row(params["referenceStoreId"], region)
            rows = self.records.all(
                "SELECT * FROM jobs WHERE store_id = ? ORDER BY created, id", store["id"])
        items = [{**answers.job_summary(r), "completionTime": answers.time_of(r["completed"])}
                 for r in answers.filtered(rows, params, ("status",)) if self._visible(r)]
        page, token = answers.paginate(items, params)
        return {"importJobs": page, "nextToken": token}

    def list_references(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.records.store_row(params["referenceStoreId"], region)
            rows = self.records.all("SELECT * FROM refs WHERE store_id = ? ORDER BY created, id", store["id"])
        items = [answers.reference_item(r) for r in answers.filtered(rows, params, ("name", "md5"))]
        page, token = answers.paginate(items, params)
        return {"references": page, "nextToken": token}

    def get_reference_metadata(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.records.store_row(params["referenceStoreId"], region)
            row = self.records.reference_row(store["id"], params["id"])
        return {
            **answers.reference_item(row),
            "creationType": "IMPORT",
            "creationJobId": row["job_id"],
            "files": {
                "source": answers.file_info(row["source_length"]),
                "index": answers.file_info(row["index_length"]),
            },
        }

    def get_reference(self, region: str, params: dict) -> answers.FileRange:
        """The requested part (and range) of a reference's SOURCE or INDEX file."""
        with self.lock:
            store = self.records.store_row(params["referenceStoreId"], region)
            row = self.records.reference_row(store["id"], params["id"])
        if row["status"] != "ACTIVE":  # of GetReference's modelled errors, the one that fits
            raise ResourceNotFoundException(f"Reference {row['id']} is {row['status']}; its files are gone")
        which = params.get("file", "SOURCE")
        length = row["source_length"] if which == "SOURCE" else row["index_length"]
        path = self.records.reference_path(store["id"], row["id"]) / which.lower()
        part = params["partNumber"]
        parts = max(1, -(-length // answers.PART_SIZE))
        if part > parts:
            raise RangeNotSatisfiableException(
                f"partNumber {part} is beyond the {parts} part(s) of the {which} file")
        start = (part - 1) * answers.PART_SIZE
        end = min(length, start + answers.PART_SIZE)
        if params.get("range"):
            start, end = answers.byte_range(params["range"], start, end)
        return answers.FileRange(path, start, end)

    def delete_reference(self, region: str, params: dict) -> dict:
        with self.lock:
            store = self.records.store_row(params["referenceStoreId"], region)
            row = self.records.reference_row(store["id"], params["id"])
            holder = self.controls.in_use_references.get(row["id"])
            if holder and row["status"] == "ACTIVE":
                raise ConflictException(f"Reference {row['id']} is in use by {holder}")
            if row["status"] == "ACTIVE":
                self.records.write(
                    "UPDATE refs SET status = 'DELETING', updated = ? WHERE id = ?",
                    now().isoformat(), row["id"])
                self.worker.schedule_delete(store["id"], row["id"])
            return {}

    # -- tags ----------------------------------------------------------------------------

    def _tagged(self, arn: str) -> tuple[str, sqlite3.Row]:
        for table in ("stores", "refs"):
            row = self.records.one(f"SELECT * FROM {table} WHERE arn = ?", arn)
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
            self.records.write(f"UPDATE {table} SET tags = ? WHERE arn = ?", json.dumps(tags), row["arn"])
            return {}

    def untag_resource(self, region: str, params: dict) -> dict:
        with self.lock:
            table, row = self._tagged(params["resourceArn"])
            tags = {k: v for k, v in json.loads(row["tags"]).items() if k not in params["tagKeys"]}
            self.records.write(f"UPDATE {table} SET tags = ? WHERE arn = ?", json.dumps(tags), row["arn"])
            return {}

    def list_tags_for_resource(self, region: str, params: dict) -> dict:
        with self.lock:
            _, row = self._tagged(params["resourceArn"])
            return {"tags": json.loads(row["tags"])}
