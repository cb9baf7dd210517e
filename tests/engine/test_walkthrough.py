"""docs/walkthrough.md, followed step by step: each command block it marks as run by this test
runs in order, in an empty directory, with the environment variables the page documents
pointing at the local endpoint (AWS_ENDPOINT_URL), a file state backend, and an IAM user holding
the documented caller policy in place of a real account."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile
from pathlib import Path

from omics_provider import __version__
from omics_rules import policies

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "walkthrough.md"
MARK = "<!-- run: tests/engine/test_walkthrough.py -->"
ACCOUNT = "123456789012"  # the local endpoint's account
FASTA = b">chr1 test contig\n" + b"ACGTNacgtn" * 30 + b"\n>chr2\n" + b"GATTACA" * 20 + b"\n"


def steps() -> list[str]:
    """The page's command blocks that this test runs, in order."""
    return re.findall(re.escape(MARK) + r"\n```sh\n(.*?)```", PAGE.read_text(), re.DOTALL)


def run(step: str, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", step], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{step}\nexited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_the_walkthrough_gets_from_an_empty_directory_to_a_reference_and_back(aws, tmp_path: Path) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="references/GRCh38.fa", Body=FASTA)
    role_name = f"walkthrough-{aws.region}"
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role_name}"
    caller = policies.render("caller", ACCOUNT_ID=ACCOUNT, SERVICE_ROLE_NAME=role_name, SOURCE_BUCKET=bucket)
    caller["Statement"].append({"Effect": "Allow", "Resource": role_arn, "Action": [
        "iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole"]})
    keys = aws.user(caller)
    work, plugin = tmp_path / "genomes", tmp_path / f"pulumi-resource-healthomics-v{__version__}-linux-amd64.tar.gz"
    work.mkdir()
    with tarfile.open(plugin, "w:gz") as tarball:  # the release's shape, of the plugin set-up installed
        tarball.add(REPO / ".venv" / "bin" / "pulumi-resource-healthomics", "pulumi-resource-healthomics")
    tools = tmp_path / "bin"  # python (with the package) and aws, not the plugin set-up put beside them
    tools.mkdir()
    for name in ("python", "aws"):
        (tools / name).write_text(f'#!/bin/sh\nexec "{REPO / ".venv" / "bin" / name}" "$@"\n')
        (tools / name).chmod(0o755)
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "PULUMI_"))}
    env.update(keys, **{
        "PATH": f"{REPO / '.tools' / 'bin'}:{tools}:{os.environ['PATH']}",
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_BACKEND_URL": (tmp_path / "state").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "walkthrough-passphrase",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "AWS_ENDPOINT_URL": aws.url, "AWS_REGION": aws.region, "AWS_DEFAULT_REGION": aws.region,
        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "SOURCE_FILE": f"s3://{bucket}/references/GRCh38.fa", "SERVICE_ROLE_NAME": role_name,
        "HEALTHOMICS_VERSION": __version__, "HEALTHOMICS_PLUGIN": str(plugin),
    })
    (tmp_path / "state").mkdir()
    found = steps()
    assert len(found) == 7, f"the page's marked blocks changed: {len(found)}"
    install, whoami, role, project, preview, up, destroy = found

    run(install, work, env)
    assert json.loads(run(whoami, work, env))["Arn"].startswith(f"arn:aws:iam::{ACCOUNT}:user/")
    run(role, work, env)
    assert (work / "role-arn.txt").read_text().strip() == role_arn
    run(project, work, env)
    assert "healthomics:index:ReferenceImportJob" in run(preview, work, env)
    assert aws.omics.list_reference_stores()["referenceStores"] == []  # a preview creates nothing

    reference_id = run(up, work, env).strip().splitlines()[-1]
    [store] = aws.omics.list_reference_stores()["referenceStores"]
    [reference] = aws.omics.list_references(referenceStoreId=store["id"])["references"]
    assert (reference["id"], reference["name"], reference["status"]) == (reference_id, "GRCh38", "ACTIVE")

    run(destroy, work, env)
    assert aws.omics.list_reference_stores()["referenceStores"] == []
    assert role_name not in [r["RoleName"] for r in aws.iam.list_roles()["Roles"]]
