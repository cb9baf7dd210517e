"""What happens to a reference import at each step of its life (check, diff, create, read,
update, delete), as plain functions over property dicts with the provider's (snake_case) names.
Both faces adapt these: the dynamic provider (`import_job`) and the native plugin (`plugin`).
No rule, token or wait lives in a face.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from . import checks, jobs, planning, references, s3_objects, schema
from .errors import OmicsProviderError
from .jobs import Log
from .replacement import why_replaced
from .service_errors import error_code
from .settings import ConnectionSettings
from .values import GONE
from .waiting import Deadline, PollSchedule

SHAPE = schema.REFERENCE_IMPORT_JOB
MODEL_FIELDS = checks.api_members("StartReferenceImportJob", SHAPE.inputs)
# A given client_token shows as a change of the token the job uses; region is compared as the
# effective Region; sources by their identity.
IDENTITY_FIELDS = (*(n for n in planning.IMPORT_IDENTITY if n not in ("client_token", "region")),
                   "resolved_client_token")
WAIT_FIELDS = tuple(p.name for p in SHAPE.properties if p.kind == schema.SETTING and p.type == "number")
RECORDED_FIELDS = tuple(n for n in SHAPE.names(*schema.INPUT_KINDS, schema.PLAN) if n != "sources")
OUTPUT_FIELDS = SHAPE.names(schema.PLAN, schema.OUTPUT)


@dataclass
class Checked:
    """What `check` makes of the inputs: the inputs to record (with the plan), or failures."""

    inputs: dict
    failures: list[tuple[str, str]] = field(default_factory=list)
    same: bool = False  # the import stays as it is (same identity, same token)


@dataclass
class Change:
    """What `diff` finds: the inputs whose change replaces the import, and whether tags change."""

    replaces: list[str]
    retag: list[int]  # indexes of the sources whose tags change
    why: str = ""  # one line for the reviewer when the import is replaced

    @property
    def changes(self) -> bool:
        return bool(self.replaces or self.retag)


def check(settings: ConnectionSettings, olds: dict, news: dict, log: Log) -> Checked:
    """Every input against the service model's rules, then the plan (`planning`): the
    clientToken, the source objects recorded, warnings (logged) and pre-flight refusals."""
    failures = checks.model_failures("StartReferenceImportJob", news, MODEL_FIELDS)
    sources = news.get("sources")
    if isinstance(sources, list):
        names = [s.get("name") for s in sources if isinstance(s, dict) and checks.is_known(s.get("name"))]
        for i, source in enumerate(sources):
            if not isinstance(source, dict):
                continue
            if source.get("name") is not None and names.count(source.get("name")) > 1:
                failures.append((f"sources[{i}].name", f"{source['name']!r} is used by more than one "
                                 "source; names must be unique within a job"))
            failures += checks.tag_failures(source.get("tags"), f"sources[{i}].tags")
    for name in WAIT_FIELDS:
        failures += checks.positive_number(news, name)
    failures += checks.region_failures(news.get("region"))
    if failures:
        return Checked(news, failures)
    if not checks.is_known([news.get(k) for k in ("role_arn", "sources", "region")]):
        return Checked(news)  # a preview before what it depends on exists
    store_known = checks.is_known(news.get("reference_store_id"))
    plan = planning.plan_import(settings, olds, news, store_known)
    for warning in plan.warnings:
        log.warn(warning)
    if plan.failures:
        return Checked(news, plan.failures)
    if not store_known:
        return Checked({**news, "source_objects": plan.source_objects})
    inputs = {**news, "resolved_client_token": plan.token, "source_objects": plan.source_objects}
    same = planning.same_import(olds, news) and plan.token == olds.get("resolved_client_token")
    return Checked(inputs, same=same)


def find_outputs(settings: ConnectionSettings, olds: dict, log: Log) -> dict:
    """The outputs of the import `olds` describes, looked up read-only; `olds` itself when they
    cannot be found."""
    try:
        return jobs.find_outputs(settings.omics(olds), olds) or olds
    except (ClientError, BotoCoreError) as exc:
        log.warn(f"could not look up the import's references for the preview ({exc})")
        return olds


def diff(olds: dict, news: dict, region_changed: bool) -> Change:
    """Compare the recorded outputs `olds` with the checked inputs `news`: identity changes (and
    references deleted outside Pulumi) replace, tags update."""
    replaces = [key for key in IDENTITY_FIELDS
                if not checks.is_known(news.get(key)) or olds.get(key) != news.get(key)]
    if region_changed:
        replaces.append("region")
    old_sources, new_sources = olds.get("sources") or [], news.get("sources") or []
    if (not checks.is_known(new_sources)
            or planning.source_identity(old_sources) != planning.source_identity(new_sources)
            or any(s.get("status") in GONE for s in old_sources)):  # drift: re-import
        replaces.append("sources")
    retag = [] if replaces else [
        i for i, (o, n) in enumerate(zip(old_sources, new_sources, strict=True))
        if (o.get("tags") or {}) != (n.get("tags") or {})]
    return Change(replaces, retag, why_replaced(olds, news) if replaces else "")


def schedule_of(props: dict, timeout: float | None = None) -> PollSchedule:
    """The poll schedule the inputs ask for; `timeout` (a custom timeout) overrides the wait."""
    defaults = PollSchedule()
    return PollSchedule(
        initial=props.get("poll_initial_seconds") or defaults.initial,
        cap=props.get("poll_max_seconds") or defaults.cap,
        timeout=timeout or props.get("wait_timeout_seconds") or defaults.timeout,
    )


def create(settings: ConnectionSettings, props: dict, log: Log,
           timeout: float | None = None, recorded: dict | None = None) -> tuple[str, dict]:
    """Start the job (or find the one this token started) and wait until it completes: the
    job id and every output. `recorded`: what the state kept of a create that ended at its
    deadline; its job, when it was started for these same inputs (same token), is waited for by
    its id and never started again, however long the service remembers clientTokens. With a
    derived token and nothing recorded (the dynamic provider keeps nothing of a failed create),
    a job an earlier run started for these sources is found in the store before any start."""
    token = props["resolved_client_token"]  # check derived it; the engine always checks first
    schedule = schedule_of(props, timeout)
    deadline = Deadline(schedule.timeout)
    omics = settings.omics(props)
    if props.get("adopt_existing"):
        return adopt(settings, omics, props, token, log)
    store = props["reference_store_id"]
    request = {"referenceStoreId": store, "roleArn": props["role_arn"],
               "sources": checks.to_api(props["sources"])}
    if recorded and recorded.get("job_id") and recorded.get("resolved_client_token") == token:
        token_used = used_token(recorded) or token
        started = omics.get_reference_import_job(referenceStoreId=store, id=recorded["job_id"])
        log.info(f"resuming reference import job {started['id']} (recorded in the state)")
    elif earlier := (None if props.get("client_token") else _earlier_job(settings, omics, props, request)):
        started, token_used = earlier, token
        log.info(f"resuming reference import job {earlier['id']} (started earlier for these same "
                 "sources; found in the store, since the service may have forgotten its clientToken)")
    else:
        started, token_used = jobs.start_or_find(omics, request, token, deadline, log)
    job = jobs.wait_for_job(omics, store, started["id"], token_used, schedule, deadline, log, first=started)
    sources = jobs.source_outputs(omics, store, props["sources"], job)
    return started["id"], outputs(props, job, token_used, sources)


def _earlier_job(settings: ConnectionSettings, omics, props: dict, request: dict) -> dict | None:
    """The job an earlier run started for this request, found in the store (`jobs.find_earlier`):
    none when a source object's write time cannot be read (a start then relies on the token)."""
    objects = s3_objects.lookup_now(settings, [s["source_file"] for s in props["sources"]],
                                    props.get("region"))
    if any(o.modified is None for o in objects):
        return None
    return jobs.find_earlier(omics, request, max(o.modified for o in objects))


def adopt(settings: ConnectionSettings, omics, props: dict, token: str, log: Log) -> tuple[str, dict]:
    """Take over ACTIVE references whose names (and md5, where S3 tells it) match."""
    store = props["reference_store_id"]
    sources, job_ids = [], set()
    for source in props["sources"]:
        found = [r for r in references.list_references(omics, store, source["name"])
                 if r.get("status") == "ACTIVE"]
        if not found:
            raise OmicsProviderError(message=(
                f"adopt_existing: store {store} has no ACTIVE reference named {source['name']!r}. "
                "Import it instead (adopt_existing: false), or fix the name."))
        expected = _plain_md5(settings, source["source_file"], props.get("region"))
        matching = [r for r in found if expected is None or r["md5"] == expected]
        if not matching:
            raise OmicsProviderError(message=(
                f"adopt_existing: reference {found[0]['id']} named {source['name']!r} in store {store} "
                f"has md5 {found[0]['md5']}, but {source['source_file']} has md5 {expected}. "
                "Adopt only references imported from these files."))
        chosen = matching[0]
        meta = omics.get_reference_metadata(referenceStoreId=store, id=chosen["id"])
        job_ids.add(meta.get("creationJobId"))
        sources.append({**source, "reference_id": chosen["id"], "arn": chosen["arn"],
                        "md5": chosen["md5"], "status": chosen["status"], "import_status": "FINISHED"})
    job_id = job_ids.pop() if len(job_ids) == 1 and None not in job_ids else f"adopted-{token[-20:]}"
    job = {"id": job_id, "status": "COMPLETED"}
    if not job_id.startswith("adopted-"):
        job = omics.get_reference_import_job(referenceStoreId=store, id=job_id)
    log.info(f"adopted {len(sources)} reference(s) in store {store}")
    return job_id, outputs(props, job, token, sources)


def update(settings: ConnectionSettings, olds: dict, news: dict) -> dict:
    """Tag changes on each reference; every output."""
    omics = settings.omics(olds)
    for old, new in zip(olds["sources"], news["sources"], strict=True):
        if old.get("arn"):
            references.retag(omics, old["arn"], old.get("tags"), new.get("tags"))
    return updated(olds, news)


def updated(olds: dict, news: dict) -> dict:
    """The outputs after an update: the recorded ones, with the new inputs and tags."""
    pairs = zip(olds["sources"], news["sources"], strict=True)
    sources = [{**old, "tags": new.get("tags")} for old, new in pairs]
    return {**olds, **{k: news.get(k) for k in RECORDED_FIELDS}, "sources": sources,
            "used_client_token": used_token(olds)}


def imported(settings: ConnectionSettings, store_id: str, job_id: str, region: str | None = None) -> dict:
    """The inputs and outputs of an import made outside Pulumi (by any tool), from its job and
    references: the inputs `check` would make of them, so that a program declaring the same
    import previews with no change."""
    omics = settings.client("omics", region)
    job = omics.get_reference_import_job(referenceStoreId=store_id, id=job_id)
    sources = []
    for done in job.get("sources", []):
        source = {"name": done.get("name"), "source_file": done.get("sourceFile")}
        meta = references.metadata(omics, store_id, done["referenceId"]) if done.get("referenceId") else None
        if meta and meta.get("description"):
            source["description"] = meta["description"]
        if meta:
            tags = omics.list_tags_for_resource(resourceArn=meta["arn"]).get("tags")
            if tags:
                source["tags"] = tags
        sources.append(source)
    inputs = {"reference_store_id": store_id, "role_arn": job["roleArn"], "sources": sources,
              **({"region": region} if region else {})}
    plan = planning.plan_import(settings, {}, inputs)
    inputs.update(resolved_client_token=plan.token, source_objects=plan.source_objects)
    return outputs(inputs, job, plan.token, jobs.source_outputs(omics, store_id, sources, job))


def read(settings: ConnectionSettings, job_id: str, props: dict) -> dict | None:
    """The job and its references as they are; None when every reference is gone."""
    omics = settings.omics(props)
    store = props["reference_store_id"]
    outs = {**props, "used_client_token": used_token(props)}
    if not job_id.startswith("adopted-"):
        try:
            outs.update(jobs.job_fields(omics.get_reference_import_job(referenceStoreId=store, id=job_id)))
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
    sources = []
    for source in props.get("sources") or []:
        source = dict(source)
        reference_id = source.get("reference_id")
        meta = references.metadata(omics, store, reference_id) if reference_id else None
        if meta is None:
            source["status"] = "DELETED"
        else:
            source.update(arn=meta["arn"], md5=meta["md5"], status=meta.get("status"),
                          description=meta.get("description"))
            source["tags"] = omics.list_tags_for_resource(resourceArn=meta["arn"]).get("tags") or None
        sources.append(source)
    outs["sources"] = sources
    if sources and all(s["status"] in GONE for s in sources):
        return None
    return outs


def delete(settings: ConnectionSettings, props: dict, timeout: float | None = None) -> None:
    """Delete each reference (ones already gone are fine) and wait until they are gone, for at
    most `timeout` seconds (a custom timeout) or DELETE_WAIT_SECONDS."""
    owned = [(s["reference_id"], s.get("name")) for s in props.get("sources") or [] if s.get("reference_id")]
    references.delete_and_wait(settings.omics(props), props["reference_store_id"],
                               owned, wait_seconds=timeout or references.DELETE_WAIT_SECONDS)


def used_token(props: dict) -> str | None:
    """The token the job was started with. State written before 0.2.0 kept it in `client_token`."""
    return props.get("used_client_token") or props.get("client_token") or props.get("resolved_client_token")


def outputs(props: dict, job: dict, token: str, sources: list[dict]) -> dict:
    """The inputs with what the job made of them."""
    return {**props, **jobs.job_fields(job), "used_client_token": token, "sources": sources}


def _plain_md5(settings: ConnectionSettings, s3_uri: str, region: str | None) -> str | None:
    """The object's MD5 when its ETag is one (a single-part upload without SSE-KMS), else None."""
    found = s3_objects.lookup(settings, s3_uri, region)
    if found.state == "missing":
        raise OmicsProviderError(message=f"adopt_existing: {s3_uri} does not exist in S3, so the "
                                         "references cannot be matched to it. Upload it, or fix source_file.")
    version = found.version
    if version and version.startswith("etag:"):
        etag = version[5:]
        if len(etag) == 32 and all(c in "0123456789abcdef" for c in etag):
            return etag
    return None
