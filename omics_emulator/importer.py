"""Runs import jobs in the background: checks the role, streams each source from S3, checks
and indexes it, and stores SOURCE and INDEX files. Also finishes reference deletions."""

from __future__ import annotations

import hashlib
import json
import queue
import shutil
import threading
import time
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from omics_rules.quotas import FASTA_EXTENSIONS_SHOWN, MAX_SOURCE_BYTES, has_fasta_extension
from omics_rules.service_role import OMICS_PRINCIPAL, READ_ACTION, object_arn, role_name, trusts_omics

from . import s3_keys
from .controls import Controls
from .fasta import FastaError, FastaIndexer, is_plain_gzip, is_protein_file, render_fai
from .records import Records, new_id
from .s3_server import S3Storage

CHUNK = 1024 * 1024
RUNNING_MESSAGE = "The job is currently in progress."  # what AWS's own examples show
HELD_POLL_SECONDS = 0.02  # how often a held job looks at the controls again
# The endpoint calls its own IAM and S3 (HeadObject) with these: any key is accepted there.
SELF_CREDENTIALS = {"aws_access_key_id": "local-endpoint", "aws_secret_access_key": "local-endpoint"}


class SourceFailed(Exception):
    """One source cannot be imported; the message becomes its statusMessage."""


class Importer:
    """Background worker threads for import jobs and reference deletions."""

    def __init__(self, records: Records, controls: Controls, storage: S3Storage, endpoint_url: str) -> None:
        self.records = records
        self.controls = controls
        # Source bytes come straight from the S3 server (one HTTP hop fewer than the endpoint's
        # pass-through); HeadObject and IAM go through the endpoint, where its controls apply.
        self._storage = storage.client()
        self.endpoint_url = endpoint_url
        self.staging = records.data_dir / "staging"
        self._threads: list[threading.Thread] = []
        self._clients: dict[tuple[str, str], object] = {}
        self._clients_lock = threading.Lock()
        self._store_locks: dict[str, threading.Lock] = {}  # one import at a time per store

    def _client(self, service: str, region: str):
        """A client of this endpoint's own S3 or IAM, made once per service and region
        (building one costs ~70 ms; clients are thread-safe, their creation is not)."""
        with self._clients_lock:
            if (service, region) not in self._clients:
                self._clients[(service, region)] = boto3.client(
                    service, endpoint_url=self.endpoint_url, region_name=region,
                    config=Config(retries={"mode": "standard", "max_attempts": 5}), **SELF_CREDENTIALS)
            return self._clients[(service, region)]

    # -- scheduling ----------------------------------------------------------------------

    def start(self, job_id: str) -> None:
        """Run a job in its own thread."""
        thread = threading.Thread(target=self._run, args=(job_id,), name=f"job-{job_id}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def schedule_delete(self, store_id: str, reference_id: str) -> None:
        """Finish deleting a DELETING reference after `delete_seconds`, through DELETED for
        `deleted_seconds` when that is set (both in the endpoint's time)."""
        kept = self.controls.wall(self.controls.deleted_seconds)

        def finish() -> None:
            self.records.finish_delete(store_id, reference_id, keep=bool(kept))
            if kept:
                _after(kept, self.records.finish_delete, store_id, reference_id)
        _after(self.controls.wall(self.controls.delete_seconds), finish)

    def resume(self) -> list[str]:
        """After a restart: finish pending deletions and run again the jobs that were running."""
        for store_id, reference_id in self.records.deleting_references():
            self.records.finish_delete(store_id, reference_id)
        resumed = self.records.unfinished_jobs()
        for job_id in resumed:
            for source in self.records.job_sources(job_id):
                if source["status"] == "IN_PROGRESS":
                    self.records.set_source_status(job_id, source["idx"], "NOT_STARTED")
            self.start(job_id)  # sources fully staged before the stop are reused
        return resumed

    # -- one job -------------------------------------------------------------------------

    def _store_lock(self, store_id: str) -> threading.Lock:
        with self._clients_lock:
            return self._store_locks.setdefault(store_id, threading.Lock())

    def _run(self, job_id: str) -> None:
        """Run the job once its store is free (a queued job stays SUBMITTED until then)."""
        with self._store_lock(self.records.job_row(job_id)["store_id"]):
            self._run_now(job_id)

    def _run_now(self, job_id: str) -> None:
        started = time.monotonic()
        records = self.records
        try:
            job = records.job_row(job_id)
            region = records.store_row(job["store_id"])["region"]
            role_problem = None
            if job["status"] == "SUBMITTED":  # a job resumed after a restart passed this already
                role_problem = self._role_problem(job["role_arn"], region)
                records.set_job_status(job_id, "IN_PROGRESS", RUNNING_MESSAGE)
            staged: list[tuple[int, str, int, int]] = []
            for source in records.job_sources(job_id):
                if source["status"] != "NOT_STARTED":
                    continue
                idx = source["idx"]
                if role_problem:
                    records.set_source_status(job_id, idx, "FAILED", role_problem)
                    continue
                records.set_source_status(job_id, idx, "IN_PROGRESS")
                try:
                    self._check_name(job["store_id"], source["name"])
                    self._check_read(job["role_arn"], source["source_file"], region)
                    staged.append((idx, *self._staged_or_stage(job_id, idx, source["source_file"], region)))
                except SourceFailed as exc:
                    records.set_source_status(job_id, idx, "FAILED", str(exc))
            self._pace(started)
            for idx, md5, source_length, index_length in staged:
                reference_id = new_id()
                target = records.reference_path(job["store_id"], reference_id)
                target.parent.mkdir(parents=True, exist_ok=True)
                (self.staging / job_id / str(idx)).rename(target)
                records.add_reference(job_id, idx, reference_id, md5, source_length, index_length)
                records.set_source_status(job_id, idx, "FINISHED", reference_id=reference_id)
            self._finish(job_id, role_problem)
        except Exception as exc:  # the job must end, whatever broke
            records.set_job_status(job_id, "FAILED", f"internal error: {exc}")
            raise
        finally:
            shutil.rmtree(self.staging / job_id, ignore_errors=True)

    def _finish(self, job_id: str, role_problem: str | None) -> None:
        statuses = [s["status"] for s in self.records.job_sources(job_id)]
        failed = statuses.count("FAILED")
        if failed == 0:
            self.records.set_job_status(job_id, "COMPLETED")
        elif failed == len(statuses):
            message = role_problem or f"all {failed} source(s) failed; see each source's statusMessage"
            self.records.set_job_status(job_id, "FAILED", message)
        else:
            self.records.set_job_status(
                job_id, "COMPLETED_WITH_FAILURES",
                f"{failed} of {len(statuses)} sources failed; see each source's statusMessage")

    def _pace(self, started: float) -> None:
        """Hold the job until `import_seconds` (the endpoint's time) have passed since it started,
        as the controls say at each moment: lowering import_seconds or raising time_scale while
        the job is held ends it sooner."""
        def remaining() -> float:
            return started + self.controls.wall(self.controls.import_seconds) - time.monotonic()
        while (left := remaining()) > 0:
            time.sleep(min(left, HELD_POLL_SECONDS))

    def _role_problem(self, role_arn: str, region: str) -> str | None:
        """Why the service could not assume this role, or None."""
        name = role_name(role_arn)
        if name is None:
            return f"roleArn {role_arn} is not an IAM role ARN"
        try:
            role = self._client("iam", region).get_role(RoleName=name)["Role"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NoSuchEntity":
                return f"service role {name} does not exist in IAM"
            return f"could not read service role {name}: {exc.response['Error']['Code']}"
        if role["Arn"] != role_arn:  # IAM knows a role by its whole ARN: another path is another role
            return f"service role {role_arn} does not exist in IAM"
        if not trusts_omics(role.get("AssumeRolePolicyDocument")):
            return f"service role {name} does not trust {OMICS_PRINCIPAL} (sts:AssumeRole)"
        return None

    def _check_name(self, store_id: str, name: str) -> None:
        """SourceFailed when the `same_name_references` control is "refused" and the store holds
        an ACTIVE reference of this name."""
        if self.controls.same_name_references != "refused":
            return
        clash = self.records.active_reference_named(store_id, name)
        if clash is not None:
            raise SourceFailed(f"reference store {store_id} already has a reference named {name} ({clash})")

    def _check_read(self, role_arn: str, source_file: str, region: str) -> None:
        """SourceFailed unless IAM says the service role may s3:GetObject the source."""
        answer = self._client("iam", region).simulate_principal_policy(
            PolicySourceArn=role_arn, ActionNames=[READ_ACTION], ResourceArns=[object_arn(source_file)])
        [result] = answer["EvaluationResults"]
        if result["EvalDecision"] != "allowed":
            raise SourceFailed(f"the service role {role_name(role_arn)} is not allowed {READ_ACTION} on "
                               f"{source_file} ({result['EvalDecision']})")

    def _staged_or_stage(self, job_id: str, idx: int, source_file: str, region: str) -> tuple[str, int, int]:
        """The staged result of an earlier run of this job (before a restart), else a new one."""
        done = self.staging / job_id / str(idx) / "staged.json"
        if done.exists():
            meta = json.loads(done.read_text())
            return meta["md5"], meta["source_length"], meta["index_length"]
        md5, source_length, index_length = self._stage(job_id, idx, source_file, region)
        done.write_text(json.dumps(
            {"md5": md5, "source_length": source_length, "index_length": index_length}))
        return md5, source_length, index_length

    def _stage(self, job_id: str, idx: int, source_file: str, region: str) -> tuple[str, int, int]:
        """Stream one source into staging; return (md5, source bytes, index bytes)."""
        bucket, _, key = source_file[len("s3://"):].partition("/")
        folder = self.staging / job_id / str(idx)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            size = self._client("s3", region).head_object(Bucket=bucket, Key=key)["ContentLength"]
            if size > MAX_SOURCE_BYTES:
                raise SourceFailed(f"{size} bytes is over the reference file limit of "
                                   f"{MAX_SOURCE_BYTES // 1000**3} GB")
            body = self._storage.get_object(Bucket=bucket, Key=s3_keys.stored(key))["Body"]
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in ("NoSuchKey", "NoSuchBucket", "404"):
                raise SourceFailed(f"{source_file} does not exist") from None
            raise SourceFailed(f"could not read {source_file}: {code}") from None
        strict = self.controls.strict_formats
        if strict and not has_fasta_extension(key):
            raise SourceFailed(f"{key.rsplit('/', 1)[-1]} does not end in a FASTA extension "
                               f"{FASTA_EXTENSIONS_SHOWN}")
        indexer = FastaIndexer(protein=is_protein_file(key))
        size = 0
        rate = self.controls.import_bytes_per_second
        begun = time.monotonic()
        try:
            with DigestingWriter(folder / "source") as out:
                for chunk in body.iter_chunks(CHUNK):
                    if strict and size == 0 and is_plain_gzip(chunk):
                        raise SourceFailed(f"{source_file} is gzip but not bgzip: compress it with bgzip")
                    out.write(chunk)
                    indexer.feed(chunk)
                    size += len(chunk)
                    if rate:
                        ahead = begun + self.controls.wall(size / rate) - time.monotonic()
                        if ahead > 0:
                            time.sleep(ahead)
            entries = indexer.finish()
        except FastaError as exc:
            raise SourceFailed(f"not valid FASTA: {exc}") from None
        except (BotoCoreError, OSError) as exc:
            raise SourceFailed(f"reading {source_file} failed: {exc}") from None
        index = render_fai(entries)
        Path(folder / "index").write_bytes(index)
        return out.md5, size, len(index)


class DigestingWriter:
    """Writes chunks to a file and takes their MD5 in a thread of its own, so both (which let go
    of the GIL) run beside the caller's FASTA checks on another core. At most QUEUED chunks wait."""

    QUEUED = 4

    def __init__(self, path: Path) -> None:
        self._file = open(path, "wb")  # noqa: SIM115 (closed by the thread)
        self._chunks: queue.Queue[bytes | None] = queue.Queue(self.QUEUED)
        self._digest = hashlib.md5(usedforsecurity=False)
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._drain, name="digest-and-write", daemon=True)
        self.md5 = ""

    def _drain(self) -> None:
        with self._file:
            while (chunk := self._chunks.get()) is not None:
                if self._error is None:
                    try:
                        self._digest.update(chunk)
                        self._file.write(chunk)
                    except OSError as exc:
                        self._error = exc

    def write(self, chunk: bytes) -> None:
        """Queue one chunk (waits while QUEUED are pending); raises a write error seen so far."""
        if self._error:
            raise self._error
        self._chunks.put(chunk)

    def __enter__(self) -> DigestingWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._chunks.put(None)
        self._thread.join()
        if self._error and exc[0] is None:
            raise self._error
        self.md5 = self._digest.hexdigest()


def _after(seconds: float, fn, *args) -> None:
    """Call fn(*args) in `seconds`, on a daemon timer."""
    timer = threading.Timer(seconds, fn, args)
    timer.daemon = True
    timer.start()
