"""Put the demo FASTA into the local S3, and the service role and a least-privilege deployer
into the local IAM (idempotent). The deployer is an IAM user holding exactly the documented
caller policy (omics_rules/policies/caller.json); its access key is written to
DATA_DIR/deployer.env, which `make local` applies with."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

from omics_rules import policies
from omics_rules.service_role import read_policy, trust_policy

BUCKET, KEY, ROLE = "omics-local-references", "demo/demo-genome.fa", "omics-local-import"
DEPLOYER = "omics-local-deployer"


def demo_fasta(seed: int = 2026) -> bytes:
    """Three contigs of 60-column lines with lowercase (soft-masked) runs and N runs; fixed seed,
    so the bytes (and the import's clientToken) are the same on every run."""
    rng = random.Random(seed)
    out = []
    for name, length in (("chr1", 4000), ("chr2", 2500), ("chrM", 700)):
        bases = [rng.choice("ACGT") for _ in range(length)]
        for start in range(0, length, 900):
            for i in range(start, min(length, start + 120)):
                bases[i] = bases[i].lower()
            for i in range(start + 300, min(length, start + 360)):
                bases[i] = "N"
        seq = "".join(bases)
        out.append(f">{name} demo contig\n")
        out += [seq[i:i + 60] + "\n" for i in range(0, length, 60)]
    return "".join(out).encode()


def main(endpoint: str, data_dir: str) -> None:
    kwargs = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    s3, iam = boto3.client("s3", **kwargs), boto3.client("iam", **kwargs)
    try:
        s3.create_bucket(Bucket=BUCKET)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=demo_fasta())
    try:
        iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust_policy()))
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
    iam.put_role_policy(RoleName=ROLE, PolicyName="read-sources",
                        PolicyDocument=json.dumps(read_policy([f"s3://{BUCKET}/*"])))
    account = boto3.client("sts", **kwargs).get_caller_identity()["Account"]
    keys = deployer(iam, account, Path(data_dir) / "deployer.env")
    print(f"seeded s3://{BUCKET}/{KEY}, role {ROLE} and user {DEPLOYER} (access key {keys})")


def deployer(iam, account: str, saved: Path) -> str:
    """The deployer user with the caller policy, and its access key in `saved` (made again
    when the endpoint no longer knows the saved one); the key's id."""
    try:
        iam.create_user(UserName=DEPLOYER)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
    caller = policies.render("caller", ACCOUNT_ID=account, SERVICE_ROLE_NAME=ROLE, SOURCE_BUCKET=BUCKET)
    iam.put_user_policy(UserName=DEPLOYER, PolicyName="caller", PolicyDocument=json.dumps(caller))
    known = {k["AccessKeyId"] for k in iam.list_access_keys(UserName=DEPLOYER)["AccessKeyMetadata"]}
    lines = dict(line.split("=", 1) for line in saved.read_text().split()) if saved.exists() else {}
    if lines.get("AWS_ACCESS_KEY_ID") not in known:
        for old in known:  # a user holds at most two keys
            iam.delete_access_key(UserName=DEPLOYER, AccessKeyId=old)
        key = iam.create_access_key(UserName=DEPLOYER)["AccessKey"]
        lines = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text("".join(f"{k}={v}\n" for k, v in lines.items()))
        os.chmod(saved, 0o600)
    return lines["AWS_ACCESS_KEY_ID"]


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ".emulator-data")
