"""Programs in TypeScript, Python and Go with the SDKs generated from schema.json (sdk/), through
the real engine and the native plugin, at the local endpoint: create, a no-op `up`, a tag update
in place, `destroy`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from omics_provider import review
from omics_provider.ownership import user_tags
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import PROGRAM_FILES, REPO, ExampleProject, copy_example

pytestmark = pytest.mark.engine
LANGUAGES = ["typescript", "python", "go"]


def needs_node(language: str) -> None:
    if language == "typescript" and shutil.which("node") is None:
        pytest.skip("no Node.js on PATH: tools/nodejs/build.sh built no TypeScript SDK")
    if language == "typescript":
        assert (REPO / ".tools/node/node_modules/@omics-references/healthomics/index.js").exists(), (
            "the TypeScript SDK is not built: run `make setup`")


def retagged(program: str, tag: str) -> str:
    """The program with the GRCh38 source's `assembly` tag set to `tag` (in any of the languages)."""
    changed, count = re.subn(r'(assembly"?: (?:pulumi\.String\()?)"GRCh38"', rf'\1"{tag}"', program)
    assert count == 1, program
    return changed


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_example_program_lives_through_create_noop_retag_and_destroy(
        tmp_path: Path, aws: LocalAws, language: str) -> None:
    needs_node(language)
    bucket, role = aws.bucket(), aws.role()
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(6001))
    config = {"roleArn": role, "grch38File": f"s3://{bucket}/grch38.fa"}
    project = ExampleProject(tmp_path / language, aws, config, language=language)

    project.run("up", "--yes")
    outputs = project.cli.outputs("test")
    store_id = outputs["storeId"]
    [reference] = aws.omics.list_references(referenceStoreId=store_id)["references"]
    assert outputs["grch38"] == reference["id"]
    arn = aws.omics.get_reference_metadata(referenceStoreId=store_id, id=reference["id"])["arn"]
    assert user_tags(aws.omics.list_tags_for_resource(resourceArn=arn)["tags"]) == {"assembly": "GRCh38"}

    aws.reset_calls()
    project.run("up", "--yes", "--expect-no-changes")
    assert aws.calls()["calls"] == {}  # the plugin's previews read S3, never HealthOmics

    project.write(retagged(project.program, "GRCh38-p14"))
    preview = project.preview_json()
    [tag_step] = [s for s in preview["steps"] if s["urn"].endswith("::grch38")]
    assert tag_step["op"] == "update", tag_step
    assert tag_step["detailedDiff"] == {"sources[0].tags": {"kind": "update", "inputDiff": True}}, tag_step
    assert "`assembly`: `GRCh38` → `GRCh38-p14`" in review.summarize(preview)  # what the reviewer reads
    project.run("up", "--yes")
    assert user_tags(aws.omics.list_tags_for_resource(resourceArn=arn)["tags"]) == {"assembly": "GRCh38-p14"}
    assert project.cli.outputs("test")["grch38"] == reference["id"]  # the same reference, in place
    assert len(aws.omics.list_reference_import_jobs(referenceStoreId=store_id)["importJobs"]) == 1

    project.run("destroy", "--yes")
    assert aws.omics.list_reference_stores()["referenceStores"] == []


# What a user writes for the store and import that `pulumi import` took over, per language
# (ROLE and FILE stand for the role's ARN and the source's S3 URI).
IMPORTED = Path(__file__).resolve().parents[1] / "fixtures" / "imported"


@pytest.mark.parametrize("language", LANGUAGES)
def test_pulumi_import_takes_over_a_store_and_an_import_made_outside_pulumi(
        tmp_path: Path, aws: LocalAws, language: str) -> None:
    needs_node(language)
    bucket, role = aws.bucket(), aws.role()
    source = f"s3://{bucket}/grch38.fa"
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(6003))
    store = aws.omics.create_reference_store(name="made-by-a-script", description="by boto3")["id"]
    job = aws.omics.start_reference_import_job(referenceStoreId=store, roleArn=role, sources=[
        {"name": "GRCh38", "sourceFile": source, "description": "primary assembly",
         "tags": {"assembly": "GRCh38"}}])["id"]
    aws.job(store, job)
    program = (IMPORTED / PROGRAM_FILES[language]).read_text().replace("ROLE", role).replace("FILE", source)
    project = ExampleProject(tmp_path / language, aws, {}, program, language=language)
    aws.reset_calls()
    for args in (("healthomics:index:ReferenceStore", "store", store),
                 ("healthomics:index:ReferenceImportJob", "grch38", f"{store}/{job}")):
        # The pinned hosts cannot write the program (GenerateProgram): the user writes it.
        project.run("import", *args, "--yes", "--protect=false", "--generate-code=false")
    project.run("up", "--yes", "--expect-no-changes")
    calls = aws.calls()["calls"]
    assert not any(op.startswith(("Start", "Create", "Delete", "Tag", "Untag")) for op in calls), calls


def test_the_typescript_example_installs_with_npm_as_written_and_typechecks(tmp_path: Path) -> None:
    needs_node("typescript")
    project = tmp_path / "typescript"
    project.mkdir()
    copy_example("typescript", project)
    subprocess.run(["npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
                   cwd=project, check=True, capture_output=True, timeout=600)
    installed = json.loads((project / "node_modules/@omics-references/healthomics/package.json").read_text())
    assert installed["version"] == json.loads((REPO / "schema.json").read_text())["version"]
    checked = subprocess.run([str(project / "node_modules/.bin/tsc"), "--noEmit", "-p", "."], cwd=project,
                             capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_typescript_source_input_offers_no_output(tmp_path: Path) -> None:
    """The SDK's input type for a source holds its inputs only: setting `arn`, an output, in one
    does not compile, while the example as written does."""
    needs_node("typescript")
    copy_example("typescript", tmp_path)
    (tmp_path / "node_modules").symlink_to(REPO / ".tools" / "node" / "node_modules")

    def typecheck() -> subprocess.CompletedProcess:
        return subprocess.run([str(tmp_path / "node_modules/.bin/tsc"), "--noEmit", "-p", "."], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)

    assert typecheck().returncode == 0
    program = tmp_path / "index.ts"
    program.write_text(program.read_text().replace('name: "GRCh38",', 'name: "GRCh38", arn: "arn:x",', 1))
    checked = typecheck()
    assert checked.returncode != 0 and "'arn' does not exist in type" in checked.stdout, checked.stdout
