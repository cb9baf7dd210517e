"""ReferenceImportJob: a HealthOmics reference import (StartReferenceImportJob) as a resource.

Created once, waited for, never repeated: the job's clientToken (given, or derived in `check`)
makes every rerun find the job it already started.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    UpdateResult,
)

from . import schema
from .core import hidden, planning
from .core import import_lifecycle as lifecycle
from .dynamic.adapter import adapted
from .dynamic.configured import ConfiguredProvider


class ReferenceImportJobProvider(ConfiguredProvider):
    """The dynamic provider: a thin adapter over `import_lifecycle`. Holds no client, session
    or credential: only connection settings."""

    @adapted(explain=False)
    def check(self, olds: dict, news: dict, log: hidden.HiddenLog, kept: dict) -> CheckResult:
        """Every input against the service model's rules, then the plan: the clientToken, the
        source objects recorded, warnings and pre-flight refusals. For an import that stays,
        the known outputs are carried into the inputs, since a preview shows an update's
        checked inputs as its outputs."""
        checked = lifecycle.check(self.settings, olds, news, log)
        failures = [CheckFailure(path, log.secrets.redact(reason)) for path, reason in checked.failures]
        inputs = checked.inputs
        if checked.same:
            if olds.get("job_id"):
                inputs = planning.carry_outputs(olds, inputs)
            elif planning.tags_changed(olds, news):
                # Only an update's preview shows these inputs as the outputs (an unchanged import
                # keeps its outputs): look them up for it alone, so a no-op preview calls nothing.
                found = lifecycle.find_outputs(self.settings, olds, log)
                inputs = planning.carry_outputs(found, inputs)
        return CheckResult({**inputs, **kept}, failures)

    @adapted(explain=False)
    def diff(self, _id: str, olds: dict, news: dict, log: hidden.HiddenLog, kept: dict) -> DiffResult:
        """Inputs only (`olds` are the old outputs): identity changes replace, tags update."""
        change = lifecycle.diff(olds, news, self.region_changed(olds, news), log=log)
        if change.replaces:  # one line per replaced import in the preview: why
            log.info(f"import job {_id} will be replaced: {change.why}")
        return DiffResult(changes=change.changes, replaces=change.replaces, delete_before_replace=False)

    @adapted()
    def create(self, props: dict, log: hidden.HiddenLog, kept: dict) -> CreateResult:
        """Start the job (or find the one this token started) and wait until it completes; at
        the deadline the state keeps the job, which the next `up` waits for."""
        job_id, outs = lifecycle.create(self.settings, props, log)
        return CreateResult(job_id, {**outs, **kept})

    @adapted()
    def update(self, _id: str, olds: dict, news: dict, log: hidden.HiddenLog, kept: dict) -> UpdateResult:
        """Tag changes on each reference, or the wait for a job recorded at a create's deadline;
        all outputs returned."""
        return UpdateResult({**lifecycle.update(self.settings, olds, news, log), **kept})

    @adapted()
    def read(self, id_: str, props: dict, log: hidden.HiddenLog, kept: dict) -> ReadResult:
        """Current job and reference state; gone when every reference is gone."""
        outs = lifecycle.read(self.settings, id_, props, log)
        return ReadResult(None, {}) if outs is None else ReadResult(id_, {**outs, **kept})

    @adapted()
    def delete(self, _id: str, props: dict, log: hidden.HiddenLog, kept: dict) -> None:
        """Delete the references this import owns (a running job first waited for) and wait
        until they are gone; others are left in place, with a message."""
        lifecycle.delete(self.settings, props, log)


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
    it replaces the import. `take_over` (with adopt_existing) also takes references another
    Pulumi resource owns; `delete_adopted` deletes adopted references on delete (by default they
    are left in place)."""

    def __init__(self, reference_store_id: pulumi.Input[str], role_arn: pulumi.Input[str],
                 sources: Sequence[ReferenceSourceArgs], client_token: pulumi.Input[str] | None = None,
                 wait_timeout_seconds: float | None = None, poll_initial_seconds: float | None = None,
                 poll_max_seconds: float | None = None, adopt_existing: bool | None = None,
                 region: pulumi.Input[str] | None = None, take_over: bool | None = None,
                 delete_adopted: bool | None = None) -> None:
        self.reference_store_id, self.role_arn, self.sources = reference_store_id, role_arn, list(sources)
        self.client_token, self.region = client_token, region
        self.wait_timeout_seconds, self.poll_initial_seconds = wait_timeout_seconds, poll_initial_seconds
        self.poll_max_seconds, self.adopt_existing = poll_max_seconds, adopt_existing
        self.take_over, self.delete_adopted = take_over, delete_adopted

    def to_props(self) -> dict:
        return {
            "reference_store_id": self.reference_store_id, "role_arn": self.role_arn,
            "sources": [s.to_props() for s in self.sources], "client_token": self.client_token,
            "wait_timeout_seconds": self.wait_timeout_seconds,
            "poll_initial_seconds": self.poll_initial_seconds, "poll_max_seconds": self.poll_max_seconds,
            "adopt_existing": self.adopt_existing, "region": self.region, "take_over": self.take_over,
            "delete_adopted": self.delete_adopted,
        }


class ReferenceImportJob(Resource, module=schema.DYNAMIC_MODULE, name=schema.REFERENCE_IMPORT_JOB.name):
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
    owner: pulumi.Output[str]
    owner_mark: pulumi.Output[str | None]
    region: pulumi.Output[str | None]
    sources: pulumi.Output[list[dict]]

    def __init__(self, resource_name: str, args: ReferenceImportJobArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        outputs = dict.fromkeys(lifecycle.OUTPUT_FIELDS)
        # The owner: this resource's URN, as the engine will name it (what a native provider is given).
        outputs["owner"] = pulumi.create_urn(resource_name, schema.dynamic_token(schema.REFERENCE_IMPORT_JOB),
                                             opts.parent if opts else None)
        props = args.to_props()
        outputs[hidden.SECRET_INPUTS] = _secret_inputs(props)
        super().__init__(ReferenceImportJobProvider(), resource_name, {**props, **outputs}, opts)


def _secret_inputs(props: dict) -> pulumi.Output[list[str] | None] | None:
    """The paths (`sources[0].tags.billing`) of the inputs given as secrets, for the provider's
    messages to hide (the engine strips secrets before a dynamic provider sees them)."""
    given = list(_outputs(props, ""))
    if not given:
        return None

    async def secret() -> list[str] | None:
        return [path for path, value in given if await value.is_secret()] or None

    async def known() -> bool:
        return True

    return pulumi.Output(set(), secret(), known())


def _outputs(value: object, path: str) -> Iterator[tuple[str, pulumi.Output]]:
    if isinstance(value, pulumi.Output):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _outputs(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _outputs(item, f"{path}[{i}]")
