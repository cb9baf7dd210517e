"""`pulumi up` end to end: the real CLI (file backend, offline) against the local endpoint."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from omics_provider.core.ownership import user_tags
from omics_stack import outputs
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.polling import wait_until
from tests.support.projects import StackProject


@pytest.fixture
def project(tmp_path: Path, aws: LocalAws) -> StackProject:
    return StackProject(tmp_path / "project", aws)


def one_import(project: StackProject, name: str = "genome-one", key: str = "one.fa", seed: int = 1,
               tags: dict | None = None) -> list[dict]:
    uri = project.upload(key, generate_fasta(seed))
    return [{"name": "import-one", "sources": [
        {"name": name, "source_file": uri, "description": "first", "tags": tags or {"v": "1"}}]}]


def start_calls(aws: LocalAws) -> int:
    return aws.calls()["calls"].get("StartReferenceImportJob", 0)


def test_up_imports_and_a_second_up_changes_nothing(project: StackProject) -> None:
    project.configure(one_import(project))
    first = project.up()
    assert "info: reference import job" in first.stdout  # progress reached the engine's output
    stack = project.outputs()
    [reference] = project.references()
    assert stack[outputs.REFERENCES] == {"genome-one": {
        "id": reference["id"], "arn": reference["arn"], "md5": reference["md5"]}}
    assert stack[outputs.STORE_ID] == reference["referenceStoreId"]

    before = start_calls(project.aws)
    second = project.up()
    assert "3 unchanged" in second.stdout, second.stdout
    assert start_calls(project.aws) == before
    assert len(project.jobs()) == 1


def test_tags_update_in_place_and_a_new_source_replaces(project: StackProject) -> None:
    project.configure(one_import(project))
    project.up()
    [old] = project.references()

    project.configure(one_import(project, tags={"v": "2", "team": "genomics"}))
    updated = project.up()
    assert "1 updated" in updated.stdout, updated.stdout
    [same] = project.references()
    assert same["id"] == old["id"]
    assert user_tags(project.aws.omics.list_tags_for_resource(resourceArn=same["arn"])["tags"]) == {"v": "2", "team": "genomics"}

    project.configure(one_import(project, key="two.fa", seed=2))
    replaced = project.up()
    assert "1 replaced" in replaced.stdout, replaced.stdout
    new = [r for r in project.references() if r["id"] != old["id"]]
    assert len(new) == 1 and new[0]["status"] == "ACTIVE"
    assert [r["id"] for r in project.aws.references_settled(project.store_id())] == [new[0]["id"]]
    # create before delete: the new import finished before the old reference was deleted
    new_job = [j for j in project.jobs() if j["id"] != old.get("creationJobId")][-1]
    assert new_job["completionTime"] <= dt.datetime.now(dt.UTC)
    assert replaced.stdout.index("created replacement") < replaced.stdout.index("deleted original")


@pytest.mark.parametrize("change, field, rule", [
    pytest.param({"source_file": "s3:/not-a-uri"}, "sources[0].source_file", "must match the pattern", id="bad-uri"),
    pytest.param({"name": "ab"}, "sources[0].name", "must have 3 to 255 characters", id="2-letter-name"),
    pytest.param({"many": 101}, "sources", "must have 1 to 100 items (has 101)", id="101-sources"),
])
def test_invalid_config_fails_at_preview_naming_the_field(project: StackProject, change, field, rule) -> None:
    uri = project.upload("ok.fa", generate_fasta(3))
    source = {"name": "genome-ok", "source_file": uri}
    if "many" in change:
        sources = [{"name": f"genome-{n}", "source_file": uri} for n in range(change["many"])]
    else:
        sources = [{**source, **change}]
    project.configure([{"name": "import-bad", "sources": sources}])
    before = project.aws.calls()["calls"]
    result = project.preview(check=False)
    assert result.returncode != 0
    assert field in result.stdout and rule in result.stdout, result.stdout
    assert project.aws.omics.list_reference_stores()["referenceStores"] == []
    after = project.aws.calls()["calls"]
    assert after.get("StartReferenceImportJob", 0) == before.get("StartReferenceImportJob", 0)


@pytest.mark.parametrize("token", ["remembered", "forgotten"])
def test_cli_killed_mid_import_then_up_again(project: StackProject, token: str) -> None:
    """The dynamic provider keeps nothing of the killed create; the rerun finds its job by the
    clientToken, or in the store when the service has forgotten the token (AWS does not say
    how long it remembers one)."""
    project.aws.controls(import_seconds=6, token_memory_seconds=2 if token == "forgotten" else 0)
    project.configure(one_import(project))
    running = project.start_in_background()

    def started_store() -> str | None:
        stores = project.aws.omics.list_reference_stores()["referenceStores"]
        return stores[0]["id"] if stores and project.jobs(stores[0]["id"]) else None

    store = wait_until(started_store, 60, "the import starting")
    project.kill(running)
    assert project.jobs(store)[0]["status"] in ("SUBMITTED", "IN_PROGRESS")

    project.aws.controls(import_seconds=0)
    project.cli.run("cancel", "--yes", "--stack", "test")  # the killed CLI's lock, as a user would
    project.cli.run("refresh", "--clear-pending-creates", "--yes", "--stack", "test")
    if token == "forgotten":
        project.aws.token_forgotten(project.jobs(store)[0], 2)
    result = project.up()
    assert "resuming reference import job" in result.stdout, result.stdout
    assert len(project.jobs(store)) == 1
    [reference] = project.references()
    assert reference["status"] == "ACTIVE"
    assert project.outputs()[outputs.REFERENCES]["genome-one"]["id"] == reference["id"]
    assert "3 unchanged" in project.up().stdout
    state = json.loads(project.cli.run("stack", "export", "--stack", "test").stdout)
    assert not state["deployment"].get("pending_operations")


def test_refresh_shows_drift_and_up_restores(project: StackProject) -> None:
    project.configure(one_import(project))
    project.up()
    [reference] = project.references()
    project.aws.omics.delete_reference(referenceStoreId=project.store_id(), id=reference["id"])
    refreshed = project.cli.run("refresh", "--yes", "--stack", "test")
    assert "1 updated" in refreshed.stdout or "1 deleted" in refreshed.stdout, refreshed.stdout
    project.up()
    [restored] = project.aws.references_settled(project.store_id())
    assert restored["name"] == "genome-one" and restored["status"] == "ACTIVE"
    assert restored["id"] != reference["id"]
    assert project.outputs()[outputs.REFERENCES]["genome-one"]["id"] == restored["id"]


def test_two_imports_on_one_store_and_destroy(project: StackProject) -> None:
    project.aws.controls(import_seconds=1)
    first, second = one_import(project), one_import(project, name="genome-two", key="two.fa", seed=2)
    second[0]["name"] = "import-two"
    project.configure(first + second)
    project.up()
    store = project.store_id()
    assert sorted(r["name"] for r in project.references()) == ["genome-one", "genome-two"]
    assert [j["status"] for j in project.jobs()] == ["COMPLETED", "COMPLETED"]

    exported = project.cli.run("stack", "export", "--show-secrets", "--stack", "test").stdout
    state = json.loads(exported)
    assert state["deployment"]["resources"]
    for secret in ("local-secret-key-value", "AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"):
        assert secret not in exported

    project.cli.run("destroy", "--yes", "--stack", "test")
    assert project.aws.omics.list_reference_stores()["referenceStores"] == []
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        project.aws.omics.list_references(referenceStoreId=store)


def test_destroy_of_a_reference_in_use_fails_naming_it_and_keeps_the_resource(project: StackProject) -> None:
    project.configure(one_import(project))
    project.up()
    [reference] = project.references()
    project.aws.controls(in_use_references={reference["id"]: "read set 4444444444 in sequence store 5555555555"})
    failed = project.cli.run("destroy", "--yes", "--stack", "test", check=False)
    assert failed.returncode != 0
    assert (f"Reference {reference['id']} (genome-one) in store {reference['referenceStoreId']} cannot be deleted"
            in failed.stdout), failed.stdout
    assert "read set 4444444444 in sequence store 5555555555" in failed.stdout
    state = project.cli.run("stack", "export", "--stack", "test").stdout
    assert "omics:ReferenceImportJob" in state and reference["id"] in state
    project.aws.controls(in_use_references={})
    project.cli.run("destroy", "--yes", "--stack", "test")
    assert project.aws.omics.list_reference_stores()["referenceStores"] == []


def test_a_protected_import_is_never_deleted_by_destroy(project: StackProject) -> None:
    imports = one_import(project)
    imports[0]["protect"] = True
    project.configure(imports)
    project.up()
    failed = project.cli.run("destroy", "--yes", "--stack", "test", check=False)
    assert failed.returncode != 0 and "protected" in failed.stdout + failed.stderr, failed.stdout
    assert [r["status"] for r in project.references()] == ["ACTIVE"]
