"""The documented policies are minimal: for each action of caller.json and previewer.json, an
identity holding the policy without that one action runs the flow that needs it, at the local
endpoint's IAM, and that flow fails naming the action, or, for an optional action, falls back
as documented. With the whole policy the same flow passes."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from omics_provider import schema
from omics_provider.errors import OmicsProviderError
from omics_provider.import_job import ReferenceImportJobProvider
from omics_provider.reference_store import ReferenceStoreProvider
from omics_rules import policies
from tests.support.aws import LocalAws, granted, without
from tests.support.fasta import generate_fasta

_names = itertools.count(1)
TYPE = schema.dynamic_token(schema.REFERENCE_IMPORT_JOB)


@dataclass
class Run:
    """What one flow said: warnings, check failures, and the check of a missing source."""

    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what the check of a missing source said


class Flow:
    """The provider's operations at the endpoint, first as the account's root, then (`become`)
    as one identity, its keys in the environment."""

    def __init__(self, aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> None:
        self.aws, self.monkeypatch = aws, monkeypatch
        self.bucket, self.role = aws.bucket(), aws.role()
        self.uri = f"s3://{self.bucket}/min/genome.fa"
        aws.s3.put_object(Bucket=self.bucket, Key="min/genome.fa", Body=generate_fasta(990))
        monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
        monkeypatch.setenv("AWS_DEFAULT_REGION", aws.region)
        self.store, self.job = ReferenceStoreProvider(), ReferenceImportJobProvider()
        self.become({})

    def become(self, keys: dict[str, str]) -> None:
        """Act as the identity with these keys from now on (none: the account's root)."""
        self.run = Run()
        for name, value in keys.items():
            self.monkeypatch.setenv(name, value)
        self.monkeypatch.setattr("omics_provider.import_job.pulumi.log.warn", self.run.warnings.append)

    def holding(self, name: str, dropped: str | None) -> None:
        """Become a new IAM user holding the policy file `name` for this flow, less `dropped`."""
        policy = granted(name, self.role, self.bucket)
        self.become(self.aws.user(without(policy, dropped) if dropped else policy))

    def import_props(self, store_id: str, sources: list[dict]) -> dict:
        return {"reference_store_id": store_id, "role_arn": self.role, "sources": sources,
                "owner": f"urn:pulumi:prod::genomes::{TYPE}::min-{next(_names)}",
                "poll_initial_seconds": 0.05, "poll_max_seconds": 0.2}

    def checked(self, olds: dict, news: dict) -> dict:
        result = self.job.check(olds, news)
        self.run.failures += [f.reason for f in result.failures]
        if result.failures:
            raise AssertionError(f"check refused: {self.run.failures}")
        return result.inputs

    def apply(self) -> None:
        """Everything `caller.json` is for: a store (adopting none), an import with tags, a
        missing source refused at preview, a read, a retag, deletes."""
        created = self.store.create({"name": "min", "tags": {"team": "genomics"}, "adopt_existing": True})
        self.store.read(created.id, created.outs)
        self.check_missing(created.id)
        source = {"name": "genome", "source_file": self.uri, "tags": {"a": "1", "b": "2"}}
        inputs = self.checked({}, self.import_props(created.id, [source]))
        made = self.job.create(inputs)
        read = self.job.read(made.id, made.outs)
        news = self.checked(read.outs, {**inputs, "sources": [{**source, "tags": {"a": "1", "c": "3"}}]})
        updated = self.job.update(made.id, read.outs, news)
        self.job.delete(made.id, updated.outs)
        self.store.delete(created.id, created.outs)

    def preview(self, store_id: str, made: object) -> None:
        """Everything `previewer.json` is for: a refresh of a store and an import, and the check
        of a changed import."""
        self.store.read(store_id, {"name": "min", "store_id": store_id})
        read = self.job.read(made.id, made.outs)
        source = {"name": "genome", "source_file": self.uri, "tags": {"a": "2"}}
        self.checked(read.outs, {**made.outs, "sources": [source]})
        self.check_missing(store_id)
        self.job.check({}, self.import_props(store_id, [
            {"name": "genome", "source_file": self.uri}]))  # a new import of a name the store holds

    def check_missing(self, store_id: str) -> None:
        """The check of an import whose source does not exist (what it said: `run.missing`)."""
        missing = self.job.check({}, self.import_props(store_id, [
            {"name": "missing", "source_file": f"s3://{self.bucket}/min/none.fa"}]))
        self.run.missing = [f.reason for f in missing.failures]


def warned(text: str) -> Callable[[Run, LocalAws], bool]:
    return lambda run, aws: any(text in w for w in run.warnings)


# What an identity without an optional action sees instead of a failure (docs/iam.md, why each action is there).
CHECKED_ANYWAY = {
    "iam:GetRole": warned("the service role was not checked (iam:GetRole answered AccessDenied)"),
    "iam:SimulatePrincipalPolicy": warned(
        "was not checked (iam:SimulatePrincipalPolicy answered AccessDenied)"),
    "s3:ListBucketVersions": lambda run, aws: aws.calls()["s3_reads"].get("HeadObject", 0) > 0,
    "s3:GetObject": warned("could not be read (HeadObject answered 403)"),
}
FALLBACKS = {"caller": CHECKED_ANYWAY, "previewer": {
    **CHECKED_ANYWAY, "omics:ListReferences": warned("already holds references of these names was not checked")}}


def judged(flow: Flow, policy: str, action: str | None, step: Callable[[], None]) -> None:
    """Run `step` as the flow's identity: with every action it passes (and a missing source is
    refused); without `action` it fails naming it, or falls back as documented."""
    fallbacks = FALLBACKS[policy]
    flow.aws.reset_calls()
    try:
        step()
    except OmicsProviderError as exc:
        assert action is not None and action not in fallbacks, f"{policy}.json is not enough: {exc}"
        assert action in str(exc) and "Access denied" in str(exc), exc
        return
    if action is None:
        assert any("does not exist in S3" in r for r in flow.run.missing), flow.run.missing
        assert not any("not checked" in w or "could not be read" in w for w in flow.run.warnings), flow.run.warnings
    else:
        assert action in fallbacks, f"nothing needs {action} of {policy}.json"
        assert fallbacks[action](flow.run, flow.aws), (action, flow.run)


@pytest.mark.parametrize("action", [None, *policies.actions("caller")])
def test_each_action_of_the_caller_policy_is_needed(action: str | None, aws: LocalAws,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    flow = Flow(aws, monkeypatch)
    flow.holding("caller", action)
    judged(flow, "caller", action, flow.apply)


@pytest.mark.parametrize("action", [None, *policies.actions("previewer")])
def test_each_action_of_the_previewer_policy_is_needed(action: str | None, aws: LocalAws,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    flow = Flow(aws, monkeypatch)  # the account's root makes what the preview reads
    store_id = flow.store.create({"name": "min"}).id
    source = {"name": "genome", "source_file": flow.uri, "tags": {"a": "1"}}
    made = flow.job.create(flow.checked({}, flow.import_props(store_id, [source])))
    flow.holding("previewer", action)
    judged(flow, "previewer", action, lambda: flow.preview(store_id, made))
