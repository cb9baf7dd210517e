"""Import-job mechanics as plain functions over an omics client: start the job for a
clientToken (or find the one it already started) and wait for it to end.

They take what they act on (`omics`, a `Deadline` with its clock, `sleep`, and `log`, anything
with `info` and `warn`), so a test passes a stubbed client and a fake clock, and a native
provider can reuse them unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from . import references, tokens
from .errors import ImportFailed, OmicsProviderError, TokenConflict, WaitTimedOut
from .service_errors import error_code, error_message, is_transient
from .waiting import BUSY_STORE_DELAY_SECONDS, Deadline, PollSchedule, attempts

RUNNING = ("SUBMITTED", "IN_PROGRESS", "CANCELLING")


class Log(Protocol):
    """Where progress goes (pulumi.log in the dynamic provider)."""

    def info(self, msg: str) -> Any: ...
    def warn(self, msg: str) -> Any: ...


def start_or_find(omics, request: dict, token: str, deadline: Deadline, log: Log,
                  sleep: Callable[[float], None] = time.sleep) -> tuple[str, str]:
    """(job id, token used) for this request: the job this token started, else a new one; a
    new token (`-rN`) when the references of the token's job were deleted since. While the store
    is busy with another import, waits its turn until the deadline."""
    store = request["referenceStoreId"]
    generation, used, busy_said = 0, token, False
    while True:
        try:
            job = omics.start_reference_import_job(clientToken=used, **request)
        except ClientError as exc:
            if error_code(exc) == "ConflictException":
                raise TokenConflict(token=used, store_id=store, detail=error_message(exc)) from None
            if error_code(exc) != "ServiceQuotaExceededException":
                raise
            # One import at a time per store: wait our turn instead of failing.
            if deadline.passed():
                raise OmicsProviderError(message=(
                    f"Reference store {store} stayed busy with other imports for "
                    f"{deadline.elapsed():.0f} s (wait_timeout_seconds); nothing was started. "
                    "Run `pulumi up` again later.")) from None
            if not busy_said:
                log.info(f"reference store {store} is busy ({error_message(exc)}); waiting for its turn")
                busy_said = True
            sleep(min(BUSY_STORE_DELAY_SECONDS, max(deadline.remaining(), 0.05)))
            continue
        if job["status"] == "COMPLETED" and references_gone(omics, store, job["id"]):
            generation += 1
            used = tokens.restore_token(token, generation)
            log.info(f"references of import job {job['id']} were deleted outside Pulumi; "
                     f"importing again with clientToken {used}")
            continue
        if used == token and job["status"] != "SUBMITTED":
            log.info(f"resuming reference import job {job['id']} (clientToken {used})")
        return job["id"], used


def references_gone(omics, store_id: str, job_id: str) -> bool:
    """True when any reference this job created has been deleted."""
    job = omics.get_reference_import_job(referenceStoreId=store_id, id=job_id)
    return any(
        source.get("referenceId")
        and references.status(omics, store_id, source["referenceId"]) in references.GONE
        for source in job.get("sources", []))


def wait_for_job(omics, store_id: str, job_id: str, token: str, schedule: PollSchedule,
                 deadline: Deadline, log: Log, sleep: Callable[[float], None] = time.sleep) -> dict:
    """Poll with backoff until the job ends, logging each change of progress. Returns the
    COMPLETED job; raises ImportFailed when it ended otherwise (references of a job that
    COMPLETED_WITH_FAILURES are deleted first) and WaitTimedOut at the deadline."""
    seen, job = None, None
    for _ in attempts(deadline, schedule, sleep):
        try:
            job = omics.get_reference_import_job(referenceStoreId=store_id, id=job_id)
        except (ClientError, BotoCoreError) as exc:
            if not is_transient(exc) or deadline.passed():
                raise
            log.warn(f"checking reference import job {job_id} failed for now ({exc}); retrying")
            continue
        statuses = [s["status"] for s in job.get("sources", [])]
        progress = (job["status"], statuses.count("FINISHED"), statuses.count("FAILED"))
        if progress != seen:
            seen = progress
            log.info(f"reference import job {job_id}: {job['status']}, "
                     f"{progress[1]}/{len(statuses)} sources finished"
                     + (f", {progress[2]} failed" if progress[2] else ""))
        if job["status"] not in RUNNING:
            return _completed(omics, store_id, job)
    raise WaitTimedOut(job_id=job_id, store_id=store_id, status=job["status"] if job else "unknown",
                       seconds=deadline.elapsed(), token=token)


def _completed(omics, store_id: str, job: dict) -> dict:
    if job["status"] == "COMPLETED":
        return job
    failures = "; ".join(f"{s['name']}: {s.get('statusMessage', 'failed')}"
                         for s in job.get("sources", []) if s["status"] == "FAILED")
    cleanup = ""
    if job["status"] == "COMPLETED_WITH_FAILURES":
        imported = [(s["referenceId"], s["name"]) for s in job.get("sources", []) if s.get("referenceId")]
        references.delete_and_wait(omics, store_id, imported)
        cleanup = (f"The {len(imported)} reference(s) it did import were deleted, "
                   "so nothing is left half-made. ")
    raise ImportFailed(job_id=job["id"], store_id=store_id, status=job["status"],
                       failures=failures or job.get("statusMessage") or "no reason given", cleanup=cleanup)
