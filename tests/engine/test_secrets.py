"""Secrets stay secret through the real engine, both faces: a secret tag and a secret service
role ARN never appear in the state, the exported stack, `preview --json`, `up --diff` or the
reviewer's summary; the change of a secret is still reported; and only the secret part is
secret (the references' ids stay readable)."""

from __future__ import annotations

import json
from pathlib import Path

from omics_provider.core.ownership import user_tags
from omics_review import review
from omics_stack import outputs
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import StackProject, YamlProject

PROGRAM = """name: secrets-yaml
runtime: yaml
plugins:
  providers:
    - name: healthomics
      path: ../../.venv/bin
config:
  roleArn:
    type: string
  grch38File:
    type: string
resources:
  store:
    type: healthomics:index:ReferenceStore
    properties:
      name: genomes
      tags:
        team: genomics-platform
        costCentre:
          fn::secret: STORE-SECRET-TAG
  grch38:
    type: healthomics:index:ReferenceImportJob
    properties:
      referenceStoreId: ${store.storeId}
      roleArn: ${roleArn}
      sources:
        - name: GRCh38
          sourceFile: ${grch38File}
          tags:
            assembly: GRCh38
            billing:
              fn::secret: NATSECRET-v1
outputs:
  grch38: ${grch38.sources[0].referenceId}
"""


def leaks(texts: list[str], secrets: list[str]) -> list[tuple[str, str]]:
    """(secret, the first 200 characters around it) for each secret found in `texts`."""
    found = []
    for text in texts:
        for secret in secrets:
            at = text.find(secret)
            if at >= 0:
                found.append((secret, text[max(0, at - 100):at + 100]))
    return found


def state_files(root: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in (root / ".state").rglob("*") if p.is_file()]


def import_step(preview: dict, name: str) -> dict:
    [step] = [s for s in preview["steps"] if s["urn"].endswith(f"::{name}")]
    return step


def test_the_native_plugin_keeps_a_secret_tag_and_role_secret_and_the_ids_plain(
        tmp_path: Path, aws: LocalAws) -> None:
    bucket, role = aws.bucket(), aws.role()
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(6001))
    project = YamlProject(tmp_path / "yaml", aws, {"grch38File": f"s3://{bucket}/grch38.fa"}, PROGRAM)
    project.run("config", "set", "--secret", "roleArn", role)
    secrets = [role, "NATSECRET-v1", "STORE-SECRET-TAG"]

    preview = project.run("preview", "--json").stdout
    up = project.run("up", "--yes", "--diff", "--skip-preview=false")
    assert leaks([preview, up.stdout, up.stderr, *state_files(project.root),
                  project.run("stack", "export").stdout], secrets) == []
    store_id = json.loads(project.run("stack", "output", "--json").stdout)
    [reference] = aws.omics.list_references(referenceStoreId=aws.omics.list_reference_stores()[
        "referenceStores"][0]["id"])["references"]
    assert store_id["grch38"] == reference["id"]  # the id is not hidden by the secret tag
    arn = reference["arn"]
    assert user_tags(aws.omics.list_tags_for_resource(resourceArn=arn)["tags"])["billing"] == "NATSECRET-v1"
    exported = json.loads(project.run("stack", "export", "--show-secrets").stdout)
    [job] = [r for r in exported["deployment"]["resources"] if r["urn"].endswith("::grch38")]
    assert job["outputs"]["sources"][0]["referenceId"] == reference["id"]  # plain in the state

    project.write(project.program.replace("NATSECRET-v1", "NATSECRET-v2"))
    secrets.append("NATSECRET-v2")
    preview_text = project.run("preview", "--json").stdout
    step = import_step(json.loads(preview_text), "grch38")
    assert step["op"] == "update" and "sources[0].tags" in step["detailedDiff"], step
    summary = review.summarize(json.loads(preview_text))
    assert "tag `billing` changed" in summary, summary  # the change is still said
    up = project.run("up", "--yes", "--diff", "--skip-preview=false")
    assert leaks([preview_text, summary, up.stdout, up.stderr, *state_files(project.root),
                  project.run("stack", "export").stdout], secrets) == []
    assert user_tags(aws.omics.list_tags_for_resource(resourceArn=arn)["tags"])["billing"] == "NATSECRET-v2"
    project.run("destroy", "--yes")


def test_the_stack_program_declares_secret_config_as_secrets_and_the_ids_stay_plain(
        tmp_path: Path, aws: LocalAws) -> None:
    project = StackProject(tmp_path, aws)
    uri = project.upload("secret/ref.fa", generate_fasta(4001))
    project.configure([{"name": "grch38", "sources": [{"name": "GRCh38", "source_file": uri,
                                                       "tags": {"assembly": "GRCh38"}}]}])
    cli, stack = project.cli, project.stack
    cli.run("config", "set", "--secret", "omics-references:role_arn", project.role, "--stack", stack)
    cli.run("config", "set", "--path", "--secret", "omics-references:imports[0].sources[0].tags.billing",
            "DYNSECRET-v1", "--stack", stack)
    secrets = [project.role, "DYNSECRET-v1"]

    preview = cli.run("preview", "--json", "--stack", stack).stdout
    up = project.up("--diff", "--skip-preview=false")
    assert leaks([preview, up.stdout, up.stderr, *state_files(project.root),
                  cli.run("stack", "export", "--stack", stack).stdout], secrets) == []
    [reference] = project.references()
    shown = json.loads(cli.run("stack", "output", "--json", "--stack", stack).stdout)
    assert shown[outputs.REFERENCES]["GRCh38"]["id"] == reference["id"]  # not hidden by the secret tag
    assert shown[outputs.ROLE_ARN] == "[secret]"
    tags = user_tags(aws.omics.list_tags_for_resource(resourceArn=reference["arn"])["tags"])
    assert tags == {"assembly": "GRCh38", "billing": "DYNSECRET-v1"}

    cli.run("config", "set", "--path", "--secret", "omics-references:imports[0].sources[0].tags.billing",
            "DYNSECRET-v2", "--stack", stack)
    secrets.append("DYNSECRET-v2")
    preview_text = cli.run("preview", "--json", "--stack", stack).stdout
    summary = review.summarize(json.loads(preview_text))
    up = project.up("--diff", "--skip-preview=false")
    assert leaks([preview_text, summary, up.stdout, up.stderr, *state_files(project.root),
                  cli.run("stack", "export", "--stack", stack).stdout], secrets) == []
    assert "`grch38`" in summary and "tags changed" in summary, summary  # the change is still said
    tags = user_tags(aws.omics.list_tags_for_resource(resourceArn=reference["arn"])["tags"])
    assert tags["billing"] == "DYNSECRET-v2"


def test_a_secret_role_that_changes_is_hidden_in_the_reason_for_the_replacement(
        tmp_path: Path, aws: LocalAws) -> None:
    project = StackProject(tmp_path, aws)
    uri = project.upload("secret/role.fa", generate_fasta(4002))
    project.configure([{"name": "grch38", "sources": [{"name": "GRCh38", "source_file": uri}]}])
    cli, stack, first, second = project.cli, project.stack, project.role, aws.role()
    cli.run("config", "set", "--secret", "omics-references:role_arn", first, "--stack", stack)
    project.up()
    cli.run("config", "set", "--secret", "omics-references:role_arn", second, "--stack", stack)
    preview = cli.run("preview", "--diff", "--stack", stack)
    shown = preview.stdout + preview.stderr
    assert "will be replaced: service role [secret] → [secret]" in shown, shown
    up = project.up("--diff", "--skip-preview=false")
    assert leaks([preview.stdout, preview.stderr, up.stdout, up.stderr, *state_files(project.root)],
                 [first, second]) == []
