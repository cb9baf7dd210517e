"""The documented policies are enough, through the real engine and the endpoint's IAM: a stack
applied by an IAM user, and by an assumed-role session, holding exactly `caller.json`, both
faces, and a refreshed preview by exactly `previewer.json`, meet no AccessDenied; an explicit
deny is honoured and named."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from omics_provider.core.ownership import user_tags
from omics_stack import outputs
from tests.support.aws import LocalAws, granted, without
from tests.support.fasta import generate_fasta
from tests.support.projects import StackProject, YamlProject

IMPORT_TYPE = "healthomics:index:ReferenceImportJob"
_n = itertools.count(1)


def no_denial(*runs) -> None:
    for run in runs:
        shown = run.stdout + run.stderr
        assert "AccessDenied" not in shown and "not authorized" not in shown, shown


def test_an_iam_user_holding_the_caller_policy_runs_every_operation_of_the_stack(
        tmp_path: Path, aws: LocalAws) -> None:
    n = next(_n)
    west, north = f"lp-west-{n}", f"lp-north-{n}"
    project = StackProject(tmp_path / "project", aws)
    alpha = {"name": "import-alpha", "sources": [
        {"name": "alpha", "source_file": project.upload("lp/alpha.fa", generate_fasta(501)),
         "tags": {"assembly": "one"}}]}
    beta = {"name": "import-beta", "sources": [
        {"name": "beta", "source_file": project.upload("lp/beta.fa", generate_fasta(502))}]}

    def configure(alpha: dict) -> None:
        project.configure([alpha], store={"name": "lp-west", "region": west},
                          regions=[{"region": north, "store": {"name": "lp-north"}, "imports": [beta]}])

    configure(alpha)
    project.cli.env.update(aws.user(granted("caller", project.role, project.bucket)))
    stack = ["--stack", project.stack]
    no_denial(project.up())
    stores = project.outputs()[outputs.STORES]
    regional = {region: LocalAws(aws.url, region) for region in (west, north)}
    assert [r["name"] for r in regional[north].references_settled(stores[north])] == ["beta"]

    configure({**alpha, "sources": [{**alpha["sources"][0], "tags": {"assembly": "two"}}]})
    no_denial(project.up(), project.cli.run("refresh", "--yes", *stack))
    [reference] = regional[west].references_settled(stores[west])
    tags = regional[west].omics.list_tags_for_resource(resourceArn=reference["arn"])["tags"]
    assert user_tags(tags) == {"assembly": "two"}

    project.upload("lp/alpha.fa", generate_fasta(503))  # overwritten: imported again
    no_denial(project.up())
    [again] = regional[west].references_settled(stores[west])
    assert again["id"] != reference["id"]

    # A state that lost the import, at a service that forgot its clientToken: the rerun finds
    # the job by the owner mark (ListReferenceImportJobs) and imports nothing twice.
    urn = next(r["urn"] for r in json.loads(project.cli.run("stack", "export", *stack).stdout)[
        "deployment"]["resources"] if r["urn"].endswith("::import-alpha"))
    project.cli.run("state", "delete", urn, "--yes", *stack)
    regional[west].controls(token_memory_seconds=0.001)
    try:
        no_denial(project.up())
    finally:
        regional[west].controls(token_memory_seconds=0.0)
    assert [r["id"] for r in regional[west].references_settled(stores[west])] == [again["id"]]

    no_denial(project.cli.run("destroy", "--yes", *stack))
    assert regional[west].omics.list_reference_stores()["referenceStores"] == []
    assert regional[north].omics.list_reference_stores()["referenceStores"] == []


def test_an_assumed_role_session_holding_the_caller_policy_runs_the_native_plugin(
        tmp_path: Path, aws: LocalAws) -> None:
    bucket, role = aws.bucket(), aws.role()
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(6101))
    project = YamlProject(tmp_path / "yaml", aws, {"roleArn": role, "grch38File": f"s3://{bucket}/grch38.fa"})
    project.cli.env.update(aws.assumed(granted("caller", role, bucket)))
    no_denial(project.run("up", "--yes"))
    store_id = project.cli.outputs("test")["storeId"]
    [reference] = aws.omics.list_references(referenceStoreId=store_id)["references"]
    project.write(project.program.replace("assembly: GRCh38", "assembly: GRCh38-p14"))
    no_denial(project.run("up", "--yes"), project.run("refresh", "--yes"))
    tags = aws.omics.list_tags_for_resource(resourceArn=reference["arn"])["tags"]
    assert user_tags(tags) == {"assembly": "GRCh38-p14"}
    [job] = aws.omics.list_reference_import_jobs(referenceStoreId=store_id)["importJobs"]

    # `pulumi import` of the import, into a second project, by the same session.
    empty = "name: adopted\nruntime: yaml\nplugins:\n  providers:\n    - name: healthomics\n      path: ../../.venv/bin\n"
    importer = YamlProject(tmp_path / "importer", aws, {}, empty)
    importer.cli.env.update(project.cli.env)
    no_denial(importer.run("import", IMPORT_TYPE, "grch38", f"{store_id}/{job['id']}", "--yes", "--protect=false"))

    no_denial(project.run("destroy", "--yes"))
    assert aws.omics.list_reference_stores()["referenceStores"] == []


def test_a_refreshed_preview_by_exactly_the_previewer_policy_passes_and_shows_the_change(
        tmp_path: Path, aws: LocalAws) -> None:
    project = StackProject(tmp_path / "project", aws)
    source = {"name": "grch38", "source_file": project.upload("pv/grch38.fa", generate_fasta(511)),
              "tags": {"assembly": "one"}}
    project.configure([{"name": "import-pv", "sources": [source]}])
    project.up()  # as the account's root
    project.configure([{"name": "import-pv", "sources": [{**source, "tags": {"assembly": "two"}}]}])
    project.cli.env.update(aws.user(granted("previewer", project.role, project.bucket)))
    preview = project.cli.run("preview", "--refresh", "--json", "--stack", project.stack)
    no_denial(preview)
    ops = {s["urn"].rsplit("::", 1)[1]: s["op"] for s in json.loads(preview.stdout)["steps"]}
    assert ops["import-pv"] == "update", ops


def test_an_explicit_deny_of_starting_an_import_fails_the_up_naming_the_action(
        tmp_path: Path, aws: LocalAws) -> None:
    project = StackProject(tmp_path / "project", aws)
    project.configure([{"name": "import-denied", "sources": [
        {"name": "denied", "source_file": project.upload("deny/d.fa", generate_fasta(521))}]}])
    project.cli.env.update(aws.user({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "omics:StartReferenceImportJob", "Resource": "*"}]}))
    up = project.up(check=False)
    shown = up.stdout + up.stderr
    assert up.returncode != 0
    assert "omics:StartReferenceImportJob" in shown and "explicit deny" in shown, shown
    [store] = aws.omics.list_reference_stores()["referenceStores"]
    assert aws.omics.list_reference_import_jobs(referenceStoreId=store["id"])["importJobs"] == []


def test_the_native_plugin_without_one_action_of_the_caller_policy_names_it_and_the_file(
        tmp_path: Path, aws: LocalAws) -> None:
    bucket, role = aws.bucket(), aws.role()
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(6102))
    project = YamlProject(tmp_path / "yaml", aws, {"roleArn": role, "grch38File": f"s3://{bucket}/grch38.fa"})
    project.cli.env.update(aws.assumed(without(granted("caller", role, bucket), "omics:ListReferenceImportJobs")))
    up = project.run("up", "--yes", check=False)
    shown = up.stdout + up.stderr
    assert up.returncode != 0
    assert "the IAM action omics:ListReferenceImportJobs on arn:aws:omics:" in shown, shown
    assert "policies/caller.json grants it" in shown, shown
    [store] = aws.omics.list_reference_stores()["referenceStores"]
    assert aws.omics.list_reference_import_jobs(referenceStoreId=store["id"])["importJobs"] == []
