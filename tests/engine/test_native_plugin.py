"""The native plugin `healthomics` through the real engine with Pulumi YAML programs, at
the local endpoint: the example YAML project's life (exact previews, detailed diffs), custom
timeouts (a create or update that ends at its deadline keeps the job; a store's delete deadline), and
`pulumi import` of references made outside Pulumi."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from omics_provider.core.ownership import user_tags
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.polling import wait_until
from tests.support.projects import YamlProject

pytestmark = pytest.mark.engine
IMPORT_TYPE = "healthomics:index:ReferenceImportJob"


def step(preview: dict, name: str) -> dict:
    [found] = [s for s in preview["steps"] if s["urn"].endswith(f"::{name}")]
    return found


def with_options(program: str, resource_type: str, **options: object) -> str:
    """The YAML program with these resource options on each resource of this type."""
    block = yaml.safe_dump({"options": options}, default_flow_style=False)
    indented = "".join(f"    {line}\n" for line in block.splitlines())
    return program.replace(f"    type: {resource_type}\n", f"    type: {resource_type}\n{indented}")


def imported_by_one_job(project: YamlProject, aws: LocalAws, store_id: str) -> None:
    """The store holds exactly one import job, and the stack's output names its reference."""
    assert len(aws.omics.list_reference_import_jobs(referenceStoreId=store_id)["importJobs"]) == 1
    [reference] = aws.omics.list_references(referenceStoreId=store_id)["references"]
    assert project.cli.outputs("test")["grch38"] == reference["id"]


def example(tmp_path: Path, aws: LocalAws, program: str | None = None) -> tuple[YamlProject, str]:
    """The example project, its FASTA uploaded; and the bucket."""
    bucket, role = aws.bucket(), aws.role()
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(6001))
    config = {"roleArn": role, "grch38File": f"s3://{bucket}/grch38.fa"}
    return YamlProject(tmp_path / "yaml", aws, config, program), bucket


def test_the_example_yaml_project_previews_exactly(tmp_path: Path, aws: LocalAws) -> None:
    project, bucket = example(tmp_path, aws)
    assert step(project.preview_json(), "grch38")["op"] == "create"
    project.run("up", "--yes")
    outputs = project.cli.outputs("test")
    store_id = outputs["storeId"]
    [reference] = aws.omics.list_references(referenceStoreId=store_id)["references"]
    assert outputs["grch38"] == reference["id"]

    aws.reset_calls()  # right after the apply that made them: no omics call at all
    project.run("preview", "--expect-no-changes")
    assert aws.calls()["calls"] == {}
    assert aws.calls()["s3_reads"] == {"ListObjectVersions": 1}  # the source's folder, listed once

    project.write(project.program.replace("assembly: GRCh38", "assembly: GRCh38-p14"))
    tag_step = step(project.preview_json(), "grch38")
    assert tag_step["op"] == "update", tag_step
    assert tag_step["detailedDiff"] == {"sources[0].tags": {"kind": "update", "inputDiff": True}}, tag_step
    project.run("up", "--yes")
    arn = aws.omics.get_reference_metadata(referenceStoreId=store_id, id=reference["id"])["arn"]
    assert user_tags(aws.omics.list_tags_for_resource(resourceArn=arn)["tags"]) == {"assembly": "GRCh38-p14"}

    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(6002))  # overwritten in place
    replace_step = step(project.preview_json(), "grch38")
    assert replace_step["op"] == "replace", replace_step
    assert replace_step["detailedDiff"] == {"sources[0].sourceFile": {"kind": "update-replace", "inputDiff": False}}, replace_step

    project.run("destroy", "--yes")
    assert aws.omics.list_reference_stores()["referenceStores"] == []


def test_a_create_past_its_custom_timeout_keeps_the_job_and_the_next_up_waits_for_it(
        tmp_path: Path, aws: LocalAws) -> None:
    program = with_options(YamlProject.EXAMPLE.read_text(), IMPORT_TYPE, customTimeouts={"create": "5s"})
    project, _ = example(tmp_path, aws, program)
    aws.controls(import_seconds=20)
    failed = project.run("up", "--yes", check=False)
    assert failed.returncode != 0
    [store] = aws.omics.list_reference_stores()["referenceStores"]
    [job] = aws.omics.list_reference_import_jobs(referenceStoreId=store["id"])["importJobs"]
    assert f"Reference import job {job['id']}" in failed.stdout, failed.stdout
    assert f'"id": "{store["id"]}/{job["id"]}"' in project.run("stack", "export").stdout  # the id is kept

    project.run("up", "--yes")
    imported_by_one_job(project, aws, store["id"])


def test_the_next_up_waits_for_the_recorded_job_after_its_client_token_is_forgotten(
        tmp_path: Path, aws: LocalAws) -> None:
    """How long HealthOmics remembers a clientToken is not documented: the job a create recorded
    at its deadline is found by its id, not by the token."""
    program = with_options(YamlProject.EXAMPLE.read_text(), IMPORT_TYPE, customTimeouts={"create": "3s"})
    project, _ = example(tmp_path, aws, program)
    aws.controls(import_seconds=15, token_memory_seconds=4)
    assert project.run("up", "--yes", check=False).returncode != 0
    [store] = aws.omics.list_reference_stores()["referenceStores"]
    time.sleep(5)  # the token is forgotten: starting with it again would start a second import
    project.run("up", "--yes")
    imported_by_one_job(project, aws, store["id"])


def test_an_update_past_its_custom_timeout_keeps_waiting_for_the_same_job(tmp_path: Path, aws: LocalAws) -> None:
    """A create that ended at its deadline is finished by the next `up` as an update, which
    keeps to the update timeout the same way."""
    program = with_options(YamlProject.EXAMPLE.read_text(), IMPORT_TYPE,
                           customTimeouts={"create": "3s", "update": "3s"})
    project, _ = example(tmp_path, aws, program)
    aws.controls(import_seconds=25)
    assert project.run("up", "--yes", check=False).returncode != 0
    [store] = aws.omics.list_reference_stores()["referenceStores"]
    [job] = aws.omics.list_reference_import_jobs(referenceStoreId=store["id"])["importJobs"]
    again = project.run("up", "--yes", check=False)
    assert again.returncode != 0 and f"Reference import job {job['id']}" in again.stdout, again.stdout
    assert "3 s" in again.stdout or "3s" in again.stdout, again.stdout
    assert f'"id": "{store["id"]}/{job["id"]}"' in project.run("stack", "export").stdout

    project.write(program.replace("        update: 3s\n", ""))
    project.run("up", "--yes")
    imported_by_one_job(project, aws, store["id"])


def test_a_store_delete_past_its_custom_timeout_fails_and_the_next_destroy_finishes(
        tmp_path: Path, aws: LocalAws) -> None:
    program = with_options(YamlProject.EXAMPLE.read_text(), "healthomics:index:ReferenceStore",
                           customTimeouts={"delete": "2s"})
    project, _ = example(tmp_path, aws, program)
    project.run("up", "--yes")
    [store] = aws.omics.list_reference_stores()["referenceStores"]
    aws.controls(delete_seconds=12)  # its reference stays DELETING past the store's deadline
    failed = project.run("destroy", "--yes", check=False)
    assert failed.returncode != 0
    assert f"Reference store {store['id']} still holds 1 reference(s) being deleted after 2 s" in failed.stdout, \
        failed.stdout
    assert aws.omics.list_reference_stores()["referenceStores"] == [store]
    wait_until(lambda: not aws.omics.list_references(referenceStoreId=store["id"])["references"] or None,
               timeout=30, what="the reference deleted")
    project.run("destroy", "--yes")  # the state's 2 s deadline still holds, and is enough now
    assert aws.omics.list_reference_stores()["referenceStores"] == []


def test_a_role_that_may_not_read_the_source_fails_the_preview(tmp_path: Path, aws: LocalAws) -> None:
    bucket, role = aws.bucket(), aws.role(reads=None)
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(6004))
    project = YamlProject(tmp_path / "yaml", aws, {"roleArn": role, "grch38File": f"s3://{bucket}/grch38.fa"})
    failed = project.run("preview", check=False)
    assert failed.returncode != 0
    assert (f"the service role {role.rsplit('/', 1)[1]} is not allowed s3:GetObject on "
            f"'s3://{bucket}/grch38.fa'") in failed.stdout, failed.stdout
    assert aws.omics.list_reference_stores()["referenceStores"] == []


def test_a_store_that_refuses_two_references_of_one_name_replaces_with_delete_before_replace(
        tmp_path: Path, aws: LocalAws) -> None:
    """Whether a store may hold two ACTIVE references of one name is not documented. A replacement
    creates the new import first; where the store refuses, that fails naming the clash and keeps
    the old references. The resource option deleteBeforeReplace, with a new clientToken (a failed
    job's token keeps answering with that job), makes it go through."""
    project, bucket = example(tmp_path, aws)
    project.run("up", "--yes")
    [old] = aws.omics.list_references(referenceStoreId=project.cli.outputs("test")["storeId"])["references"]
    aws.controls(same_name_references="refused")
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(6005))  # overwritten: a replacement
    failed = project.run("up", "--yes", check=False)
    assert failed.returncode != 0
    assert f"already has a reference named GRCh38 ({old['id']})" in failed.stdout, failed.stdout
    assert project.cli.outputs("test")["grch38"] == old["id"]
    assert aws.omics.get_reference_metadata(referenceStoreId=old["referenceStoreId"], id=old["id"])["status"] == "ACTIVE"

    project.write(with_options(project.program, IMPORT_TYPE, deleteBeforeReplace=True).replace(
        "      roleArn: ${roleArn}\n", "      roleArn: ${roleArn}\n      clientToken: grch38-after-the-clash\n"))
    project.run("up", "--yes")
    [new] = [r for r in aws.omics.list_references(referenceStoreId=old["referenceStoreId"])["references"]
             if r["status"] == "ACTIVE"]
    assert new["name"] == "GRCh38" and new["id"] != old["id"] and project.cli.outputs("test")["grch38"] == new["id"]


def test_pulumi_import_takes_over_references_made_outside_pulumi(tmp_path: Path, aws: LocalAws) -> None:
    bucket, role = aws.bucket(), aws.role()
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(6003))
    store = aws.omics.create_reference_store(name="made-by-a-script", description="by boto3")["id"]
    job = aws.omics.start_reference_import_job(referenceStoreId=store, roleArn=role, sources=[
        {"name": "GRCh38", "sourceFile": f"s3://{bucket}/grch38.fa", "description": "primary assembly",
         "tags": {"assembly": "GRCh38"}}])["id"]
    aws.job(store, job)
    empty = "name: adopted\nruntime: yaml\nplugins:\n  providers:\n    - name: healthomics\n      path: ../../.venv/bin\n"
    project = YamlProject(tmp_path / "yaml", aws, {}, empty)
    aws.reset_calls()
    printed = [project.run("import", "healthomics:index:ReferenceStore", "store", store, "--yes", "--protect=false"),
               project.run("import", IMPORT_TYPE, "grch38", f"{store}/{job}", "--yes", "--protect=false")]
    resources = {}
    for output in printed:  # the program `pulumi import` prints, pasted as a user would
        code = output.stdout.split("will happen on the next update command.", 1)[1]
        resources.update(yaml.safe_load(code)["resources"])
    assert resources["store"]["properties"] == {"name": "made-by-a-script", "description": "by boto3"}
    assert resources["grch38"]["properties"]["sources"] == [
        {"name": "GRCh38", "sourceFile": f"s3://{bucket}/grch38.fa", "description": "primary assembly",
         "tags": {"assembly": "GRCh38"}}]
    project.write(project.program + yaml.safe_dump({"resources": resources}))
    project.run("preview", "--expect-no-changes")
    project.run("up", "--yes", "--expect-no-changes")
    calls = aws.calls()["calls"]
    assert not any(op.startswith(("Start", "Create", "Delete", "Tag", "Untag")) for op in calls), calls


def test_refresh_sees_what_changed_outside_pulumi_and_up_repairs_it(tmp_path: Path, aws: LocalAws) -> None:
    project, _ = example(tmp_path, aws)
    project.run("up", "--yes")
    store_id = project.cli.outputs("test")["storeId"]
    [reference] = aws.omics.list_references(referenceStoreId=store_id)["references"]
    arn = aws.omics.get_reference_metadata(referenceStoreId=store_id, id=reference["id"])["arn"]
    aws.omics.tag_resource(resourceArn=arn, tags={"assembly": "changed-by-hand"})
    project.run("refresh", "--yes")
    assert step(project.preview_json(), "grch38")["detailedDiff"] == {
        "sources[0].tags": {"kind": "update", "inputDiff": True}}
    project.run("up", "--yes")
    assert user_tags(aws.omics.list_tags_for_resource(resourceArn=arn)["tags"]) == {"assembly": "GRCh38"}

    aws.omics.delete_reference(referenceStoreId=store_id, id=reference["id"])
    aws.references_settled(store_id)
    project.run("refresh", "--yes")  # every reference gone: the import leaves the state
    assert step(project.preview_json(), "grch38")["op"] == "create"
    project.run("up", "--yes")
    [again] = [r for r in aws.omics.list_references(referenceStoreId=store_id)["references"] if r["status"] == "ACTIVE"]
    assert again["name"] == "GRCh38" and again["id"] != reference["id"]
    assert len(aws.omics.list_reference_import_jobs(referenceStoreId=store_id)["importJobs"]) == 2
