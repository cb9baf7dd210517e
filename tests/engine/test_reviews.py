"""What a reviewer sees in `pulumi preview` (GitOps): stable plans when a source object vanishes,
cannot be read or changes, tag changes that show only tags, and pre-flight refusals that touch
nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omics_review import review
from omics_stack import outputs
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import StackProject

pytestmark = pytest.mark.engine
MUTATING = ("Start", "Create", "Delete", "Tag", "Untag")


@pytest.fixture
def project(tmp_path: Path, aws: LocalAws) -> StackProject:
    project = StackProject(tmp_path / "project", aws)
    project.uri = project.upload("genome.fa", generate_fasta(701))
    project.configure(imports(project.uri))
    project.up()
    return project


def imports(uri: str, tags: dict | None = None) -> list[dict]:
    return [{"name": "import-one", "sources": [{"name": "genome-one", "source_file": uri, "tags": tags or {"v": "1"}}]}]


def preview_json(project: StackProject) -> dict:
    return json.loads(project.cli.run("preview", "--json", "--stack", "test").stdout)


def import_step(preview: dict) -> dict:
    [step] = [s for s in preview["steps"] if "omics:ReferenceImportJob::" in s["urn"]]
    return step


def mutating_calls(aws: LocalAws) -> dict:
    return {op: n for op, n in aws.calls()["calls"].items() if op.startswith(MUTATING)}


def test_a_source_deleted_after_import_is_a_warning_not_a_change(project: StackProject) -> None:
    bucket, key = project.uri[5:].split("/", 1)
    project.aws.s3.delete_object(Bucket=bucket, Key=key)
    preview = project.cli.run("preview", "--stack", "test")
    assert "no longer exists in S3" in preview.stdout and project.uri in preview.stdout, preview.stdout
    assert "3 unchanged" in preview.stdout, preview.stdout
    project.up("--expect-no-changes")


def test_an_unreadable_source_never_changes_the_plan(project: StackProject) -> None:
    project.aws.controls(unreadable_objects=[project.uri], unlistable_buckets=[project.bucket])
    preview = project.cli.run("preview", "--stack", "test")
    assert "could not be read (HeadObject answered 403)" in preview.stdout, preview.stdout
    assert "3 unchanged" in preview.stdout, preview.stdout
    project.up("--expect-no-changes")


def test_a_no_op_preview_right_after_the_up_makes_no_omics_call(project: StackProject) -> None:
    project.aws.reset_calls()
    preview = project.cli.run("preview", "--expect-no-changes", "--stack", "test")
    assert "3 unchanged" in preview.stdout, preview.stdout
    assert project.aws.calls()["calls"] == {}


def test_a_tag_change_previews_as_only_a_tag_change(project: StackProject) -> None:
    before = project.outputs()
    project.configure(imports(project.uri, tags={"v": "2", "team": "genomics"}))
    preview = preview_json(project)
    step = import_step(preview)
    assert step["op"] == "update", step
    # A preview shows the checked inputs as the resource's outputs (the dynamic provider cannot
    # preview): every old output must be there, unchanged but for the tags.
    old, new = step["oldState"]["outputs"], step["newState"].get("outputs") or step["newState"]["inputs"]
    old_source, new_source = old["sources"][0], new["sources"][0]
    assert new_source.pop("tags") == {"v": "2", "team": "genomics"} and old_source.pop("tags") == {"v": "1"}
    assert new_source == old_source
    assert {k: v for k, v in new.items() if k != "sources"} == {k: v for k, v in old.items() if k != "sources"}
    stack = [s for s in preview["steps"] if "pulumi:pulumi:Stack::" in s["urn"]]
    assert all(s["op"] == "same" for s in stack), stack
    project.up()
    assert project.outputs() == before


def test_an_overwritten_object_replaces_the_import_naming_the_version_change(project: StackProject) -> None:
    old_version = "etag:" + project.aws.s3.head_object(Bucket=project.bucket, Key="genome.fa")["ETag"].strip('"')
    project.upload("genome.fa", generate_fasta(702))
    new_version = "etag:" + project.aws.s3.head_object(Bucket=project.bucket, Key="genome.fa")["ETag"].strip('"')
    preview = project.cli.run("preview", "--diff", "--stack", "test")
    assert "+-" in preview.stdout and "import-one" in preview.stdout, preview.stdout
    assert old_version in preview.stdout and new_version in preview.stdout, preview.stdout
    reason = f"will be replaced: the S3 object changed: {project.uri} version {old_version} → {new_version}"
    assert reason in preview.stdout + preview.stderr, preview.stderr  # one line per replaced import
    summary = review.summarize(preview_json(project), "test")
    assert f"the S3 object changed: {project.uri} version {old_version} → {new_version}" in summary, summary
    assert summary.startswith("### HealthOmics references: preview of stack `test`\n\n**⚠ 1 reference(s) will be deleted**")
    replaced = project.up()
    assert "1 replaced" in replaced.stdout, replaced.stdout
    assert project.outputs()[outputs.REFERENCES]["genome-one"]["md5"] == new_version[5:]


def test_a_source_over_15_gb_is_refused_at_preview_touching_nothing(tmp_path: Path, aws: LocalAws) -> None:
    project = StackProject(tmp_path / "project", aws)
    uri = project.upload("huge.fa", generate_fasta(703))
    aws.controls(object_sizes={uri: 16 * 1000**3})
    project.configure(imports(uri))
    aws.reset_calls()
    preview = project.cli.run("preview", "--stack", "test", check=False)
    assert preview.returncode != 0
    assert f"{uri!r} is 16000000000 bytes, over HealthOmics' 15 GB limit for a reference file" in preview.stdout, preview.stdout
    assert mutating_calls(aws) == {}
