"""The AWS CLI talks to the local endpoint unchanged (only the documented environment): omics,
and S3 backed by the local S3 server."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta

AWS = Path(sys.executable).with_name("aws")
# `aws s3 cp` uploads a file past 5 MiB in parts of 5 MiB (S3's smallest part; 8 MiB by default)
S3_PARTS = Path(__file__).with_name("aws-cli-config")


def aws_cli(aws: LocalAws, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_ENDPOINT_URL": aws.url, "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
           "AWS_DEFAULT_REGION": aws.region, "AWS_CONFIG_FILE": str(S3_PARTS)}
    return subprocess.run([str(AWS), *args, "--output", "json"], env=env, capture_output=True,
                          text=True, timeout=60)


def test_aws_cli_creates_lists_and_reads_errors(aws: LocalAws) -> None:
    created = aws_cli(aws, "omics", "create-reference-store", "--name", "from-the-cli")
    assert created.returncode == 0, created.stderr
    store = json.loads(created.stdout)
    listed = json.loads(aws_cli(aws, "omics", "list-reference-stores").stdout)
    assert [s["id"] for s in listed["referenceStores"]] == [store["id"]]

    missing = aws_cli(aws, "omics", "get-reference-store", "--id", "1000000001")
    assert missing.returncode != 0
    assert "ResourceNotFoundException" in missing.stderr and "1000000001" in missing.stderr


def _cli_json(aws: LocalAws, *args: str) -> dict:
    """What a successful command printed: JSON from `s3api`, nothing for `s3` (its progress lines)."""
    done = aws_cli(aws, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout or "{}") if args[0] == "s3api" else {}


def test_aws_cli_s3_cp_multipart_and_versions(aws: LocalAws, tmp_path: Path) -> None:
    bucket = aws.bucket()
    _cli_json(aws, "s3api", "put-bucket-versioning", "--bucket", bucket,
              "--versioning-configuration", "Status=Enabled")
    small = tmp_path / "small.fa"
    small.write_bytes(generate_fasta(seed=91))
    _cli_json(aws, "s3", "cp", str(small), f"s3://{bucket}/small.fa")
    head = aws.s3.head_object(Bucket=bucket, Key="small.fa")
    assert head["ETag"] == f'"{hashlib.md5(small.read_bytes()).hexdigest()}"'
    assert head["ContentLength"] == small.stat().st_size and head["VersionId"]

    big = tmp_path / "big.fa"  # 11 MiB: three parts
    line = b"ACGTTGCAAC" * 6 + b"\n"
    with open(big, "wb") as out:
        out.write(b">chr1\n")
        for _ in range(11 * 1024 * 1024 // len(line)):
            out.write(line)
    _cli_json(aws, "s3", "cp", str(big), f"s3://{bucket}/big.fa")
    head_big = aws.s3.head_object(Bucket=bucket, Key="big.fa")
    assert head_big["ETag"].endswith('-3"') and head_big["ContentLength"] == big.stat().st_size
    _cli_json(aws, "s3", "cp", f"s3://{bucket}/big.fa", str(tmp_path / "back.fa"))
    assert filecmp.cmp(big, tmp_path / "back.fa", shallow=False)

    small.write_bytes(generate_fasta(seed=92))
    _cli_json(aws, "s3", "cp", str(small), f"s3://{bucket}/small.fa")
    versions = aws.s3.list_object_versions(Bucket=bucket, Prefix="small.fa")
    assert {v["VersionId"] for v in versions["Versions"]} >= {head["VersionId"]}
    assert len(versions["Versions"]) == 2
    _cli_json(aws, "s3api", "get-object", "--bucket", bucket, "--key", "small.fa",
              "--version-id", head["VersionId"], str(tmp_path / "first.fa"))
    assert (tmp_path / "first.fa").read_bytes() == generate_fasta(seed=91)


def test_aws_cli_simulates_what_a_role_may_do(aws: LocalAws) -> None:
    """iam:SimulatePrincipalPolicy (which moto lacks) over the role's policies; other IAM calls
    still reach moto with their bodies intact."""
    role = aws.role(reads="s3://refs/genomes/*")
    simulated = json.loads(aws_cli(aws, "iam", "simulate-principal-policy", "--policy-source-arn", role,
                                   "--action-names", "s3:GetObject", "s3:PutObject", "--resource-arns",
                                   "arn:aws:s3:::refs/genomes/g.fa", "arn:aws:s3:::refs/other.fa").stdout)
    assert [(r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"])
            for r in simulated["EvaluationResults"]] == [
        ("s3:GetObject", "arn:aws:s3:::refs/genomes/g.fa", "allowed"),
        ("s3:GetObject", "arn:aws:s3:::refs/other.fa", "implicitDeny"),
        ("s3:PutObject", "arn:aws:s3:::refs/genomes/g.fa", "implicitDeny"),
        ("s3:PutObject", "arn:aws:s3:::refs/other.fa", "implicitDeny")]
    missing = aws_cli(aws, "iam", "simulate-principal-policy", "--policy-source-arn",
                      "arn:aws:iam::123456789012:role/nobody", "--action-names", "s3:GetObject")
    assert missing.returncode != 0 and "NoSuchEntity" in missing.stderr and "nobody" in missing.stderr
    listed = json.loads(aws_cli(aws, "iam", "list-role-policies", "--role-name", role.rsplit("/", 1)[1]).stdout)
    assert listed["PolicyNames"] == ["read-sources"]
