"""ReferenceImportJob's provider against the local endpoint over real HTTP."""

from __future__ import annotations

import hashlib

import pytest

from omics_emulator.admin import throttles
from omics_provider.errors import ImportFailed, OmicsProviderError, WaitTimedOut
from omics_provider.import_job import ReferenceImportJobProvider
from tests.support.aws import Sandbox
from tests.support.fasta import generate_fasta


def checked(provider: ReferenceImportJobProvider, props: dict) -> dict:
    result = provider.check({}, props)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


@pytest.mark.parametrize("bursts", ["allowed", "refused"])
def test_lifecycle_create_refresh_retag_delete(world: Sandbox, bursts: str) -> None:
    """Whether a quota lets the provider's calls come together or throttles all but spaced ones
    (AWS does not say), no throttle reaches the user."""
    world.aws.controls(quota_bursts=bursts)
    world.aws.reset_calls()
    provider = ReferenceImportJobProvider()
    fasta = generate_fasta(seed=41)
    sources = [{"name": "genome-a", "source_file": world.upload("a.fa", fasta), "description": "A",
                "tags": {"team": "platform"}}]
    inputs = checked(provider, world.props(sources))
    assert inputs["resolved_client_token"].startswith("pulumi-")

    created = provider.create(inputs)
    outs = created.outs
    assert created.id == outs["job_id"] and outs["status"] == "COMPLETED"
    assert outs["used_client_token"] == inputs["resolved_client_token"] and outs.get("client_token") is None
    assert outs["creation_time"] and outs["completion_time"]
    [source] = outs["sources"]
    assert source["md5"] == hashlib.md5(fasta).hexdigest()
    assert source["status"] == "ACTIVE" and source["import_status"] == "FINISHED"
    assert source["arn"].endswith(f"/reference/{source['reference_id']}")
    assert world.aws.omics.list_tags_for_resource(resourceArn=source["arn"])["tags"] == {"team": "platform"}

    refreshed = provider.read(created.id, outs)
    assert refreshed.id == created.id
    assert provider.diff(created.id, refreshed.outs, checked(provider, world.props(sources))).changes is False

    retagged = [{**sources[0], "tags": {"team": "genomics", "tier": "gold"}}]
    news = checked(provider, world.props(retagged))
    diff = provider.diff(created.id, refreshed.outs, news)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(created.id, refreshed.outs, news).outs
    assert updated["sources"][0]["tags"] == {"team": "genomics", "tier": "gold"}
    assert updated["job_id"] == created.id and updated["sources"][0]["md5"] == source["md5"]
    assert world.aws.omics.list_tags_for_resource(resourceArn=source["arn"])["tags"] == {
        "team": "genomics", "tier": "gold"}
    reread = provider.read(created.id, updated).outs  # the token used stays, and client_token unset
    for outputs in (updated, reread):
        assert (outputs.get("client_token"), outputs["used_client_token"]) == (None, inputs["resolved_client_token"])

    provider.delete(created.id, updated)
    assert all(r["status"] != "ACTIVE" for r in world.references())
    assert len(world.jobs()) == 1
    if bursts == "refused":  # the provider's bursts were throttled, retried, and never raised
        assert throttles(world.aws.calls()), world.aws.calls()


def test_a_given_client_token_stays_the_input_and_is_the_token_used(world: Sandbox) -> None:
    """(A derived token: test_lifecycle_create_refresh_retag_delete.)"""
    given = "team-chosen-token-1"
    provider = ReferenceImportJobProvider()
    source = {"name": "tokened", "source_file": world.upload(f"t-{given}.fa", generate_fasta(44)), "tags": {"v": "1"}}
    inputs = checked(provider, world.props([source], client_token=given))
    used = given
    created = provider.create(inputs)
    assert (created.outs.get("client_token"), created.outs["used_client_token"]) == (given, used)

    news = checked(provider, world.props([{**source, "tags": {"v": "2"}}], client_token=given))
    assert provider.diff(created.id, created.outs, news).replaces == []
    updated = provider.update(created.id, created.outs, news).outs
    assert (updated.get("client_token"), updated["used_client_token"]) == (given, used)

    refreshed = provider.read(created.id, updated).outs
    assert (refreshed.get("client_token"), refreshed["used_client_token"]) == (given, used)
    assert refreshed["sources"][0]["tags"] == {"v": "2"}


def test_state_from_before_used_client_token_keeps_its_token(world: Sandbox) -> None:
    """0.1.0 kept the token used in `client_token`, even when it was derived."""
    provider = ReferenceImportJobProvider()
    source = {"name": "legacy", "source_file": world.upload("legacy.fa", generate_fasta(45))}
    inputs = checked(provider, world.props([source]))
    created = provider.create(inputs)
    old_outs = {k: v for k, v in created.outs.items() if k != "used_client_token"}
    old_outs["client_token"] = inputs["resolved_client_token"]
    assert provider.diff(created.id, old_outs, checked(provider, world.props([source]))).changes is False
    assert provider.read(created.id, old_outs).outs["used_client_token"] == inputs["resolved_client_token"]
    news = checked(provider, world.props([{**source, "tags": {"new": "tag"}}]))
    updated = provider.update(created.id, old_outs, news).outs
    assert updated["used_client_token"] == inputs["resolved_client_token"] and updated["client_token"] is None


def test_interrupted_wait_resumes_the_same_job(world: Sandbox) -> None:
    world.aws.hold_imports()
    provider = ReferenceImportJobProvider()
    props = world.props([{"name": "slow", "source_file": world.upload("s.fa", generate_fasta(43))}],
                        wait_timeout_seconds=0.3)
    with pytest.raises(WaitTimedOut) as excinfo:
        provider.create(checked(provider, props))
    message = str(excinfo.value)
    [job] = world.jobs()
    assert job["id"] in message and "run `pulumi up` again" in message and "no second import" in message
    world.aws.release_imports()
    resumed = provider.create(checked(provider, {**props, "wait_timeout_seconds": 30}))
    assert resumed.id == job["id"] and resumed.outs["status"] == "COMPLETED"
    again = provider.create(checked(provider, world.props(props["sources"])))  # a rerun once it is done
    assert again.id == job["id"]
    assert len(world.jobs()) == 1 and len(world.references()) == 1


def test_failed_job_names_each_failed_source(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    props = world.props([{"name": "broken", "source_file": world.upload("b.fa", b">x\nACGT\nAZ\n")}])
    with pytest.raises(ImportFailed) as excinfo:
        provider.create(checked(provider, props))
    [job] = world.jobs()
    assert str(excinfo.value) == (
        f"Reference import job {job['id']} in store {world.store} ended FAILED: broken: not valid FASTA: "
        "record 'x', line 3: 'Z' is not a sequence letter (IUPAC nucleotide codes only). "
        "Fix the sources, or set client_token to a new value to import again.")


def test_completed_with_failures_deletes_what_it_imported(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    props = world.props([
        {"name": "good", "source_file": world.upload("good.fa", generate_fasta(44))},
        {"name": "bad", "source_file": world.upload("bad.fa", b">y\n\n")},
    ])
    with pytest.raises(ImportFailed) as excinfo:
        provider.create(checked(provider, props))
    message = str(excinfo.value)
    assert "ended COMPLETED_WITH_FAILURES: bad: not valid FASTA: record 'y' (line 1) has no sequence" in message
    assert "The 1 reference(s) it did import were deleted, so nothing is left half-made." in message
    assert [r["status"] for r in world.references()] in ([], ["DELETING"])


def test_references_deleted_outside_pulumi_show_up_and_are_restored(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    sources = [{"name": f"genome-{n}", "source_file": world.upload(f"g{n}.fa", generate_fasta(50 + n))} for n in range(2)]
    inputs = checked(provider, world.props(sources))
    created = provider.create(inputs)
    gone = created.outs["sources"][0]["reference_id"]
    world.aws.omics.delete_reference(referenceStoreId=world.store, id=gone)
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.outs["sources"][0]["status"] in ("DELETING", "DELETED")
    diff = provider.diff(created.id, refreshed.outs, inputs)
    assert diff.replaces == ["sources"]
    replacement = provider.create(inputs)  # the engine's create-before-delete
    assert replacement.id != created.id
    assert replacement.outs["used_client_token"] == inputs["resolved_client_token"] + "-r1"
    assert all(s["status"] == "ACTIVE" for s in replacement.outs["sources"])
    provider.delete(created.id, refreshed.outs)  # the old one, tolerating what is already gone
    active = {r["id"] for r in world.references() if r["status"] == "ACTIVE"}
    assert active == {s["reference_id"] for s in replacement.outs["sources"]}


def test_all_references_gone_means_the_resource_is_gone(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    created = provider.create(checked(provider, world.props(
        [{"name": "lonely", "source_file": world.upload("l.fa", generate_fasta(60))}])))
    world.aws.omics.delete_reference(referenceStoreId=world.store, id=created.outs["sources"][0]["reference_id"])
    assert provider.read(created.id, created.outs).id is None


def test_adopt_existing_takes_over_matching_references(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    fasta = generate_fasta(61)
    uri = world.upload("adopt.fa", fasta)
    by_script = world.aws.omics.start_reference_import_job(
        referenceStoreId=world.store, roleArn=world.role,
        sources=[{"sourceFile": uri, "name": "console-import"}])["id"]
    world.aws.job(world.store, by_script)
    adopted = provider.create(checked(provider, world.props(
        [{"name": "console-import", "source_file": uri}], adopt_existing=True)))
    assert adopted.id == by_script
    assert adopted.outs["status"] == "COMPLETED"
    assert adopted.outs["sources"][0]["md5"] == hashlib.md5(fasta).hexdigest()
    assert [j["id"] for j in world.jobs()] == [by_script]  # nothing imported


def test_adopt_existing_refuses_a_different_file(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    first = world.upload("v1.fa", generate_fasta(62))
    job = world.aws.omics.start_reference_import_job(
        referenceStoreId=world.store, roleArn=world.role,
        sources=[{"sourceFile": first, "name": "renamed-later"}])["id"]
    world.aws.job(world.store, job)
    other = world.upload("v2.fa", generate_fasta(63))
    with pytest.raises(OmicsProviderError) as excinfo:
        provider.create(checked(provider, world.props(
            [{"name": "renamed-later", "source_file": other}], adopt_existing=True)))
    assert "has md5" in str(excinfo.value) and other in str(excinfo.value)
    with pytest.raises(OmicsProviderError) as excinfo:
        provider.create(checked(provider, world.props(
            [{"name": "never-imported", "source_file": other}], adopt_existing=True)))
    assert "has no ACTIVE reference named 'never-imported'" in str(excinfo.value)


def test_a_source_whose_key_has_a_300_byte_segment_is_checked_and_imported(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    fasta = generate_fasta(seed=43)
    uri = world.upload("refs/" + "grch38-" * 43 + ".fa", fasta)  # a 305-byte segment
    inputs = checked(provider, world.props([{"name": "genome", "source_file": uri}]))
    assert inputs["source_objects"][0]["bytes"] == len(fasta)
    [source] = provider.create(inputs).outs["sources"]
    assert source["md5"] == hashlib.md5(fasta).hexdigest() and source["status"] == "ACTIVE"
