"""docs/walkthrough.md, followed step by step: each command block it marks as run by this test
runs in order, in an empty directory, with the environment variables the page documents
pointing at the local endpoint (AWS_ENDPOINT_URL), a file state backend, and an IAM user holding
the documented caller policy in place of a real account."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from omics_provider import __version__
from tests.engine.released import PULUMI, REPO, user_env
from tests.support.aws import ACCOUNT, granted
from tests.support.docs import marked_blocks, run_block

PAGE = REPO / "docs" / "walkthrough.md"
FASTA = b">chr1 test contig\n" + b"ACGTNacgtn" * 30 + b"\n>chr2\n" + b"GATTACA" * 20 + b"\n"


def test_the_walkthrough_gets_from_an_empty_directory_to_a_reference_and_back(aws, tmp_path: Path) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="references/GRCh38.fa", Body=FASTA)
    role_name = f"walkthrough-{aws.region}"
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role_name}"
    caller = granted("caller", role_arn, bucket)
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
    env = user_env(tmp_path / "pulumi-home", tmp_path / "state")
    env.update(keys, **{
        "PATH": f"{PULUMI.parent}:{tools}:{env['PATH']}",
        "AWS_ENDPOINT_URL": aws.url, "AWS_REGION": aws.region, "AWS_DEFAULT_REGION": aws.region,
        "SOURCE_FILE": f"s3://{bucket}/references/GRCh38.fa", "SERVICE_ROLE_NAME": role_name,
        "HEALTHOMICS_VERSION": __version__, "HEALTHOMICS_PLUGIN": str(plugin),
    })
    found = marked_blocks(PAGE, __file__)
    assert len(found) == 7, f"the page's marked blocks changed: {len(found)}"
    install, whoami, role, project, preview, up, destroy = found

    run_block(install, work, env)
    assert json.loads(run_block(whoami, work, env))["Arn"].startswith(f"arn:aws:iam::{ACCOUNT}:user/")
    run_block(role, work, env)
    assert (work / "role-arn.txt").read_text().strip() == role_arn
    run_block(project, work, env)
    assert "healthomics:index:ReferenceImportJob" in run_block(preview, work, env)
    assert aws.omics.list_reference_stores()["referenceStores"] == []  # a preview creates nothing

    reference_id = run_block(up, work, env).strip().splitlines()[-1]
    [store] = aws.omics.list_reference_stores()["referenceStores"]
    [reference] = aws.omics.list_references(referenceStoreId=store["id"])["references"]
    assert (reference["id"], reference["name"], reference["status"]) == (reference_id, "GRCh38", "ACTIVE")

    run_block(destroy, work, env)
    assert aws.omics.list_reference_stores()["referenceStores"] == []
    assert role_name not in [r["RoleName"] for r in aws.iam.list_roles()["Roles"]]
