"""One owner for every reference, at the local endpoint over real HTTP: each resource's import is
its own (its token names it; its references carry its owner mark), a replacement never resumes
the import it replaces, a forgotten token never takes another owner's job, a delete removes only
what its resource owns, and a running job is never forgotten."""

from __future__ import annotations

import itertools

import pytest

from omics_provider import schema
from omics_provider.core import ownership
from omics_provider.errors import OmicsProviderError, WaitTimedOut
from omics_provider.import_job import ReferenceImportJobProvider
from omics_provider.reference_store import ReferenceStoreProvider
from tests.support.aws import Sandbox
from tests.support.fasta import generate_fasta
from tests.support.polling import wait_until

TYPE = schema.dynamic_token(schema.REFERENCE_IMPORT_JOB)
_names = itertools.count(1)


def urn(name: str, stack: str = "prod") -> str:
    """A resource URN unique to this test run (the provider process's claims outlive a test)."""
    return f"urn:pulumi:{stack}::genomes::{TYPE}::{name}-{next(_names)}"


class Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, msg: str) -> None:
        self.lines.append(msg)

    warn = info


def checked(provider: ReferenceImportJobProvider, props: dict, olds: dict | None = None) -> dict:
    result = provider.check(olds or {}, props)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def tags_of(world: Sandbox, arn: str) -> dict:
    return world.aws.omics.list_tags_for_resource(resourceArn=arn)["tags"]


def active(world: Sandbox) -> list[str]:
    return sorted(r["id"] for r in world.references() if r["status"] == "ACTIVE")


def test_two_owners_with_the_same_inputs_get_an_import_each_and_delete_only_their_own(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    sources = [{"name": "shared-genome", "source_file": world.upload("s.fa", generate_fasta(3001)),
                "tags": {"team": "platform"}}]
    prod, dev = urn("grch38", "prod"), urn("grch38", "dev")
    made = {owner: provider.create(checked(provider, world.props(sources, owner=owner))).outs
            for owner in (prod, dev)}
    assert made[prod]["used_client_token"] != made[dev]["used_client_token"]
    assert len(world.jobs()) == 2
    prod_ref, dev_ref = (made[o]["sources"][0] for o in (prod, dev))
    assert prod_ref["reference_id"] != dev_ref["reference_id"]
    # The mark is on the reference, never in the outputs' tags.
    assert tags_of(world, prod_ref["arn"]) == {"team": "platform", ownership.KEY: made[prod]["owner_mark"]}
    assert made[prod]["owner_mark"].endswith(" genomes/prod/" + prod.rsplit("::", 1)[1])
    assert prod_ref["tags"] == {"team": "platform"}
    assert provider.read(made[prod]["job_id"], made[prod]).outs["sources"][0]["tags"] == {"team": "platform"}

    provider.delete(made[dev]["job_id"], made[dev])
    assert active(world) == [prod_ref["reference_id"]]


@pytest.mark.parametrize("job_tags", ["shown", "omitted"])
def test_a_forgotten_token_never_takes_another_owners_job(world: Sandbox, job_tags: str) -> None:
    """The other owner's job is still running and then done; whether or not the service shows a
    job's source tags, the second owner imports its own."""
    world.aws.hold_imports()  # the other owner's job runs until the second owner has started its own
    world.aws.controls(token_memory_seconds=0.5, job_source_tags=job_tags, busy_answer="queue")
    provider = ReferenceImportJobProvider()
    sources = [{"name": "busy-genome", "source_file": world.upload("b.fa", generate_fasta(3002))}]
    first = checked(provider, world.props(sources, owner=urn("first")))
    with pytest.raises(WaitTimedOut):
        provider.create({**first, "wait_timeout_seconds": 0.5})
    world.aws.token_forgotten(world.jobs()[0], 0.5)
    # With the tags shown, the other owner's job is passed over; without, it is waited for first.
    with world.aws.released_after("StartReferenceImportJob" if job_tags == "shown" else "GetReferenceImportJob"):
        second = provider.create(checked(provider, world.props(sources, owner=urn("second")))).outs
    [other] = [j for j in world.jobs() if j["id"] != second["job_id"]]
    assert second["owner_mark"] != first.get("owner_mark")
    assert len(world.jobs()) == 2 and other["id"] != second["job_id"]


@pytest.mark.parametrize("job_tags", ["shown", "omitted"])
def test_a_rerun_after_the_token_was_forgotten_finds_its_own_job_by_its_mark(world: Sandbox, job_tags: str) -> None:
    world.aws.hold_imports()  # running until the rerun reads it
    world.aws.controls(token_memory_seconds=0.5, job_source_tags=job_tags)
    provider = ReferenceImportJobProvider()
    props = checked(provider, world.props(
        [{"name": "mine", "source_file": world.upload("m.fa", generate_fasta(3003))}], owner=urn("mine")))
    with pytest.raises(WaitTimedOut) as timed_out:
        provider.create({**props, "wait_timeout_seconds": 0.5})
    assert timed_out.value.partial["job_id"] and timed_out.value.partial["owner_mark"]
    world.aws.token_forgotten(world.jobs()[0], 0.5)
    with world.aws.released_after("GetReferenceImportJob"):
        again = provider.create(props).outs
    assert len(world.jobs()) == 1 and again["job_id"] == timed_out.value.job_id


def test_a_replacement_that_keeps_every_input_imports_anew_and_the_old_delete_keeps_it(world: Sandbox) -> None:
    """`pulumi up --replace` and replaceOnChanges: diff sees the resource, then create and the
    old one's delete."""
    world.aws.controls(time_scale=20)  # deletions in the endpoint's time
    provider = ReferenceImportJobProvider()
    owner = urn("forced")
    sources = [{"name": "forced-genome", "source_file": world.upload("f.fa", generate_fasta(3004))}]
    old = provider.create(checked(provider, world.props(sources, owner=owner))).outs
    for generation in range(2):  # replaced twice: each is a new import
        news = checked(provider, world.props(sources, owner=owner), olds=old)
        assert provider.diff(old["job_id"], old, news).replaces == []
        new = provider.create(checked(provider, world.props(sources, owner=owner))).outs  # checked anew
        assert new["job_id"] != old["job_id"] and new["owner_mark"] != old["owner_mark"], generation
        provider.delete(old["job_id"], old)
        assert active(world) == [new["sources"][0]["reference_id"]]
        old = new
    assert len(world.jobs()) == 3


def test_a_kept_client_token_with_a_changed_description_is_refused_at_preview(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    source = {"name": "given", "source_file": world.upload("g.fa", generate_fasta(3005)), "description": "one"}
    props = world.props([source], owner=urn("given"), client_token="team-token-1")
    old = provider.create(checked(provider, props)).outs
    result = provider.check(old, {**props, "sources": [{**source, "description": "two"}]})
    [failure] = result.failures
    assert failure.property == "client_token" and "would replace" in failure.reason
    # A forced replacement with the same given token imports anew, with the next `-rN` of it.
    new = provider.create(checked(provider, props)).outs
    assert new["job_id"] != old["job_id"] and new["used_client_token"] == "team-token-1-r1"
    assert len(world.jobs()) == 2


def test_reordered_sources_update_in_place_with_outputs_in_the_new_order(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    owner = urn("reordered")
    a = {"name": "genome-a", "source_file": world.upload("ra.fa", generate_fasta(3006)), "tags": {"k": "a"}}
    b = {"name": "genome-b", "source_file": world.upload("rb.fa", generate_fasta(3007))}
    old = provider.create(checked(provider, world.props([a, b], owner=owner))).outs
    news = checked(provider, world.props([b, {**a, "tags": {"k": "a2"}}], owner=owner), olds=old)
    assert news["resolved_client_token"] == old["resolved_client_token"]
    diff = provider.diff(old["job_id"], old, news)
    assert diff.changes is True and diff.replaces == []
    new = provider.update(old["job_id"], old, news).outs
    assert [s["name"] for s in new["sources"]] == ["genome-b", "genome-a"]
    assert new["sources"][1]["reference_id"] == old["sources"][0]["reference_id"]
    assert tags_of(world, new["sources"][1]["arn"]) == {"k": "a2", ownership.KEY: old["owner_mark"]}
    assert len(world.jobs()) == 1 and len(active(world)) == 2


def test_a_running_job_is_kept_by_refresh_finished_by_update_and_waited_for_by_delete(world: Sandbox) -> None:
    world.aws.hold_imports()  # the job outlives the 0.5-s deadline of its create
    provider = ReferenceImportJobProvider()
    owner = urn("running")
    source = {"name": "running-genome", "source_file": world.upload("r.fa", generate_fasta(3008)),
              "tags": {"v": "1"}}
    props = checked(provider, world.props([source], owner=owner))
    with pytest.raises(WaitTimedOut) as timed_out:
        provider.create({**props, "wait_timeout_seconds": 0.5})
    partial = timed_out.value.partial
    refreshed = provider.read(partial["job_id"], partial)
    assert refreshed.id == partial["job_id"] and refreshed.outs["status"] in ("SUBMITTED", "IN_PROGRESS")

    # A tag change while the job runs: the update that finishes the import applies it.
    world.aws.release_imports()
    news = checked(provider, world.props([{**source, "tags": {"v": "2"}}], owner=owner), olds=props)
    done = provider.update(partial["job_id"], refreshed.outs, news).outs
    assert done["status"] == "COMPLETED" and len(world.jobs()) == 1
    assert tags_of(world, done["sources"][0]["arn"]) == {"v": "2", ownership.KEY: done["owner_mark"]}

    # A destroy while another import runs: the delete waits for it and deletes what it made.
    world.aws.controls(import_seconds=1)  # past the create's 0.5 s; the delete waits for the rest
    second = checked(provider, world.props([{**source, "name": "running-2"}], owner=urn("running")))
    with pytest.raises(WaitTimedOut) as again:
        provider.create({**second, "wait_timeout_seconds": 0.5})
    provider.delete(again.value.job_id, again.value.partial)
    assert active(world) == [done["sources"][0]["reference_id"]]


def test_a_delete_past_its_deadline_names_the_running_job_and_keeps_the_import(world: Sandbox) -> None:
    from omics_provider.core import import_lifecycle
    world.aws.hold_imports()  # past the create's 0.5 s and the delete's 1 s
    provider = ReferenceImportJobProvider()
    props = checked(provider, world.props([{"name": "slow-genome", "source_file": world.upload(
        "slow.fa", generate_fasta(3009))}], owner=urn("slow")))
    with pytest.raises(WaitTimedOut) as timed_out:
        provider.create({**props, "wait_timeout_seconds": 0.5})
    with pytest.raises(OmicsProviderError, match=f"Reference import job {timed_out.value.job_id} .* still"):
        import_lifecycle.delete(provider.settings, timed_out.value.partial, Log(), timeout=1)
    world.aws.release_imports()
    provider.delete(timed_out.value.job_id, timed_out.value.partial)  # the next destroy finishes it
    assert active(world) == []


def test_adopting_another_owners_reference_is_refused_at_preview_unless_taken_over(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    source = {"name": "owned-genome", "source_file": world.upload("o.fa", generate_fasta(3010))}
    owner = urn("importer")
    mine = provider.create(checked(provider, world.props([source], owner=owner))).outs
    adopter = urn("adopter")
    refused = provider.check({}, world.props([source], owner=adopter, adopt_existing=True)).failures
    assert [f.property for f in refused] == ["sources[0].name"]
    assert "is owned by genomes/prod/importer-" in refused[0].reason and "take_over" in refused[0].reason

    taken = provider.create(checked(provider, world.props([source], owner=adopter, adopt_existing=True,
                                                          take_over=True))).outs
    reference = mine["sources"][0]
    assert taken["sources"][0]["reference_id"] == reference["reference_id"]
    assert tags_of(world, reference["arn"])[ownership.KEY] == taken["owner_mark"]
    provider.delete(mine["job_id"], mine)  # the first owner lets go: its mark is gone
    provider.delete(taken["job_id"], taken)  # adopted: left in place without delete_adopted
    assert active(world) == [reference["reference_id"]]
    provider.delete(taken["job_id"], {**taken, "delete_adopted": True})
    assert active(world) == []


def test_a_reference_another_resource_keeps_is_released_by_a_delete(world: Sandbox) -> None:
    """Two resources of a state written before owner marks share one reference: a refresh and a
    preview name both; deleting the one removed from the program leaves it in place."""
    provider = ReferenceImportJobProvider()
    source = {"name": "legacy-shared", "source_file": world.upload("l.fa", generate_fasta(3011))}
    legacy = provider.create(checked(provider, world.props([source]))).outs  # no owner: no mark
    assert ownership.KEY not in (tags_of(world, legacy["sources"][0]["arn"]) or {})
    kept, removed = urn("kept"), urn("removed")
    log = Log()
    from omics_provider.core import import_lifecycle
    import_lifecycle.read(provider.settings, legacy["job_id"], legacy, log, owner=removed)
    change = import_lifecycle.diff(legacy, {**legacy, "owner": kept}, False, owner=kept, log=log)
    assert not change.replaces
    assert any(f"claimed by two resources of this stack: {removed} and {kept}" in line for line in log.lines)
    import_lifecycle.delete(provider.settings, legacy, log, owner=removed)
    assert active(world) == [legacy["sources"][0]["reference_id"]]
    assert any("released, left in place" in line for line in log.lines)


def test_an_adopted_store_is_left_in_place_unless_delete_adopted(world: Sandbox) -> None:
    provider = ReferenceStoreProvider()
    adopted = provider.create({"name": "adopter", "adopt_existing": True})
    assert adopted.id == world.store and adopted.outs["adopted"] is True
    provider.delete(adopted.id, adopted.outs)
    assert [s["id"] for s in world.aws.omics.list_reference_stores()["referenceStores"]] == [world.store]
    provider.delete(adopted.id, {**adopted.outs, "delete_adopted": True})
    wait_until(lambda: world.aws.omics.list_reference_stores()["referenceStores"] == [], timeout=10)


@pytest.mark.parametrize("answer", ["allowed", "refused"])
def test_a_name_another_resource_holds_gets_its_own_reference_or_a_clear_error(world: Sandbox, answer: str) -> None:
    """Whether a store may hold two ACTIVE references of one name is not documented: the preview
    warns, naming the holder; where the store refuses, the apply fails naming it and what to do,
    and nothing is left half-made."""
    world.aws.controls(same_name_references=answer)
    provider = ReferenceImportJobProvider()
    source = {"name": "held-name", "source_file": world.upload("h.fa", generate_fasta(3012))}
    first = provider.create(checked(provider, world.props([source], owner=urn("holder")))).outs
    log = Log()
    from omics_provider.core import import_lifecycle
    second = import_lifecycle.check(provider.settings, {}, world.props([source], owner=urn("second")), log)
    assert second.failures == []
    [warning] = [line for line in log.lines if "already holds a reference of this name" in line]
    assert first["sources"][0]["reference_id"] in warning and "genomes/prod/holder-" in warning
    assert "adopt_existing" in warning
    if answer == "allowed":
        made = provider.create(second.inputs).outs
        assert made["sources"][0]["reference_id"] != first["sources"][0]["reference_id"]
        assert len(active(world)) == 2
    else:
        with pytest.raises(OmicsProviderError) as failed:
            provider.create(second.inputs)
        assert "already holds reference(s)" in str(failed.value) and "imported by genomes/prod/holder-" in str(failed.value)
        assert "adopt_existing" in str(failed.value)
        assert active(world) == [first["sources"][0]["reference_id"]]


def test_a_store_that_is_not_there_is_named_with_its_region_and_what_to_do(world: Sandbox) -> None:
    provider = ReferenceImportJobProvider()
    source = {"name": "nowhere", "source_file": world.upload("n.fa", generate_fasta(3013))}
    props = {**checked(provider, world.props([source], owner=urn("nowhere"))), "reference_store_id": "9999999999"}
    with pytest.raises(OmicsProviderError, match=f"reference store 9999999999 was not found in Region {world.aws.region}"):
        provider.create(props)
    # The preview can read the store: its check already refuses, naming the Region.
    result = provider.check({}, {**world.props([source], owner=urn("nowhere")), "reference_store_id": "9999999999"})
    [failure] = result.failures
    assert failure.property == "reference_store_id", failure
    assert f"not found in Region {world.aws.region}" in failure.reason and "set this import's `region`" in failure.reason
