"""Adopted as a user would: the wheel built from this checkout, installed with its dependencies
into a fresh virtualenv outside the repository, used by a Pulumi project of the user's own (only
the public API, a standard Pulumi.yaml with `virtualenv: venv`), driven by the CLI `make setup`
built, with no PATH tricks, against the local endpoint started from the installed extra; the
generated Python SDK, built into a wheel and installed beside it, with the plugin the wheel holds;
and that endpoint on a machine with neither Go nor versitygw."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from omics_emulator.launcher import EmulatorProcess
from omics_emulator.s3_server import find_binary
from omics_provider.ownership import user_tags
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import REPO

pytestmark = pytest.mark.engine

PULUMI = REPO / ".tools" / "bin" / "pulumi"
PROGRAM = '''
import pulumi
import omics_provider
from omics_provider import (ReferenceImportJob, ReferenceImportJobArgs, ReferenceSourceArgs,
                            ReferenceStore, ReferenceStoreArgs)

config = pulumi.Config()
store = ReferenceStore("genomes", ReferenceStoreArgs(name="user-genomes"))
job = ReferenceImportJob("grch-demo", ReferenceImportJobArgs(
    reference_store_id=store.store_id, role_arn=config.require("role_arn"),
    sources=[ReferenceSourceArgs("demo-genome", config.require("source_file"),
                                 tags={"tier": config.require("tier")})],
    poll_initial_seconds=0.2, poll_max_seconds=1))
pulumi.export("provider_file", omics_provider.__file__)
pulumi.export("store_id", store.store_id)
pulumi.export("reference_id", job.sources.apply(lambda s: s[0].get("reference_id")))
'''


def run(*cmd: str | Path, cwd: Path | None = None, env: dict | None = None) -> str:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def pinned_constraints(path: Path) -> Path:
    """requirements*.txt as a constraints file, so the install uses the versions CI caches."""
    lines = []
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (REPO / name).read_text().splitlines():
            if line and not line.startswith(("#", "-")):
                lines.append(re.sub(r"\[.*?\]", "", line))
    path.write_text("\n".join(lines) + "\n")
    return path


def user_cli(project: Path, tmp_path: Path, stack: str) -> Callable[..., str]:
    """`pulumi ARGS` on a new stack of the user's project, with state, home and passphrase of
    its own, none of this repository's environment, and the local endpoint's credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update(PULUMI_BACKEND_URL=f"file://{tmp_path / 'state'}", PULUMI_CONFIG_PASSPHRASE="user-pass",
               PULUMI_HOME=str(tmp_path / "home"), PULUMI_SKIP_UPDATE_CHECK="true",
               PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
               AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local-secret")
    (tmp_path / "state").mkdir()
    run(PULUMI, "stack", "init", stack, "--non-interactive", cwd=project, env=env)

    def pulumi(*args: str) -> str:
        return run(PULUMI, *args, "--non-interactive", "--stack", stack, cwd=project, env=env)
    return pulumi


@pytest.fixture(scope="module")
def user_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel and its `local` extra installed, and the Python SDK's wheel."""
    root = tmp_path_factory.mktemp("user")
    dist = root / "dist"
    for source in (REPO, REPO / "sdk" / "python"):
        run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source)
    [wheel] = dist.glob("omics_references-*.whl")
    [sdk_wheel] = dist.glob("pulumi_healthomics-*.whl")
    run(sys.executable, "-m", "venv", root / "project" / "venv")
    python = root / "project" / "venv" / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
        "-c", pinned_constraints(root / "constraints.txt"), f"{wheel}[local]", sdk_wheel)
    return root / "project" / "venv"


def test_a_users_own_project_uses_the_installed_package(user_venv: Path, tmp_path: Path) -> None:
    project = user_venv.parent
    endpoint_script = user_venv / "bin" / "omics-local-endpoint"
    # the installed endpoint is told where versitygw is, as a user outside this repository would
    command = [str(endpoint_script), "--s3-server", str(find_binary())]
    with EmulatorProcess(tmp_path / "data", command=command) as endpoint:
        aws = LocalAws(endpoint.url, "eu-west-1")
        bucket = aws.bucket()
        aws.s3.put_object(Bucket=bucket, Key="demo.fa", Body=generate_fasta(501))
        (project / "Pulumi.yaml").write_text(
            "name: user-genomes\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n")
        (project / "__main__.py").write_text(PROGRAM)
        stack_config = {"config": {
            "aws:region": "eu-west-1",
            "aws:endpoints": [{"omics": endpoint.url, "s3": endpoint.url}],
            "user-genomes:role_arn": aws.role(), "user-genomes:source_file": f"s3://{bucket}/demo.fa",
            "user-genomes:tier": "bronze"}}
        (project / "Pulumi.dev.yaml").write_text(json.dumps(stack_config))
        pulumi = user_cli(project, tmp_path, "dev")
        assert "3 created" in pulumi("up", "--yes")
        outputs = json.loads(pulumi("stack", "output", "--json"))
        assert outputs["provider_file"].startswith(str(user_venv)), outputs["provider_file"]
        reference = aws.omics.get_reference_metadata(referenceStoreId=outputs["store_id"],
                                                     id=outputs["reference_id"])
        assert reference["status"] == "ACTIVE"

        assert "3 unchanged" in pulumi("up", "--yes", "--expect-no-changes")

        pulumi("config", "set", "tier", "gold")
        retagged = pulumi("up", "--yes")
        assert "1 updated" in retagged and "replace" not in retagged, retagged
        assert user_tags(aws.omics.list_tags_for_resource(resourceArn=reference["arn"])["tags"]) == {"tier": "gold"}

        assert "3 deleted" in pulumi("destroy", "--yes")
        assert aws.omics.list_reference_stores()["referenceStores"] == []


def test_a_users_python_program_uses_the_generated_sdk_and_the_plugin_of_the_wheel(
        user_venv: Path, tmp_path: Path) -> None:
    project = tmp_path / "genomes"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        f"name: genomes\nruntime:\n  name: python\n  options:\n    virtualenv: {user_venv}\n"
        f"plugins:\n  providers:\n    - name: healthomics\n      path: {user_venv / 'bin'}\n")
    (project / "__main__.py").write_text((REPO / "examples" / "python" / "__main__.py").read_text())
    command = [str(user_venv / "bin" / "omics-local-endpoint"), "--s3-server", str(find_binary())]
    with EmulatorProcess(tmp_path / "data", command=command) as endpoint:
        aws = LocalAws(endpoint.url, "eu-west-1")
        bucket = aws.bucket()
        aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(502))
        url = endpoint.url
        (project / "Pulumi.dev.yaml").write_text(json.dumps({"config": {
            "healthomics:region": "eu-west-1",
            "healthomics:endpoints": [{"omics": url, "s3": url, "iam": url, "sts": url}],
            "genomes:roleArn": aws.role(), "genomes:grch38File": f"s3://{bucket}/grch38.fa"}}))
        pulumi = user_cli(project, tmp_path, "dev")

        assert "3 created" in pulumi("up", "--yes")
        outputs = json.loads(pulumi("stack", "output", "--json"))
        reference = aws.omics.get_reference_metadata(referenceStoreId=outputs["storeId"], id=outputs["grch38"])
        assert reference["status"] == "ACTIVE"
        assert "3 unchanged" in pulumi("up", "--yes", "--expect-no-changes")
        assert "3 deleted" in pulumi("destroy", "--yes")
        assert aws.omics.list_reference_stores()["referenceStores"] == []


def test_the_installed_endpoint_starts_without_go_or_versitygw_and_an_import_works(
        user_venv: Path, tmp_path: Path) -> None:
    path = os.pathsep.join([str(user_venv / "bin"), "/usr/bin", "/bin"])
    assert shutil.which("versitygw", path=path) is None and shutil.which("go", path=path) is None
    command = [str(user_venv / "bin" / "omics-local-endpoint")]
    with EmulatorProcess(tmp_path / "data", command=command, env={"PATH": path, "OMICS_LOCAL_S3_SERVER": ""}) as endpoint:
        [said] = [line for line in endpoint.banner if line.startswith("S3 objects:")]
        assert "in memory" in said and "lost when the endpoint stops" in said and "install versitygw" in said, said
        aws = LocalAws(endpoint.url, "us-east-1")
        bucket, fasta = aws.bucket(), generate_fasta(502)
        aws.s3.put_object(Bucket=bucket, Key="demo.fa", Body=fasta)
        store = aws.omics.create_reference_store(name="no-go")["id"]
        started = aws.omics.start_reference_import_job(referenceStoreId=store, roleArn=aws.role(), sources=[
            {"name": "demo-genome", "sourceFile": f"s3://{bucket}/demo.fa"}])
        job = aws.job(store, started["id"])
        assert job["status"] == "COMPLETED", job
        assert aws.read_file(store, job["sources"][0]["referenceId"], "SOURCE") == fasta


def test_the_installed_review_tools_run_outside_the_repository(user_venv: Path, tmp_path: Path) -> None:
    """The wheel holds `omics_review`: the commands users' workflows call run from any folder."""
    python, preview = user_venv / "bin" / "python", REPO / "tests" / "fixtures" / "previews" / "tag-change.json"
    for module in ("omics_provider.review", "omics_review.review"):
        summary = run(python, "-m", module, preview, "--stack", "test", cwd=tmp_path)
        assert summary == preview.with_suffix(".md").read_text(), module
    assert run(python, "-m", "omics_provider.guard", preview, preview, cwd=tmp_path).startswith("guard: every")
    assert "--import-file" in run(python, "-m", "omics_provider.migrate", "--help", cwd=tmp_path)
