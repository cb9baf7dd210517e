"""Import-job mechanics as plain functions over an omics client: start the job for a
clientToken (or find the one it already started) and wait for it to end.

They take what they act on (`omics`, a `Deadline` with its clock, `sleep`, and `log`, anything
with `info` and `warn`), so both faces call them, and a test passes a stubbed client and a fake
clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from omics_rules.job_states import STILL_IMPORTING, UNFINISHED

from ..aws.service_errors import error_code, error_message, is_transient
from ..aws.waiting import BUSY_STORE_DELAY_SECONDS, Deadline, PollSchedule, attempts
from ..errors import ImportFailed, OmicsProviderError, TokenConflict, WaitTimedOut
from . import ownership, references, tokens

NEVER_BUSY = ("AccessDeniedException", "ResourceNotFoundException")  # answers, not a busy store
MAX_GENERATIONS = 100  # -rN tokens one create tries before it gives up
FREE_REFUSALS = 3  # starts refused while no import runs before the refusal is the answer
VISIBLE_WITHIN_SECONDS = 60.0  # how long a job just started may be "not found" before that is an error


class Log(Protocol):
    """Where progress goes (pulumi.log in the dynamic provider)."""

    def info(self, msg: str) -> Any: ...
    def warn(self, msg: str) -> Any: ...


def start_or_find(omics, request: dict, token: str, deadline: Deadline, log: Log,
                  sleep: Callable[[float], None] = time.sleep, owner: str | None = None,
                  generation: int = 0, replacing: bool = False) -> tuple[dict, str, bool]:
    """(the job as GetReferenceImportJob answers, token used, whether this call started it) for
    this request: the job this token started, else a new one; a new token (`-rN`) when the
    references of the token's job were deleted since, or (`replacing`: this import replaces its
    resource's import) when they are still there. `generation`: start at that `-rN`; `owner`:
    each source carries the owner mark of the token it is started with (`ownership`).

    Holds whatever way the service answers what it does not document: a start refused while
    another import runs in the store (any error code) waits its turn, asking the service whether
    the store is busy; a start accepted but held SUBMITTED behind another job is returned and
    waited for like any other; a job that a reused token returns is checked against the request
    (TokenConflict when it is another import), whether the service answers that case with
    ConflictException or with the original job."""
    store = request["referenceStoreId"]
    used = tokens.restore_token(token, generation) if generation else token
    busy_said, refused_while_free = False, 0
    while True:
        if generation > MAX_GENERATIONS:
            raise OmicsProviderError(message=(
                f"clientToken {token!r} has been used for {MAX_GENERATIONS} imports in store {store}; "
                "nothing more was started. Set client_token to a new value."))
        sources = [{**s, "tags": ownership.marked(s.get("tags"), owner, used)} if owner else s
                   for s in request["sources"]]
        try:
            job = omics.start_reference_import_job(clientToken=used, **{**request, "sources": sources})
        except ClientError as exc:
            if error_code(exc) in NEVER_BUSY:
                raise
            running = [job["id"] for job in running_jobs(omics, store)]
            ahead = running or ended_since(omics, store, exc)
            refused_while_free = 0 if ahead else refused_while_free + 1
            if not ahead and refused_while_free < FREE_REFUSALS:
                # a service that shows no end times leaves only asking again, then believing it
                if refused_while_free > 1:
                    sleep(min(BUSY_STORE_DELAY_SECONDS, max(deadline.remaining(), 0.05)))
                continue
            if not ahead:
                if error_code(exc) == "ConflictException":
                    raise TokenConflict(token=used, store_id=store, detail=error_message(exc)) from None
                raise
            if deadline.passed():
                raise OmicsProviderError(message=(
                    f"Reference store {store} stayed busy with other imports for "
                    f"{deadline.elapsed():.0f} s (wait_timeout_seconds); nothing was started. "
                    "Run `pulumi up` again later.")) from None
            if not busy_said:
                log.info(f"reference store {store} is busy with import job {ahead[0]} "
                         f"({error_code(exc)}: {error_message(exc)}); waiting for its turn")
                busy_said = True
            if running:  # else the import that held the store has ended: its turn may be now
                sleep(min(BUSY_STORE_DELAY_SECONDS, max(deadline.remaining(), 0.05)))
            continue
        detail = _once_visible(omics, store, job["id"], used, deadline, sleep)
        mismatch = _mismatch(request, detail)
        if mismatch:
            raise TokenConflict(token=used, store_id=store,
                                detail=f"it started import job {job['id']} {mismatch}")
        if detail["status"] == "COMPLETED" and _references_gone(omics, store, detail):
            generation += 1
            used = tokens.restore_token(token, generation)
            log.info(f"references of import job {job['id']} were deleted outside Pulumi; "
                     f"importing again with clientToken {used}")
            continue
        if replacing and job.get("status") == "COMPLETED":  # the start found the token's finished job
            generation += 1
            used = tokens.restore_token(token, generation)
            log.info(f"import job {job['id']} made the import this one replaces; importing anew with "
                     f"clientToken {used}")
            continue
        if job.get("status") != "SUBMITTED":  # the token's job had begun before this start
            log.info(f"resuming reference import job {job['id']} (clientToken {used})")
        else:
            log.info(f"started reference import job {job['id']} (clientToken {used})")
        return detail, used, job.get("status") == "SUBMITTED"


def _once_visible(omics, store_id: str, job_id: str, token: str, deadline: Deadline,
                  sleep: Callable[[float], None]) -> dict:
    """The job just started, as GetReferenceImportJob answers once it finds it: reads may lag a
    start (AWS documents neither a lag nor its absence), so ResourceNotFound is asked again for
    up to VISIBLE_WITHIN_SECONDS (within the deadline); a passing failure (throttling, a time-out)
    is asked again until the deadline, as the wait does."""
    lag = Deadline(min(VISIBLE_WITHIN_SECONDS, max(deadline.remaining(), 0.0)), deadline.clock)
    while True:
        try:
            return omics.get_reference_import_job(referenceStoreId=store_id, id=job_id)
        except (ClientError, BotoCoreError) as exc:
            if is_transient(exc) and not deadline.passed():
                sleep(1.0)
                continue
            if not isinstance(exc, ClientError) or error_code(exc) != "ResourceNotFoundException":
                raise
            if lag.passed():
                raise OmicsProviderError(message=(
                    f"Reference import job {job_id} was started in store {store_id} (clientToken "
                    f"{token}), but GetReferenceImportJob still does not find it after "
                    f"{lag.elapsed():.0f} s. Run `pulumi up` again: the same clientToken finds the "
                    "job, and no second import is started.")) from None
        sleep(min(0.5, max(lag.remaining(), 0.05)))


def find_earlier(omics, request: dict, written: datetime, mark: str | None, deadline: Deadline,
                 log: Log, sleep: Callable[[float], None] = time.sleep) -> dict | None:
    """The job an earlier run started for this very request, found without its clientToken
    (the service forgets tokens after a window it does not document): a job of the store that
    has not ended, or the one that made an ACTIVE reference named like the first source, whose
    role and sources (name, file, description) are the request's, created after `written` (when
    the newest source object was written, so it read these very objects), not failed, with no
    references deleted since, and carrying the owner mark `mark` (this resource's import;
    None: only jobs with no mark at all). A job of another owner is never taken. A running job
    whose sources' tags the service does not show is waited for (within the deadline; the store
    imports one job at a time, so a new start would wait as long) and judged by its references.
    GetReferenceImportJob of it, or None."""
    store = request["referenceStoreId"]
    candidates = [job["id"] for job in store_jobs(omics, store, createdAfter=written)  # not one per status
                  if job["status"] in STILL_IMPORTING]
    for ref in references.list_references(omics, store, request["sources"][0]["name"]):
        meta = references.metadata(omics, store, ref["id"]) if ref.get("status") == "ACTIVE" else None
        if meta and meta.get("creationJobId"):
            candidates.append(meta["creationJobId"])
    for job_id in dict.fromkeys(candidates):
        job = omics.get_reference_import_job(referenceStoreId=store, id=job_id)
        created = job.get("creationTime")
        if (_mismatch(request, job) or created is None or created <= written):
            continue
        found = job_mark(omics, store, job)
        if found is UNSEEN:  # running, and the service does not show its sources' tags
            log.info(f"import job {job_id} in store {store} imports these same sources; waiting for "
                     "it to end to see from its references whose import it is")
            job = _ended(omics, store, job_id, deadline, sleep)
            if job is None:
                continue
            found = job_mark(omics, store, job)
        if found != mark:
            continue
        if job["status"] in STILL_IMPORTING or (
                job["status"] == "COMPLETED" and not _references_gone(omics, store, job)):
            return job
    return None


UNSEEN = object()  # a running job's owner mark that the service's answer does not show


def job_mark(omics, store_id: str, job: dict) -> object:
    """The owner mark (tag value) of the job's import: its first reference's, else, while no
    reference exists, its sources' tags as the service shows them; None when unmarked, UNSEEN
    when the job still runs and they are not shown."""
    for source in job.get("sources", []):
        if source.get("referenceId"):
            meta = references.metadata(omics, store_id, source["referenceId"])
            if meta is not None:
                tags = omics.list_tags_for_resource(resourceArn=meta["arn"]).get("tags") or {}
                return tags.get(ownership.KEY)
    for source in job.get("sources", []):
        if source.get("tags"):
            return source["tags"].get(ownership.KEY)
    return UNSEEN if job.get("status") in STILL_IMPORTING else None


def _ended(omics, store_id: str, job_id: str, deadline: Deadline,
           sleep: Callable[[float], None]) -> dict | None:
    """The job once it has ended, or None when the deadline passes first."""
    for _ in attempts(deadline, PollSchedule(initial=1.0, cap=5.0), sleep):
        job = omics.get_reference_import_job(referenceStoreId=store_id, id=job_id)
        if job["status"] not in UNFINISHED:
            return job
    return None


def _described(job: dict) -> list[tuple]:
    """(name, description) of each source of a job or a start request, sorted."""
    return sorted((s.get("name"), s.get("description") or None) for s in job.get("sources", []))


def store_jobs(omics, store_id: str, **only: Any) -> list[dict]:
    """The store's import jobs as ListReferenceImportJobs lists them, every page; `only`: its
    filter's members (status, createdAfter, createdBefore), when given."""
    pages = omics.get_paginator("list_reference_import_jobs").paginate(
        referenceStoreId=store_id, **({"filter": only} if only else {}))
    return [job for page in pages for job in page.get("importJobs", [])]


def running_jobs(omics, store_id: str, statuses: tuple[str, ...] = UNFINISHED) -> list[dict]:
    """The store's import jobs that have not ended (or in these statuses), as the service lists them."""
    return [job for status in statuses for job in store_jobs(omics, store_id, status=status)]


def ended_since(omics, store_id: str, refusal: ClientError) -> list[str]:
    """The store's import jobs that ended since the service refused a start (its answer's Date,
    to the second, on the service's own clock), as ListReferenceImportJobs shows their end
    times: an import that held the store can end before a listing of the unfinished ones (which
    waits its turn under the quota) is answered. Empty when the service shows no date or no end
    times."""
    date = (refusal.response.get("ResponseMetadata", {}).get("HTTPHeaders") or {}).get("date")
    try:
        refused_at = parsedate_to_datetime(date) - timedelta(seconds=1)
    except (TypeError, ValueError):  # no Date, or not a date
        return []
    return [job["id"] for job in store_jobs(omics, store_id)
            if job.get("completionTime") and job["completionTime"] >= refused_at]


def _mismatch(request: dict, job: dict) -> str | None:
    """How the job differs from the request (store, role, each source's name, file and
    description), or None."""
    if job.get("referenceStoreId") != request["referenceStoreId"]:
        return f"in store {job.get('referenceStoreId')}"
    if job.get("roleArn") != request["roleArn"]:
        return f"with role {job.get('roleArn')}, not {request['roleArn']}"
    asked, got = _source_files(request), _source_files(job)
    if asked != got:
        return f"with sources {got}, not {asked}"
    if _described(request) != _described(job):
        return f"with descriptions {_described(job)}, not {_described(request)}"
    return None


def _source_files(job: dict) -> list[tuple]:
    """(name, sourceFile) of each source of a job or a start request, sorted."""
    return sorted((s.get("name"), s.get("sourceFile")) for s in job.get("sources", []))


def _references_gone(omics, store_id: str, job: dict) -> bool:
    """True when any reference this job created has been deleted."""
    return any(
        source.get("referenceId")
        and references.status(omics, store_id, source["referenceId"]) in references.GONE
        for source in job.get("sources", []))


def wait_for_job(omics, store_id: str, job_id: str, token: str, schedule: PollSchedule,
                 deadline: Deadline, log: Log, sleep: Callable[[float], None] = time.sleep,
                 first: dict | None = None) -> dict:
    """Poll with backoff until the job ends, logging each change of progress (`first`: the job
    as just read, which stands for the first poll). Returns the COMPLETED job; raises
    ImportFailed when it ended otherwise (references of a job that COMPLETED_WITH_FAILURES are
    deleted first) and WaitTimedOut at the deadline."""
    seen, job = None, None
    for attempt in attempts(deadline, schedule, sleep):
        try:
            job = first if attempt == 0 and first is not None else omics.get_reference_import_job(
                referenceStoreId=store_id, id=job_id)
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
        if attempt == 1 and job["status"] == "SUBMITTED":  # not begun at the second look: say why
            ahead = [j["id"] for j in running_jobs(omics, store_id, ("IN_PROGRESS",)) if j["id"] != job_id]
            if ahead:
                log.info(f"import job {job_id} is queued behind import job {', '.join(ahead)} "
                         f"in store {store_id}; waiting for its turn")
        if job["status"] not in UNFINISHED:
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
    failed = [s["name"] for s in job.get("sources", []) if s["status"] == "FAILED"]
    raise ImportFailed(job_id=job["id"], store_id=store_id, status=job["status"],
                       failures=failures or job.get("statusMessage") or "no reason given",
                       cleanup=cleanup + holders_of(omics, store_id, failed))


def holders_of(omics, store_id: str, names: list[str]) -> str:
    """What a reader needs when a source failed and the store already holds ACTIVE references of
    its name (a store may refuse two of a name): who imported each, and what to do."""
    held = []
    for name in names:
        for ref in references.list_references(omics, store_id, name):
            if ref.get("status") == "ACTIVE":
                held.append(f"{ref['id']} named {name!r} ({owner_of(omics, ref['arn'])})")
    if not held:
        return ""
    return (f"The store already holds reference(s) {'; '.join(held)}: to manage one of those, "
            "declare it with adopt_existing (and take_over for one another Pulumi resource owns); "
            "to rename a resource, give it `aliases` so it is not imported again. ")


def owner_of(omics, arn: str) -> str:
    """Who imported a reference, as its owner mark says: `imported by PROJECT/STACK/NAME`."""
    mark = mark_on(omics, arn)
    return f"imported by {mark}" if mark else "no Pulumi owner"


def active_marks(omics, store_id: str, name: str) -> list[tuple[dict, ownership.Mark | None]]:
    """The store's ACTIVE references of this name, each with the owner mark it carries."""
    return [(ref, mark_on(omics, ref["arn"])) for ref in references.list_references(omics, store_id, name)
            if ref.get("status") == "ACTIVE"]


def mark_on(omics, arn: str) -> ownership.Mark | None:
    """The owner mark a reference carries (ListTagsForResource), or None."""
    return ownership.mark_of(omics.list_tags_for_resource(resourceArn=arn).get("tags"))


def find_outputs(omics, props: dict) -> dict | None:
    """The outputs of the import these inputs made, found read-only by the name of its first
    source (ListReferences, GetReferenceMetadata's creationJobId, GetReferenceImportJob): a job
    whose sources are exactly these names and files, imported by this resource (its owner mark,
    when it has an owner). None when there is none."""
    store = props["reference_store_id"]
    wanted = sorted((s["name"], s["source_file"]) for s in props["sources"])
    for candidate in references.list_references(omics, store, props["sources"][0]["name"]):
        meta = references.metadata(omics, store, candidate["id"])
        if not meta or not meta.get("creationJobId"):
            continue
        tags = omics.list_tags_for_resource(resourceArn=meta["arn"]).get("tags") or {}
        if props.get("owner") and not ownership.same_owner(ownership.mark_of(tags), props["owner"]):
            continue
        job = omics.get_reference_import_job(referenceStoreId=store, id=meta["creationJobId"])
        if _source_files(job) != wanted:
            continue
        sources = source_outputs(omics, store, props["sources"], job, known={candidate["id"]: meta})
        return {**props, **job_fields(job), "used_client_token": props.get("resolved_client_token"),
                "sources": sources, "owner_mark": tags.get(ownership.KEY)}
    return None


def source_outputs(omics, store_id: str, sources: list[dict], job: dict,
                   known: dict[str, dict] | None = None) -> list[dict]:
    """Each source (as given) with what `job` made of it: its reference's id, ARN, md5 and status
    (DELETED when there is none), and the job's status for it. `known`: metadata already read,
    by reference id."""
    by_name = {s["name"]: s for s in job.get("sources", [])}
    outputs = []
    for source in sources:
        done = by_name.get(source["name"], {})
        reference_id = done.get("referenceId")
        meta = (known or {}).get(reference_id) or (
            references.metadata(omics, store_id, reference_id) if reference_id else None)
        outputs.append({**source, "reference_id": reference_id, "import_status": done.get("status"),
                        "arn": meta and meta["arn"], "md5": meta and meta["md5"],
                        "status": meta.get("status") if meta else "DELETED"})
    return outputs


def job_fields(job: dict) -> dict:
    """The job's outputs, as the resource names them."""
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None
    return {"job_id": job.get("id"), "status": job.get("status"),
            "status_message": job.get("statusMessage"), "creation_time": iso(job.get("creationTime")),
            "completion_time": iso(job.get("completionTime"))}
