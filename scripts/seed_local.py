"""Put the demo FASTA into the local S3 and the service role into the local IAM (idempotent)."""

from __future__ import annotations

import json
import random
import sys

import boto3
from botocore.exceptions import ClientError

from omics_rules.service_role import read_policy, trust_policy

BUCKET, KEY, ROLE = "omics-local-references", "demo/demo-genome.fa", "omics-local-import"


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


def main(endpoint: str) -> None:
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
    print(f"seeded s3://{BUCKET}/{KEY} and role {ROLE}")


if __name__ == "__main__":
    main(sys.argv[1])
