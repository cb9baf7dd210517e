"""check's plan for an import over real HTTP: the recorded identity holds when S3 cannot tell,
and changes only when S3 shows another version of a recorded object."""

from __future__ import annotations

import pytest

from omics_provider.import_job import ReferenceImportJobProvider
from tests.support.aws import Sandbox
from tests.support.fasta import generate_fasta


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    said: list[str] = []
    monkeypatch.setattr("omics_provider.import_job.pulumi.log.warn", said.append)
    return said


def test_an_unreadable_version_is_a_warning_for_a_new_import_and_never_a_change_later(
        world: Sandbox, warnings: list[str]) -> None:
    uri = world.upload("shy.fa", generate_fasta(801))
    world.aws.controls(unreadable_objects=[uri], unlistable_buckets=[world.bucket])  # no way to its version
    provider = ReferenceImportJobProvider()
    props = world.props([{"name": "shy-genome", "source_file": uri}])
    first = provider.check({}, props)
    assert first.failures == [] and first.inputs["source_objects"] == [{"version": None, "bytes": None}]
    assert [w for w in warnings if f"the version of {uri!r} could not be read (HeadObject answered 403)" in w]

    world.aws.controls(unreadable_objects=[], unlistable_buckets=[])  # readable again: the recorded identity stands
    again = provider.check(first.inputs, props)
    assert again.inputs["resolved_client_token"] == first.inputs["resolved_client_token"]


def test_only_a_changed_recorded_version_changes_the_token(world: Sandbox, warnings: list[str]) -> None:
    uri = world.upload("g.fa", generate_fasta(802))
    provider = ReferenceImportJobProvider()
    props = world.props([{"name": "genome", "source_file": uri}])
    recorded = provider.check({}, props).inputs
    bucket, key = uri[5:].split("/", 1)

    world.aws.s3.delete_object(Bucket=bucket, Key=key)
    gone = provider.check(recorded, props)
    assert gone.failures == [] and gone.inputs["resolved_client_token"] == recorded["resolved_client_token"]
    assert any("no longer exists in S3" in w and "(genome)" in w for w in warnings)
    assert provider.check({}, props).failures[0].reason == f"{uri!r} does not exist in S3"  # a new import is refused

    world.upload("g.fa", generate_fasta(803))
    changed = provider.check(recorded, props)
    assert changed.inputs["resolved_client_token"] != recorded["resolved_client_token"]
    assert changed.inputs["source_objects"][0]["version"] != recorded["source_objects"][0]["version"]


def test_state_from_0_1_0_made_without_a_readable_version_is_not_replaced(world: Sandbox) -> None:
    """0.1.0 derived the token without the version when HeadObject failed, and recorded no versions."""
    from omics_provider.core.tokens import derive_token

    uri = world.upload("old.fa", generate_fasta(804))
    props = world.props([{"name": "old-genome", "source_file": uri}])
    made_blind = {**props, "resolved_client_token": derive_token(world.store, world.role, props["sources"], [None])}
    checked = ReferenceImportJobProvider().check(made_blind, props)
    assert checked.inputs["resolved_client_token"] == made_blind["resolved_client_token"]
    assert checked.inputs["source_objects"] == [{"version": None, "bytes": len(generate_fasta(804))}]
