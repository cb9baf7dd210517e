"""The provider holds whatever AWS answers where it documents nothing: run under each answer the
local endpoint can give (controls), over real HTTP.

- a second import into a busy store: refused with ServiceQuotaExceededException (the endpoint's
  default), refused with another modelled code, or accepted and held SUBMITTED;
- a reused clientToken with other inputs: the original job (default) or ConflictException;
- AccessDeniedException, RequestTimeoutException, and a reference in use at DeleteReference;
- a job that reads do not find for a while after it started (read-after-write lag);
- a clientToken forgotten soon after (a rerun finds its job in the store, and only its own);
- a source with no FASTA extension, or gzip that is not bgzip: imported, or FAILED.
"""

from __future__ import annotations

import gzip
import math
import threading
import time

import pytest
from botocore.exceptions import ClientError

from omics_provider.core import jobs
from omics_provider.errors import AccessDenied, ImportFailed, ReferenceInUse, TokenConflict, WaitTimedOut
from omics_provider.import_job import ReferenceImportJobProvider
from tests.support.aws import Sandbox
from tests.support.fasta import bgzip_like, generate_fasta
from tests.support.polling import wait_until

BUSY_ANSWERS = ["ServiceQuotaExceededException", "ValidationException", "queue"]


def checked(provider: ReferenceImportJobProvider, props: dict) -> dict:
    result = provider.check({}, props)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


@pytest.mark.parametrize("answer", BUSY_ANSWERS)
def test_two_imports_into_one_store_both_complete_whatever_a_busy_store_answers(world: Sandbox, answer: str) -> None:
    world.aws.hold_imports()  # the first runs until the second has met the busy store
    world.aws.controls(busy_answer=answer)
    provider = ReferenceImportJobProvider()
    results: dict[str, object] = {}

    def run(name: str) -> None:
        props = world.props([{"name": name, "source_file": world.upload(f"{name}.fa", generate_fasta(len(name)))}])
        try:
            results[name] = provider.create(checked(provider, props)).outs["status"]
        except Exception as exc:  # reported below
            results[name] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in ("first-genome", "second-genome")]
    for t in threads:
        t.start()
    wait_until(lambda: world.aws.calls()["calls"].get("StartReferenceImportJob", 0) >= 2,
               what="the second StartReferenceImportJob")
    world.aws.release_imports()
    for t in threads:
        t.join(60)
    assert results == {"first-genome": "COMPLETED", "second-genome": "COMPLETED"}
    assert len(world.jobs()) == 2 and len(world.references()) == 2


def test_an_import_that_ended_after_a_refusal_is_found_by_the_refusals_date(world: Sandbox) -> None:
    """The end times the provider reads when a refused start meets a store that looks free: the
    refusal's Date and the listing's completionTime, as botocore parses them over HTTP."""
    world.aws.hold_imports()
    sources = [{"name": "held", "sourceFile": world.upload("held.fa", generate_fasta(3))}]
    held = world.aws.omics.start_reference_import_job(
        referenceStoreId=world.store, roleArn=world.role, sources=sources)["id"]
    with pytest.raises(ClientError) as refused:
        world.aws.omics.start_reference_import_job(referenceStoreId=world.store, roleArn=world.role,
                                                   sources=[{**sources[0], "name": "other"}])
    assert jobs.ended_since(world.aws.omics, world.store, refused.value) == []  # still running
    world.aws.release_imports()
    wait_until(lambda: [j["status"] for j in world.jobs()] == ["COMPLETED"], what="the held job's end",
               interval=0.3)  # within the import-job quota row (5 per second)
    assert jobs.ended_since(world.aws.omics, world.store, refused.value) == [held]


@pytest.mark.parametrize("reuse", ["original", "conflict"])
def test_a_token_reused_for_other_sources_is_a_conflict_that_changes_nothing(world: Sandbox, reuse: str) -> None:
    world.aws.controls(token_reuse=reuse)
    provider = ReferenceImportJobProvider()
    uri = world.upload("t.fa", generate_fasta(45))
    first = provider.create(checked(provider, world.props([{"name": "one", "source_file": uri}], client_token="mine")))
    references = world.references()
    with pytest.raises(TokenConflict) as excinfo:
        provider.create(checked(provider, world.props([{"name": "two", "source_file": uri}], client_token="mine")))
    message = str(excinfo.value)
    assert "clientToken 'mine' was already used in store" in message and "Set client_token to a new value" in message
    if reuse == "original":
        assert first.id in message  # names the job the token started
    assert [j["id"] for j in world.jobs()] == [first.id] and world.references() == references


def test_access_denied_names_the_operation_and_the_action_and_is_not_retried(world: Sandbox) -> None:
    world.aws.controls(deny_operations=["StartReferenceImportJob"])
    world.aws.reset_calls()
    provider = ReferenceImportJobProvider()
    props = world.props([{"name": "denied", "source_file": world.upload("d.fa", generate_fasta(46))}])
    with pytest.raises(AccessDenied) as excinfo:
        provider.create(checked(provider, props))
    assert str(excinfo.value).startswith(
        "Access denied: StartReferenceImportJob was refused (User: arn:aws:iam::123456789012:root is not "
        "authorized to perform: omics:StartReferenceImportJob")
    assert "Grant the identity that runs Pulumi the IAM action omics:StartReferenceImportJob (and iam:PassRole" in str(excinfo.value)
    assert world.aws.calls()["calls"]["StartReferenceImportJob"] == 1
    assert world.jobs() == []


def test_request_timeouts_while_waiting_are_ridden_out(world: Sandbox) -> None:
    world.aws.hold_imports()
    provider = ReferenceImportJobProvider()
    props = world.props([{"name": "slowly", "source_file": world.upload("s.fa", generate_fasta(47))}])
    inputs = checked(provider, props)
    outcome: dict[str, object] = {}
    worker = threading.Thread(target=lambda: outcome.update(outs=provider.create(inputs).outs))
    world.aws.reset_calls()
    world.aws.controls(timeout_operations=["GetReferenceImportJob"])
    worker.start()
    # requests keep timing out for a while, as in an outage (however long a loaded machine takes
    # to send the first)
    wait_until(lambda: world.aws.calls()["errors"].get("GetReferenceImportJob:RequestTimeoutException", 0) >= 3,
               timeout=60, what="three GetReferenceImportJob answered RequestTimeoutException")
    world.aws.controls(timeout_operations=[])
    world.aws.release_imports()
    worker.join(120)
    assert outcome["outs"]["status"] == "COMPLETED"


def test_deleting_a_reference_in_use_fails_naming_it_and_what_holds_it(world: Sandbox) -> None:
    world.aws.controls(time_scale=20)  # the deletion at the end, in the endpoint's time
    provider = ReferenceImportJobProvider()
    props = world.props([{"name": "held-genome", "source_file": world.upload("h.fa", generate_fasta(48))}])
    created = provider.create(checked(provider, props))
    reference = created.outs["sources"][0]["reference_id"]
    world.aws.controls(in_use_references={reference: "read set 4444444444 in sequence store 5555555555"})
    with pytest.raises(ReferenceInUse) as excinfo:
        provider.delete(created.id, created.outs)
    assert str(excinfo.value) == (
        f"Reference {reference} (held-genome) in store {world.store} cannot be deleted: Reference {reference} is in "
        "use by read set 4444444444 in sequence store 5555555555. Delete what uses it (read sets, other stores' "
        "links) first, then run again.")
    assert [r["status"] for r in world.references()] == ["ACTIVE"]
    world.aws.controls(in_use_references={})
    provider.delete(created.id, created.outs)
    assert world.aws.references_settled(world.store) == []


def test_a_create_rides_out_a_job_not_found_for_5_s_after_it_started(world: Sandbox) -> None:
    world.aws.controls(job_invisible_seconds=5, time_scale=5)  # 1 s of wall time: the create polls on
    provider = ReferenceImportJobProvider()
    props = checked(provider, world.props([{"name": "lagging", "source_file": world.upload(
        "lagging.fa", generate_fasta(1201))}]))
    created = provider.create(props)
    assert created.outs["status"] == "COMPLETED" and len(world.jobs()) == 1
    assert world.aws.calls()["errors"].get("GetReferenceImportJob:ResourceNotFoundException", 0) >= 1


def test_a_job_still_not_found_at_the_deadline_fails_naming_it_and_the_next_run_finds_the_same_job(
        world: Sandbox) -> None:
    """Past the deadline (here 1 s; a minute at most: tests/unit/test_waiting.py)."""
    world.aws.controls(job_invisible_seconds=2)
    provider = ReferenceImportJobProvider()
    props = checked(provider, world.props([{"name": "hidden", "source_file": world.upload(
        "hidden.fa", generate_fasta(1202))}]))
    with pytest.raises(Exception) as excinfo:
        provider.create({**props, "wait_timeout_seconds": 1})
    world.aws.controls(time_scale=100)  # the rest of the 2 s lag passes at once
    [job] = wait_until(world.jobs, timeout=30, what="the job showing")
    assert f"Reference import job {job['id']} was started" in str(excinfo.value)
    assert "the same clientToken finds the job" in str(excinfo.value)
    assert provider.create(props).outs["job_id"] == job["id"] and len(world.jobs()) == 1


@pytest.mark.parametrize("ended", [False, True], ids=["still-running", "completed"])
def test_a_rerun_after_the_service_forgot_the_token_finds_the_job_instead_of_importing_again(
        world: Sandbox, ended: bool) -> None:
    """How long HealthOmics remembers a clientToken is not documented; the dynamic provider keeps
    nothing of a create that timed out, so the rerun finds the job in the store."""
    world.aws.hold_imports()  # the job outlives the 1-s deadline
    world.aws.controls(token_memory_seconds=1)
    provider = ReferenceImportJobProvider()
    props = checked(provider, world.props([{"name": "forgotten", "source_file": world.upload(
        "forgotten.fa", generate_fasta(1203)), "description": "primary"}]))
    with pytest.raises(WaitTimedOut):
        provider.create({**props, "wait_timeout_seconds": 1})
    [job] = world.jobs()
    if ended:
        world.aws.release_imports()
        world.aws.job(world.store, job["id"])
    world.aws.token_forgotten(job, 1)  # starting with the token would start a second import
    with world.aws.released_after("GetReferenceImportJob"):  # still running when the rerun reads it
        again = provider.create(props)
    assert again.outs["job_id"] == job["id"] and len(world.jobs()) == 1
    assert [s["status"] for s in again.outs["sources"]] == ["ACTIVE"]


@pytest.mark.parametrize("change", ["overwritten", "references-deleted", "failed", "other-description"])
def test_an_earlier_job_for_other_objects_or_with_nothing_left_is_not_taken_for_this_one(
        world: Sandbox, change: str) -> None:
    """What the store shows is taken for an earlier run's job only when it read these very
    objects and its references are still there."""
    world.aws.controls(token_memory_seconds=0.5)
    provider = ReferenceImportJobProvider()
    key = "earlier.dat" if change == "failed" else "earlier.fa"  # no FASTA extension: FAILs when strict
    uri = world.upload(key, generate_fasta(1204))
    props = checked(provider, world.props([{"name": "earlier", "source_file": uri, "description": "first"}]))
    first_job = None
    if change == "failed":
        world.aws.controls(strict_formats=True)
        with pytest.raises(ImportFailed):
            provider.create(props)
        world.aws.controls(strict_formats=False)
    else:
        first_job = provider.create(props).outs["job_id"]
    [earlier] = world.jobs()
    if change == "overwritten":
        wait_until(lambda: time.time() >= math.ceil(earlier["creationTime"].timestamp()),
                   what="the next second")  # S3 write times may be to the second
        world.upload(key, generate_fasta(1205))
        props = checked(provider, world.props([{"name": "earlier", "source_file": uri, "description": "first"}]))
    elif change == "references-deleted":
        [job] = world.jobs()
        for source in world.aws.omics.get_reference_import_job(referenceStoreId=world.store, id=job["id"])["sources"]:
            world.aws.omics.delete_reference(referenceStoreId=world.store, id=source["referenceId"])
    elif change == "other-description":
        props = checked(provider, world.props([{"name": "earlier", "source_file": uri, "description": "second"}]))
    world.aws.token_forgotten(earlier, 0.5)
    again = provider.create(props)
    assert len(world.jobs()) == 2 and again.outs["job_id"] != first_job


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_sources_outside_the_documented_formats_are_imported_or_fail_naming_the_rule(
        world: Sandbox, strict: bool) -> None:
    """AWS lists FASTA extensions and their bgzip forms; whether others fail is not documented."""
    world.aws.controls(strict_formats=strict)
    provider = ReferenceImportJobProvider()
    fasta = generate_fasta(1401)
    cases = {"plain-gzip": ("plain.fa.gz", gzip.compress(fasta), "is gzip but not bgzip"),
             "no-extension": ("genome.dat", fasta, "does not end in a FASTA extension")}
    for name, (key, body, rule) in cases.items():
        props = checked(provider, world.props([{"name": name, "source_file": world.upload(key, body)}]))
        if strict:
            with pytest.raises(ImportFailed) as excinfo:
                provider.create(props)
            assert rule in str(excinfo.value) and name in str(excinfo.value)
        else:
            assert provider.create(props).outs["status"] == "COMPLETED"
    bgzipped = checked(provider, world.props([{"name": "bgzipped", "source_file": world.upload(
        "bgzipped.fa.gz", bgzip_like(fasta))}]))
    assert provider.create(bgzipped).outs["status"] == "COMPLETED"  # the documented form, either way
