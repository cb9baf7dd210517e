"""The service role HealthOmics assumes to read the sources: the trust and the S3 permissions
it needs, and the S3 resource each source is read as."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable
from typing import Any

OMICS_PRINCIPAL = "omics.amazonaws.com"
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:*", "*")


def trust_policy() -> dict:
    """Only HealthOmics may assume the role."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": OMICS_PRINCIPAL}, "Action": "sts:AssumeRole"}]}


def read_policy(source_files: Iterable[str]) -> dict:
    """Least privilege: s3:GetObject on the named objects (`s3://bucket/key`; a key may be a
    wildcard), s3:GetBucketLocation on their buckets, nothing else."""
    files = sorted(set(source_files))
    buckets = sorted({f[len("s3://"):].split("/", 1)[0] for f in files})
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": READ_ACTION, "Resource": [object_arn(f) for f in files]},
        {"Effect": "Allow", "Action": "s3:GetBucketLocation",
         "Resource": [f"arn:aws:s3:::{b}" for b in buckets]},
    ]}


READ_ACTION = "s3:GetObject"  # what HealthOmics needs of each source object


def object_arn(s3_uri: str) -> str:
    """The ARN IAM knows an S3 object by: s3://b/k is arn:aws:s3:::b/k."""
    return f"arn:aws:s3:::{s3_uri[len('s3://'):]}"


def role_name(role_arn: str) -> str | None:
    """The role's name in an IAM role ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME); None for any other ARN."""
    return role_arn.rsplit("/", 1)[-1] if ":role/" in role_arn else None


def trusts_omics(policy: dict[str, Any] | str | None) -> bool:
    """True when some Allow statement lets omics.amazonaws.com call sts:AssumeRole. `policy` as
    iam:GetRole returns AssumeRolePolicyDocument: a document, or its URL-encoded JSON."""
    if isinstance(policy, str):
        policy = json.loads(urllib.parse.unquote(policy))
    statements = (policy or {}).get("Statement") or []
    for statement in [statements] if isinstance(statements, dict) else statements:
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal") or {}
        services = principal.get("Service") or [] if isinstance(principal, dict) else []
        if OMICS_PRINCIPAL in _as_list(services) and any(
                a in ASSUME_ACTIONS for a in _as_list(statement.get("Action"))):
            return True
    return False


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
