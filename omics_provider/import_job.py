"""ReferenceImportJob: a HealthOmics reference import (StartReferenceImportJob) as a resource.

Created once, waited for, never repeated: the job's clientToken (given, or derived in `check`)
makes every rerun find the job it already started.
"""

from __future__ import annotations

from collections.abc import Sequence

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

from . import checks, jobs, planning, references, schema, tokens
from .configured import ConfiguredProvider
from .errors import OmicsProviderError
from .references import GONE
from .replacement import why_replaced
from .service_errors import error_code, explain_access_denied
from .settings import ConnectionSettings
from .waiting import Deadline, PollSchedule

SHAPE = schema.REFERENCE_IMPORT_JOB
MODEL_FIELDS = checks.api_members("StartReferenceImportJob", SHAPE.inputs)
# A given client_token shows as a change of the token the job uses; region is compared as the
# effective Region (`region_changed`); sources by their identity.
IDENTITY_FIELDS = (*(n for n in planning.IMPORT_IDENTITY if n not in ("client_token", "region")),
                   "resolved_client_token")
WAIT_FIELDS = tuple(p.name for p in SHAPE.properties if p.kind == schema.SETTING and p.type == "number")
RECORDED_FIELDS = tuple(n for n in SHAPE.names(*schema.INPUT_KINDS, schema.PLAN) if n != "sources")
OUTPUT_FIELDS = SHAPE.names(schema.PLAN, schema.OUTPUT)


class ReferenceImportJobProvider(ConfiguredProvider):
    """The dynamic provider: a thin adapter over `jobs` and `references`. Holds no client,
    session or credential: only connection settings."""

    def check(self, olds: dict, news: dict) -> CheckResult:
        """Every input against the service model's rules, then the plan (`planning`): the
        clientToken, the source objects recorded, warnings and pre-flight refusals. For an
        import that stays, the known outputs are carried into the inputs, since a preview shows
        an update's checked inputs as its outputs."""
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
        failures += checks.region_failures(news.get("region"))
        if failures:
            return CheckResult(news, failures)
        if not checks.is_known([news.get(k) for k in ("role_arn", "sources", "region")]):
            return CheckResult(news, [])  # a preview before what it depends on exists
        store_known = checks.is_known(news.get("reference_store_id"))
        plan = planning.plan_import(self.settings, olds, news, store_known)
        for warning in plan.warnings:
            pulumi.log.warn(warning)
        if plan.failures:
            return CheckResult(news, [CheckFailure(path, reason) for path, reason in plan.failures])
        if not store_known:
            return CheckResult({**news, "source_objects": plan.source_objects}, [])
        inputs = {**news, "resolved_client_token": plan.token, "source_objects": plan.source_objects}
        if planning.same_import(olds, news) and plan.token == olds.get("resolved_client_token"):
            if olds.get("job_id"):
                inputs = planning.carry_outputs(olds, inputs)
            elif planning.tags_changed(olds, news):
                # Only an update's preview shows these inputs as the outputs (an unchanged import
                # keeps its outputs): look them up for it alone, so a no-op preview calls nothing.
                inputs = planning.carry_outputs(self._outputs_of(olds), inputs)
        return CheckResult(inputs, [])

    def _outputs_of(self, olds: dict) -> dict:
        """The outputs of the import `olds` describes, looked up read-only (for a preview, when
        the recorded inputs do not carry them yet); `olds` itself when they cannot be found."""
        try:
            return jobs.find_outputs(self.omics(olds), olds) or olds
        except (ClientError, BotoCoreError) as exc:
            pulumi.log.warn(f"could not look up the import's references for the preview ({exc})")
            return olds

    def diff(self, _id: str, olds: dict, news: dict) -> DiffResult:
        """Inputs only (`olds` are the old outputs): identity changes replace, tags update."""
        replaces = [
            key for key in IDENTITY_FIELDS
            if not checks.is_known(news.get(key)) or olds.get(key) != news.get(key)
        ]
        if self.region_changed(olds, news):
            replaces.append("region")
        old_sources, new_sources = olds.get("sources") or [], news.get("sources") or []
        if (not checks.is_known(new_sources)
                or planning.source_identity(old_sources) != planning.source_identity(new_sources)
                or any(s.get("status") in GONE for s in old_sources)):  # drift: re-import
            replaces.append("sources")
        retag = not replaces and any(
            (o.get("tags") or {}) != (n.get("tags") or {})
            for o, n in zip(old_sources, new_sources, strict=True))
        if replaces:  # one line per replaced import in the preview: why
            pulumi.log.info(f"import job {_id} will be replaced: {why_replaced(olds, news)}")
        return DiffResult(changes=bool(replaces) or retag, replaces=replaces,
                          delete_before_replace=False)

    @explain_access_denied
    def create(self, props: dict) -> CreateResult:
        """Start the job (or find the one this token started) and wait until it completes."""
        token = props["resolved_client_token"]  # check derived it; the engine always checks first
        schedule = _schedule(props)
        deadline = Deadline(schedule.timeout)
        omics = self.omics(props)
        if props.get("adopt_existing"):
            return self._adopt(omics, props, token)
        store = props["reference_store_id"]
        request = {"referenceStoreId": store, "roleArn": props["role_arn"],
                   "sources": checks.to_api(props["sources"])}
        started, used_token = jobs.start_or_find(omics, request, token, deadline, pulumi.log)
        job_id = started["id"]
        job = jobs.wait_for_job(omics, store, job_id, used_token, schedule, deadline, pulumi.log,
                                first=started)
        sources = jobs.source_outputs(omics, store, props["sources"], job)
        return CreateResult(job_id, _outputs(props, job, used_token, sources))

    def _adopt(self, omics, props: dict, token: str) -> CreateResult:
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
            expected = _plain_md5(self.settings, source["source_file"], props.get("region"))
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
        pulumi.log.info(f"adopted {len(sources)} reference(s) in store {store}")
        return CreateResult(job_id, _outputs(props, job, token, sources))

    @explain_access_denied
    def update(self, _id: str, olds: dict, news: dict) -> UpdateResult:
        """Tag changes on each reference; all outputs returned."""
        omics = self.omics(olds)
        sources = []
        for old, new in zip(olds["sources"], news["sources"], strict=True):
            if old.get("arn"):
                references.retag(omics, old["arn"], old.get("tags"), new.get("tags"))
            sources.append({**old, "tags": new.get("tags")})
        outs = {**olds, **{k: news.get(k) for k in RECORDED_FIELDS}, "sources": sources,
                "used_client_token": _used_token(olds)}
        return UpdateResult(outs)

    @explain_access_denied
    def read(self, id_: str, props: dict) -> ReadResult:
        """Current job and reference state; gone when every reference is gone."""
        omics = self.omics(props)
        store = props["reference_store_id"]
        outs = {**props, "used_client_token": _used_token(props)}
        if not id_.startswith("adopted-"):
            try:
                outs.update(jobs.job_fields(omics.get_reference_import_job(referenceStoreId=store, id=id_)))
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
            return ReadResult(None, {})
        return ReadResult(id_, outs)

    @explain_access_denied
    def delete(self, _id: str, props: dict) -> None:
        """Delete each reference (ones already gone are fine) and wait until they are gone."""
        owned = [(s["reference_id"], s.get("name"))
                 for s in props.get("sources") or [] if s.get("reference_id")]
        references.delete_and_wait(self.omics(props), props["reference_store_id"], owned)


def _schedule(props: dict) -> PollSchedule:
    defaults = PollSchedule()
    return PollSchedule(
        initial=props.get("poll_initial_seconds") or defaults.initial,
        cap=props.get("poll_max_seconds") or defaults.cap,
        timeout=props.get("wait_timeout_seconds") or defaults.timeout,
    )


def _used_token(props: dict) -> str | None:
    """The token the job was started with. State written before 0.2.0 kept it in `client_token`."""
    return props.get("used_client_token") or props.get("client_token") or props.get("resolved_client_token")


def _outputs(props: dict, job: dict, used_token: str, sources: list[dict]) -> dict:
    return {**props, **jobs.job_fields(job), "used_client_token": used_token, "sources": sources}


def _plain_md5(settings: ConnectionSettings, s3_uri: str, region: str | None) -> str | None:
    """The object's MD5 when its ETag is one (a single-part upload without SSE-KMS), else None."""
    found = tokens.head_object(settings, s3_uri, region)
    if found.state == "missing":
        raise OmicsProviderError(message=f"adopt_existing: {s3_uri} does not exist in S3, so the "
                                         "references cannot be matched to it. Upload it, or fix source_file.")
    version = found.version
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
    15 s). `adopt_existing` takes over ACTIVE references of the same names instead of importing.
    `region` overrides `aws:region` for this import (its store must be in that Region); changing
    it replaces the import."""

    def __init__(self, reference_store_id: pulumi.Input[str], role_arn: pulumi.Input[str],
                 sources: Sequence[ReferenceSourceArgs], client_token: pulumi.Input[str] | None = None,
                 wait_timeout_seconds: float | None = None, poll_initial_seconds: float | None = None,
                 poll_max_seconds: float | None = None, adopt_existing: bool | None = None,
                 region: pulumi.Input[str] | None = None) -> None:
        self.reference_store_id, self.role_arn, self.sources = reference_store_id, role_arn, list(sources)
        self.client_token, self.region = client_token, region
        self.wait_timeout_seconds, self.poll_initial_seconds = wait_timeout_seconds, poll_initial_seconds
        self.poll_max_seconds, self.adopt_existing = poll_max_seconds, adopt_existing

    def to_props(self) -> dict:
        return {
            "reference_store_id": self.reference_store_id, "role_arn": self.role_arn,
            "sources": [s.to_props() for s in self.sources], "client_token": self.client_token,
            "wait_timeout_seconds": self.wait_timeout_seconds,
            "poll_initial_seconds": self.poll_initial_seconds, "poll_max_seconds": self.poll_max_seconds,
            "adopt_existing": self.adopt_existing, "region": self.region,
        }


class ReferenceImportJob(Resource, module="omics", name="ReferenceImportJob"):
    """A HealthOmics reference import job; outputs every field GetReferenceImportJob returns,
    the clientToken the job was started with (`used_client_token`; `client_token` is the input
    as given), and per source its reference id, ARN, md5 and status."""

    job_id: pulumi.Output[str]
    reference_store_id: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    status: pulumi.Output[str]
    status_message: pulumi.Output[str | None]
    creation_time: pulumi.Output[str]
    completion_time: pulumi.Output[str | None]
    client_token: pulumi.Output[str | None]
    used_client_token: pulumi.Output[str]
    region: pulumi.Output[str | None]
    sources: pulumi.Output[list[dict]]

    def __init__(self, resource_name: str, args: ReferenceImportJobArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        outputs = dict.fromkeys(OUTPUT_FIELDS)
        super().__init__(ReferenceImportJobProvider(), resource_name, {**args.to_props(), **outputs}, opts)
