"""ReferenceStore: the region's HealthOmics reference store (one per account and Region)."""

from __future__ import annotations

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
from .core import hidden
from .core import store_lifecycle as lifecycle
from .dynamic.adapter import adapted
from .dynamic.configured import ConfiguredProvider


class ReferenceStoreProvider(ConfiguredProvider):
    """The dynamic provider: a thin adapter over `store_lifecycle`."""

    def check(self, olds: dict, news: dict) -> CheckResult:
        """The service model's rules for name, description, sse_config and tags; a warning
        for changes an adopted store ignores."""
        failures = lifecycle.check(olds, news, pulumi.log)
        return CheckResult(news, [CheckFailure(path, reason) for path, reason in failures])

    def diff(self, _id: str, olds: dict, news: dict) -> DiffResult:
        """There is no UpdateReferenceStore: name, description and sse_config replace; tags update."""
        replaces = lifecycle.replaces(olds, news, self.region_changed(olds, news))
        changes = (bool(replaces) or lifecycle.retags(olds, news)
                   or bool(lifecycle.settings_changed(olds, news)))
        return DiffResult(changes=changes, replaces=replaces, delete_before_replace=True)

    @adapted()
    def create(self, props: dict, log: hidden.HiddenLog, kept: dict) -> CreateResult:
        """Create the store (idempotently), or adopt the region's store when asked."""
        store_id, outs = lifecycle.create(self.settings, props, log)
        return CreateResult(store_id, {**outs, **kept})

    @adapted()
    def update(self, id_: str, olds: dict, news: dict, log: hidden.HiddenLog, kept: dict) -> UpdateResult:
        """Tag changes; all outputs returned."""
        return UpdateResult({**lifecycle.update(self.settings, olds, news), **kept})

    @adapted()
    def read(self, id_: str, props: dict, log: hidden.HiddenLog, kept: dict) -> ReadResult:
        """The store as it is; gone when it was deleted outside Pulumi."""
        outs = lifecycle.read(self.settings, id_, props)
        return ReadResult(None, {}) if outs is None else ReadResult(id_, {**outs, **kept})

    @adapted()
    def delete(self, id_: str, props: dict, log: hidden.HiddenLog, kept: dict) -> None:
        """Delete the store once it is empty (references still DELETING are waited for); an
        adopted one is left in place unless delete_adopted."""
        lifecycle.delete(self.settings, id_, props, log)


class ReferenceStoreArgs:
    """Inputs of a ReferenceStore: `name` (1-127), optional `description`, `sse_config`
    ({"type": "KMS", "key_arn": ...}) and `tags`; `adopt_existing` takes over the Region's
    existing store instead of creating one (and leaves it in place on delete, unless
    `delete_adopted`); `region` overrides `aws:region` (changing it replaces the store)."""

    def __init__(self, name: pulumi.Input[str], description: pulumi.Input[str] | None = None,
                 sse_config: pulumi.Input[dict] | None = None,
                 tags: pulumi.Input[dict[str, str]] | None = None,
                 adopt_existing: bool | None = None, region: pulumi.Input[str] | None = None,
                 delete_adopted: bool | None = None) -> None:
        self.name, self.description, self.sse_config = name, description, sse_config
        self.tags, self.adopt_existing, self.region = tags, adopt_existing, region
        self.delete_adopted = delete_adopted

    def to_props(self) -> dict:
        return {"name": self.name, "description": self.description, "sse_config": self.sse_config,
                "tags": self.tags, "adopt_existing": self.adopt_existing, "region": self.region,
                "delete_adopted": self.delete_adopted}


class ReferenceStore(Resource, module=schema.DYNAMIC_MODULE, name=schema.REFERENCE_STORE.name):
    """A HealthOmics reference store; `store_id` is what ReferenceImportJob needs."""

    store_id: pulumi.Output[str]
    arn: pulumi.Output[str]
    store_name: pulumi.Output[str]
    sse: pulumi.Output[dict]
    creation_time: pulumi.Output[str]
    region: pulumi.Output[str | None]
    adopted: pulumi.Output[bool]

    def __init__(self, resource_name: str, args: ReferenceStoreArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        outputs = dict.fromkeys(schema.REFERENCE_STORE.names(schema.OUTPUT))
        super().__init__(ReferenceStoreProvider(), resource_name, {**args.to_props(), **outputs}, opts)
