"""Stacks made by earlier versions run unchanged with this one.

- A 0.1.0 stack of the dynamic provider (tests/fixtures/state-0.1.0): the provider classes are
  found at the import paths its state pickled, the derived clientToken is the same, a no-op `up`
  changes nothing, and the first update keeps the token it used.
- Stacks of 0.2.0's native plugin (tests/fixtures/state-0.2.0-native), the YAML and Python
  examples, written when a source had one schema type for inputs and outputs: they preview,
  refresh and `up` with no change, and a tag update is made in place, with no import job started.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from omics_emulator.launcher import EmulatorProcess
from tests.support.aws import LocalAws
from tests.support.projects import REPO, ExampleProject, PulumiCli

pytestmark = pytest.mark.engine

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "state-0.1.0"
RECORDED_URL = "http://127.0.0.1:4599"


@pytest.fixture
def legacy(tmp_path: Path):
    """The 0.1.0 stack imported into a fresh backend, and its endpoint data restored."""
    data = tmp_path / "data"
    shutil.copytree(FIXTURE / "data", data)
    with EmulatorProcess(data) as endpoint:
        aws = LocalAws(endpoint.url, "us-east-1")
        aws.s3.create_bucket(Bucket="legacy-references")
        for name in ("alpha.fa", "beta.fa"):  # 0.1.0 kept S3 in memory: the same bytes again
            aws.s3.put_object(Bucket="legacy-references", Key=name, Body=(FIXTURE / name).read_bytes())
        project = tmp_path / "project"
        (project / "stacks").mkdir(parents=True)
        for name in ("__main__.py", "omics_stack"):
            (project / name).symlink_to(REPO / name)
        (project / "Pulumi.yaml").write_text(
            f"name: omics-references\nruntime:\n  name: python\n  options:\n    virtualenv: {REPO / '.venv'}\n"
            "stackConfigDir: stacks\n")
        config = (FIXTURE / "Pulumi.legacy.yaml").read_text().replace(RECORDED_URL, endpoint.url)
        (project / "stacks" / "Pulumi.legacy.yaml").write_text(config)
        state = (FIXTURE / "state.json").read_text().replace(RECORDED_URL, endpoint.url)
        (tmp_path / "state.json").write_text(state)
        cli = PulumiCli(project, tmp_path / "state", env={"AWS_ACCESS_KEY_ID": "local",
                                                           "AWS_SECRET_ACCESS_KEY": "local-secret"})
        cli.run("stack", "init", "legacy")
        cli.run("stack", "import", "--file", str(tmp_path / "state.json"), "--stack", "legacy")
        yield cli, aws, project


def test_a_0_1_0_stack_runs_a_no_op_up_and_keeps_its_tokens(legacy) -> None:
    cli, aws, project = legacy
    before = cli.outputs("legacy")
    preview = cli.run("preview", "--stack", "legacy", "--diff")
    assert "4 unchanged" in preview.stdout, preview.stdout
    up = cli.run("up", "--yes", "--expect-no-changes", "--stack", "legacy")
    assert "4 unchanged" in up.stdout, up.stdout
    assert cli.outputs("legacy") == before
    assert aws.calls()["calls"].get("StartReferenceImportJob", 0) == 0

    # The first update under this version: `client_token` becomes the input as given, and the
    # token the job was started with moves to `used_client_token`.
    old = {r["urn"].rsplit("::", 1)[1]: r["outputs"] for r in exported(cli)
           if r["type"].endswith("ReferenceImportJob")}
    config_path = project / "stacks" / "Pulumi.legacy.yaml"
    config_path.write_text(config_path.read_text().replace("assembly: alpha", "assembly: alpha-v2"))
    updated = cli.run("up", "--yes", "--stack", "legacy")
    assert "1 updated" in updated.stdout and "replace" not in updated.stdout, updated.stdout
    new = {r["urn"].rsplit("::", 1)[1]: r["outputs"] for r in exported(cli)
           if r["type"].endswith("ReferenceImportJob")}
    assert new["alpha"]["used_client_token"] == old["alpha"]["client_token"] == old["alpha"]["resolved_client_token"]
    assert new["alpha"].get("client_token") is None
    assert new["beta"].get("used_client_token", old["beta"]["client_token"]) == "legacy-given-token-1"
    assert aws.calls()["calls"].get("StartReferenceImportJob", 0) == 0


def exported(cli: PulumiCli) -> list[dict]:
    state = json.loads(cli.run("stack", "export", "--stack", "legacy").stdout)
    return state["deployment"]["resources"]


NATIVE = FIXTURE.parent / "state-0.2.0-native"
NATIVE_URL = "http://127.0.0.1:4598"  # the recording endpoint's, in each stack's config and state
NATIVE_REGIONS = {"yaml": "us-east-1", "python": "us-west-2"}  # as record.py made them
RETAG = {"yaml": ("assembly: GRCh38\n", "assembly: GRCh38-p14\n"),
         "python": ('{"assembly": "GRCh38"}', '{"assembly": "GRCh38-p14"}')}


@pytest.mark.parametrize("language", sorted(NATIVE_REGIONS))
def test_a_stack_of_the_0_2_0_plugin_reads_refreshes_and_updates_in_place(tmp_path: Path, language: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(NATIVE / "data", data)
    with EmulatorProcess(data) as endpoint:
        aws = LocalAws(endpoint.url, NATIVE_REGIONS[language])
        bucket = f"native-0-2-0-{language}"  # S3 is not in the fixture: the same bytes again, the same ETag
        aws.s3.create_bucket(Bucket=bucket)
        aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=(NATIVE / "grch38.fa").read_bytes())
        project = ExampleProject(tmp_path / language, aws, {}, language=language)
        recorded = NATIVE / language
        (project.root / "Pulumi.test.yaml").write_text(
            (recorded / "Pulumi.test.yaml").read_text().replace(NATIVE_URL, endpoint.url))
        (tmp_path / "state.json").write_text((recorded / "state.json").read_text().replace(NATIVE_URL, endpoint.url))
        project.run("stack", "import", "--file", str(tmp_path / "state.json"))
        old = job_outputs(project.cli, "test")
        before = project.cli.outputs("test")
        aws.reset_calls()

        project.run("preview", "--expect-no-changes")
        project.run("refresh", "--yes", "--expect-no-changes")
        project.run("up", "--yes", "--expect-no-changes")
        assert project.cli.outputs("test") == before
        assert job_outputs(project.cli, "test") == old

        old_tag, new_tag = RETAG[language]
        assert project.program.count(old_tag) == 1, project.program
        project.write(project.program.replace(old_tag, new_tag))
        [tag_step] = [s for s in project.preview_json()["steps"] if s["urn"].endswith("::grch38")]
        assert tag_step["op"] == "update", tag_step
        assert tag_step["detailedDiff"] == {"sources[0].tags": {"kind": "update", "inputDiff": True}}, tag_step
        updated = project.run("up", "--yes")
        assert "1 updated" in updated.stdout and "replace" not in updated.stdout, updated.stdout
        assert project.cli.outputs("test") == before  # the same store, the same reference
        new = job_outputs(project.cli, "test")
        assert new["sources"] == [{**old["sources"][0], "tags": {"assembly": "GRCh38-p14"}}]
        assert others(new) == others(old)
        calls = aws.calls()["calls"]
        assert not any(op.startswith(("Start", "Create", "Delete")) for op in calls), calls


def others(outputs: dict) -> dict:
    """The outputs but `sources`, without the unset inputs an update writes as nulls."""
    return {k: v for k, v in outputs.items() if k != "sources" and v is not None}


def job_outputs(cli: PulumiCli, stack: str) -> dict:
    """The recorded outputs of the import `grch38`."""
    state = json.loads(cli.run("stack", "export", "--stack", stack).stdout)
    [job] = [r for r in state["deployment"]["resources"] if r["urn"].endswith("::grch38")]
    return job["outputs"]
