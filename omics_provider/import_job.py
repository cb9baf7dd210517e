"""ReferenceImportJob: a HealthOmics reference import (StartReferenceImportJob) as a resource.

Created once, waited for, never repeated: the job's clientToken (given, or derived in `check`)
makes every rerun find the job it already started.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pulumi
from botocore.exceptions import BotoCoreError, ClientError
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    UpdateResult,
)

from . import checks, tokens
from .api import IMPORT_JOB_CALLS, ConfiguredProvider, error_code, is_transient, list_references, retag
from .errors import ImportFailed, OmicsProviderError, ReferenceInUse, TokenConflict, WaitTimedOut
from .settings import ConnectionSettings
from .waiting import BUSY_STORE_DELAY_SECONDS, Deadline, PollSchedule

RUNNING = ("SUBMITTED", "IN_PROGRESS", "CANCELLING")
GONE = ("DELETING", "DELETED")
MODEL_FIELDS = ("reference_store_id", "role_arn", "sources", "client_token")
IDENTITY_FIELDS = ("reference_store_id", "role_arn", "resolved_client_token")
SOURCE_IDENTITY = ("name", "source_file", "description")
WAIT_FIELDS = ("wait_timeout_seconds", "poll_initial_seconds", "poll_max_seconds")
SETTINGS_FIELDS = (*WAIT_FIELDS, "adopt_existing")  # inputs that change how, not what, is imported
DELETE_WAIT_SECONDS = 600.0


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class ReferenceImportJobProvider(ConfiguredProvider):
    """The dynamic provider. Holds no client, session or credential: only connection settings."""

    # -- check ---------------------------------------------------------------------------

    def check(self, _olds: dict, news: dict) -> CheckResult:
        """Every input against the service model's rules, then the clientToken to use."""
        failures = checks.model_failures("StartReferenceImportJob", news, MODEL_FIELDS)
        sources = news.get("sources")
        if isinstance(sources, list):
            names = [s.get("name") for s in sources if isinstance(s, dict) and checks.is_known(s.get("name"))]
            for i, source in enumerate(sources):
                if not isinstance(source, dict):
                    continue
                if source.get("name") is not None and names.count(source.get("name")) > 1:
                    failures.append(CheckFailure(
                        f"sources[{i}].name", f"{source['name']!r} is used by more than one source; "
                        "names must be unique within a job"))
                failures += checks.tag_failures(source.get("tags"), f"sources[{i}].tags")
        for name in WAIT_FIELDS:
            failures += checks.positive_number(news, name)
        if failures:
            return CheckResult(news, failures)
        inputs = dict(news)
        if news.get("client_token"):
            inputs["resolved_client_token"] = news["client_token"]
        elif checks.is_known([news.get(k) for k in ("reference_store_id", "role_arn", "sources")]):
            versions = []
            for i, source in enumerate(sources):
                try:
                    versions.append(tokens.object_version(self.settings, source["source_file"]))
                except tokens.SourceMissing:
                    failures.append(CheckFailure(
                        f"sources[{i}].source_file", f"{source['source_file']} does not exist in S3"))
            if failures:
                return CheckResult(news, failures)
            inputs["resolved_client_token"] = tokens.derive_token(
                news["reference_store_id"], news["role_arn"], sources, versions)
        return CheckResult(inputs, [])

    # -- diff ----------------------------------------------------------------------------

    def diff(self, _id: str, olds: dict, news: dict) -> DiffResult:
        """Inputs only (`olds` are the old outputs): identity changes replace, tags update."""
        replaces = [
            key for key in IDENTITY_FIELDS
            if not checks.is_known(news.get(key)) or olds.get(key) != news.get(key)
        ]
        old_sources, new_sources = olds.get("sources") or [], news.get("sources") or []
        identity = [tuple(s.get(k) for k in SOURCE_IDENTITY) for s in old_sources]
        if (not checks.is_known(new_sources)
                or identity != [tuple(s.get(k) for k in SOURCE_IDENTITY) for s in new_sources]
                or any(s.get("status") in GONE for s in old_sources)):  # drift: re-import
            replaces.append("sources")
        retag = not replaces and any(
            (o.get("tags") or {}) != (n.get("tags") or {})
            for o, n in zip(old_sources, new_sources, strict=True))
        return DiffResult(changes=bool(replaces) or retag, replaces=replaces,
                          delete_before_replace=False)

    # -- create --------------------------------------------------------------------------

    def create(self, props: dict) -> CreateResult:
        """Start the job (or find the one this token started) and wait until it completes."""
        token = props["resolved_client_token"]  # check derived it; the engine always checks first
        schedule = _schedule(props)
        deadline = Deadline(schedule.timeout)
        omics = self.settings.client("omics")
        if props.get("adopt_existing"):
            return self._adopt(omics, props, token)
        job_id, used_token = self._start_or_find(omics, props, token, schedule, deadline)
        job = self._wait(omics, props, job_id, used_token, schedule, deadline)
        sources = self._source_outputs(omics, props, job)
        return CreateResult(job_id, _outputs(props, job, used_token, sources))

    def _start_or_find(self, omics, props: dict, token: str, schedule: PollSchedule,
                       deadline: Deadline) -> tuple[str, str]:
        """The job for this token; a new one (token -rN) if its references were deleted since."""
        store = props["reference_store_id"]
        request = {"referenceStoreId": store, "roleArn": props["role_arn"],
                   "sources": checks.to_api(props["sources"])}
        generation, used, busy_said = 0, token, False
        while True:
            try:
                IMPORT_JOB_CALLS.wait()
                job = omics.start_reference_import_job(clientToken=used, **request)
            except ClientError as exc:
                if error_code(exc) == "ConflictException":
                    raise TokenConflict(token=used, store_id=store,
                                        detail=exc.response["Error"].get("Message", "")) from None
                if error_code(exc) != "ServiceQuotaExceededException":
                    raise
                # One import at a time per store: wait our turn instead of failing.
                if deadline.passed():
                    raise OmicsProviderError(message=(
                        f"Reference store {store} stayed busy with other imports for "
                        f"{deadline.elapsed():.0f} s (wait_timeout_seconds); nothing was started. "
                        "Run `pulumi up` again later.")) from None
                if not busy_said:
                    pulumi.log.info(f"reference store {store} is busy "
                                    f"({exc.response['Error'].get('Message')}); waiting for its turn")
                    busy_said = True
                time.sleep(min(BUSY_STORE_DELAY_SECONDS, max(deadline.remaining(), 0.05)))
                continue
            if job["status"] == "COMPLETED" and self._references_gone(omics, store, job["id"]):
                generation += 1
                used = tokens.restore_token(token, generation)
                pulumi.log.info(f"references of import job {job['id']} were deleted outside Pulumi; "
                                f"importing again with clientToken {used}")
                continue
            if used == token and job["status"] != "SUBMITTED":
                pulumi.log.info(f"resuming reference import job {job['id']} (clientToken {used})")
            return job["id"], used

    def _references_gone(self, omics, store: str, job_id: str) -> bool:
        job = omics.get_reference_import_job(referenceStoreId=store, id=job_id)
        for source in job.get("sources", []):
            if source.get("referenceId") and _reference_status(omics, store, source["referenceId"]) in GONE:
                return True
        return False

    def _wait(self, omics, props: dict, job_id: str, token: str, schedule: PollSchedule,
              deadline: Deadline) -> dict:
        """Poll with backoff until the job ends; raise on failure or at the deadline."""
        store = props["reference_store_id"]
        seen = None
        while True:
            try:
                IMPORT_JOB_CALLS.wait()
                job = omics.get_reference_import_job(referenceStoreId=store, id=job_id)
            except (ClientError, BotoCoreError) as exc:
                if not is_transient(exc) or deadline.passed():
                    raise
                pulumi.log.warn(f"checking reference import job {job_id} failed for now ({exc}); retrying")
                deadline.sleep_before_next_poll(schedule, time.sleep)
                continue
            statuses = [s["status"] for s in job.get("sources", [])]
            progress = (job["status"], statuses.count("FINISHED"), statuses.count("FAILED"))
            if progress != seen:
                seen = progress
                pulumi.log.info(f"reference import job {job_id}: {job['status']}, "
                                f"{progress[1]}/{len(statuses)} sources finished"
                                + (f", {progress[2]} failed" if progress[2] else ""))
            if job["status"] not in RUNNING:
                break
            if deadline.passed():
                raise WaitTimedOut(job_id=job_id, store_id=store, status=job["status"],
                                   seconds=deadline.elapsed(), token=token)
            deadline.sleep_before_next_poll(schedule, time.sleep)
        if job["status"] == "COMPLETED":
            return job
        failures = "; ".join(f"{s['name']}: {s.get('statusMessage', 'failed')}"
                             for s in job.get("sources", []) if s["status"] == "FAILED")
        cleanup = ""
        if job["status"] == "COMPLETED_WITH_FAILURES":
            imported = [s for s in job.get("sources", []) if s.get("referenceId")]
            self._delete_references(omics, store, imported)
            cleanup = (f"The {len(imported)} reference(s) it did import were deleted, so nothing "
                       "is left half-made. ")
        raise ImportFailed(job_id=job_id, store_id=store, status=job["status"],
                           failures=failures or job.get("statusMessage", "no reason given"),
                           cleanup=cleanup)

    def _source_outputs(self, omics, props: dict, job: dict) -> list[dict]:
        by_name = {s["name"]: s for s in job.get("sources", [])}
        outputs = []
        for source in props["sources"]:
            done = by_name.get(source["name"], {})
            out = {**source, "reference_id": done.get("referenceId"), "import_status": done.get("status"),
                   "arn": None, "md5": None, "status": None}
            if out["reference_id"]:
                meta = _metadata(omics, props["reference_store_id"], out["reference_id"])
                if meta:
                    out.update(arn=meta["arn"], md5=meta["md5"], status=meta.get("status"))
                else:
                    out["status"] = "DELETED"
            outputs.append(out)
        return outputs

    def _adopt(self, omics, props: dict, token: str) -> CreateResult:
        """Take over ACTIVE references whose names (and md5, where S3 tells it) match."""
        store = props["reference_store_id"]
        sources, jobs = [], set()
        for source in props["sources"]:
            found = [r for r in list_references(omics, store, source["name"]) if r.get("status") == "ACTIVE"]
            if not found:
                raise OmicsProviderError(message=(
                    f"adopt_existing: store {store} has no ACTIVE reference named {source['name']!r}. "
                    "Import it instead (adopt_existing: false), or fix the name."))
            expected = _plain_md5(self.settings, source["source_file"])
            matching = [r for r in found if expected is None or r["md5"] == expected]
            if not matching:
                raise OmicsProviderError(message=(
                    f"adopt_existing: reference {found[0]['id']} named {source['name']!r} in store {store} "
                    f"has md5 {found[0]['md5']}, but {source['source_file']} has md5 {expected}. "
                    "Adopt only references imported from these files."))
            chosen = matching[0]
            meta = omics.get_reference_metadata(referenceStoreId=store, id=chosen["id"])
            jobs.add(meta.get("creationJobId"))
            sources.append({**source, "reference_id": chosen["id"], "arn": chosen["arn"],
                            "md5": chosen["md5"], "status": chosen["status"], "import_status": "FINISHED"})
        job_id = jobs.pop() if len(jobs) == 1 and None not in jobs else f"adopted-{token[-20:]}"
        job = {"id": job_id, "status": "COMPLETED"}
        if not job_id.startswith("adopted-"):
            job = omics.get_reference_import_job(referenceStoreId=store, id=job_id)
        pulumi.log.info(f"adopted {len(sources)} reference(s) in store {store}")
        return CreateResult(job_id, _outputs(props, job, token, sources))

    # -- update, read, delete ------------------------------------------------------------

    def update(self, _id: str, olds: dict, news: dict) -> UpdateResult:
        """Tag changes on each reference; all outputs returned."""
        omics = self.settings.client("omics")
        sources = []
        for old, new in zip(olds["sources"], news["sources"], strict=True):
            if old.get("arn"):
                retag(omics, old["arn"], old.get("tags"), new.get("tags"))
            sources.append({**old, "tags": new.get("tags")})
        outs = {**olds, **{k: news.get(k) for k in (*SETTINGS_FIELDS, "client_token")}, "sources": sources}
        return UpdateResult(outs)

    def read(self, id_: str, props: dict) -> ReadResult:
        """Current job and reference state; gone when every reference is gone."""
        omics = self.settings.client("omics")
        store = props["reference_store_id"]
        outs = dict(props)
        if not id_.startswith("adopted-"):
            try:
                job = omics.get_reference_import_job(referenceStoreId=store, id=id_)
                outs.update(_job_fields(job))
            except ClientError as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    raise
        sources = []
        for source in props.get("sources") or []:
            source = dict(source)
            meta = _metadata(omics, store, source["reference_id"]) if source.get("reference_id") else None
            if meta is None:
                source["status"] = "DELETED"
            else:
                source.update(arn=meta["arn"], md5=meta["md5"], status=meta.get("status"),
                              description=meta.get("description"))
                source["tags"] = omics.list_tags_for_resource(resourceArn=meta["arn"]).get("tags") or None
            sources.append(source)
        outs["sources"] = sources
        if sources and all(s["status"] in GONE for s in sources):
            return ReadResult(None, {})
        return ReadResult(id_, outs)

    def delete(self, _id: str, props: dict) -> None:
        """Delete each reference (ones already gone are fine) and wait until they are gone."""
        omics = self.settings.client("omics")
        sources = [s for s in props.get("sources") or [] if s.get("reference_id")]
        self._delete_references(omics, props["reference_store_id"], sources)

    def _delete_references(self, omics, store: str, sources: Sequence[dict]) -> None:
        for source in sources:
            reference_id = source.get("reference_id") or source.get("referenceId")
            try:
                omics.delete_reference(referenceStoreId=store, id=reference_id)
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    continue
                if error_code(exc) == "ConflictException":
                    detail = exc.response["Error"].get("Message")
                    raise ReferenceInUse(reference_id=reference_id, name=source.get("name"),
                                         store_id=store, detail=detail) from None
                raise
        deadline, schedule = Deadline(DELETE_WAIT_SECONDS), PollSchedule(initial=0.5, cap=5.0)
        pending = [s.get("reference_id") or s.get("referenceId") for s in sources]
        while pending:
            pending = [r for r in pending if _reference_status(omics, store, r) not in GONE]
            if pending and deadline.passed():
                raise OmicsProviderError(message=(
                    f"References {', '.join(pending)} in store {store} were asked to be deleted but are "
                    f"still there after {DELETE_WAIT_SECONDS:.0f} s. Run again to check on them."))
            if pending:
                deadline.sleep_before_next_poll(schedule, time.sleep)


# -- helpers -----------------------------------------------------------------------------------


def _schedule(props: dict) -> PollSchedule:
    defaults = PollSchedule()
    return PollSchedule(
        initial=props.get("poll_initial_seconds") or defaults.initial,
        cap=props.get("poll_max_seconds") or defaults.cap,
        timeout=props.get("wait_timeout_seconds") or defaults.timeout,
    )


def _job_fields(job: dict) -> dict:
    return {
        "job_id": job.get("id"), "status": job.get("status"), "status_message": job.get("statusMessage"),
        "creation_time": _time(job.get("creationTime")), "completion_time": _time(job.get("completionTime")),
    }


def _outputs(props: dict, job: dict, used_token: str, sources: list[dict]) -> dict:
    return {**props, **_job_fields(job), "client_token": used_token, "sources": sources}


def _metadata(omics, store: str, reference_id: str) -> dict | None:
    try:
        return omics.get_reference_metadata(referenceStoreId=store, id=reference_id)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise


def _reference_status(omics, store: str, reference_id: str) -> str:
    meta = _metadata(omics, store, reference_id)
    return "DELETED" if meta is None else meta.get("status", "ACTIVE")


def _plain_md5(settings: ConnectionSettings, s3_uri: str) -> str | None:
    """The object's MD5 when its ETag is one (a single-part upload without SSE-KMS), else None."""
    version = tokens.object_version(settings, s3_uri)
    if version and version.startswith("etag:"):
        etag = version[5:]
        if len(etag) == 32 and all(c in "0123456789abcdef" for c in etag):
            return etag
    return None


class ReferenceSourceArgs:
    """One FASTA to import: `name` (3-255), `source_file` (s3://bucket/key), optional
    `description` (1-255) and `tags` (at most 50, copied onto the created reference)."""

    def __init__(self, name: pulumi.Input[str], source_file: pulumi.Input[str],
                 description: pulumi.Input[str] | None = None,
                 tags: pulumi.Input[dict[str, str]] | None = None) -> None:
        self.name, self.source_file, self.description, self.tags = name, source_file, description, tags

    def to_props(self) -> dict:
        return {"name": self.name, "source_file": self.source_file, "description": self.description,
                "tags": self.tags}


class ReferenceImportJobArgs:
    """Inputs of a ReferenceImportJob. `client_token` is derived when not given.
    `wait_timeout_seconds` bounds the wait in `create` (custom timeouts do not reach dynamic
    providers); `poll_initial_seconds`/`poll_max_seconds` shape the backoff (1 s growing to
    15 s). `adopt_existing` takes over ACTIVE references of the same names instead of importing."""

    def __init__(self, reference_store_id: pulumi.Input[str], role_arn: pulumi.Input[str],
                 sources: Sequence[ReferenceSourceArgs], client_token: pulumi.Input[str] | None = None,
                 wait_timeout_seconds: float | None = None, poll_initial_seconds: float | None = None,
                 poll_max_seconds: float | None = None, adopt_existing: bool | None = None) -> None:
        self.reference_store_id, self.role_arn, self.sources = reference_store_id, role_arn, list(sources)
        self.client_token = client_token
        self.wait_timeout_seconds, self.poll_initial_seconds = wait_timeout_seconds, poll_initial_seconds
        self.poll_max_seconds, self.adopt_existing = poll_max_seconds, adopt_existing

    def to_props(self) -> dict:
        return {
            "reference_store_id": self.reference_store_id, "role_arn": self.role_arn,
            "sources": [s.to_props() for s in self.sources], "client_token": self.client_token,
            "wait_timeout_seconds": self.wait_timeout_seconds,
            "poll_initial_seconds": self.poll_initial_seconds, "poll_max_seconds": self.poll_max_seconds,
            "adopt_existing": self.adopt_existing,
        }


class ReferenceImportJob(Resource, module="omics", name="ReferenceImportJob"):
    """A HealthOmics reference import job; outputs every field GetReferenceImportJob returns,
    the clientToken used, and per source its reference id, ARN, md5 and status."""

    job_id: pulumi.Output[str]
    reference_store_id: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    status: pulumi.Output[str]
    status_message: pulumi.Output[str | None]
    creation_time: pulumi.Output[str]
    completion_time: pulumi.Output[str | None]
    client_token: pulumi.Output[str]
    sources: pulumi.Output[list[dict]]

    def __init__(self, resource_name: str, args: ReferenceImportJobArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        outputs = dict.fromkeys(("job_id", "status", "status_message", "creation_time",
                                 "completion_time", "resolved_client_token"))
        super().__init__(ReferenceImportJobProvider(), resource_name, {**args.to_props(), **outputs}, opts)
