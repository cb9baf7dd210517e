"""The service role HealthOmics assumes to read the sources: the trust and the S3 permissions
it needs, and the S3 resource each source is read as."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import policies

OMICS_PRINCIPAL = "omics.amazonaws.com"
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:*", "*")


def trust_policy() -> dict:
    """Only HealthOmics may assume the role (policies/service-role-trust.json)."""
    return policies.document("service-role-trust")


def read_policy(source_files: Iterable[str]) -> dict:
    """Least privilege (policies/service-role-permissions.json): s3:GetObject on the named
    objects (`s3://bucket/key`; a key may be a wildcard), s3:GetBucketLocation on their
    buckets, nothing else."""
    files = sorted(set(source_files))
    return policies.render("service-role-permissions",
                           SOURCE_OBJECT=[f[len("s3://"):] for f in files],
                           SOURCE_BUCKET=[f[len("s3://"):].split("/", 1)[0] for f in files])


READ_ACTION = "s3:GetObject"  # what HealthOmics needs of each source object


def object_arn(s3_uri: str) -> str:
    """The ARN IAM knows an S3 object by: s3://b/k is arn:aws:s3:::b/k."""
    return f"arn:aws:s3:::{s3_uri[len('s3://'):]}"


_ROLE_ARN = re.compile(r"arn:([a-z0-9-]+):iam::(\d{12}):role(/(?:[^/]+/)*)([^/]+)")


@dataclass(frozen=True)
class RoleArn:
    """An IAM role ARN in its parts: arn:PARTITION:iam::ACCOUNT:role/PATH/NAME, where the path is
    `/` or `/a/b/`. IAM knows a role by the whole ARN: the same name in another partition,
    account or path is another role."""

    partition: str
    account: str
    path: str
    name: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:role{self.path}{self.name}"


def parse_role_arn(role_arn: str) -> RoleArn | None:
    """The parts of an IAM role ARN; None for any other string."""
    match = _ROLE_ARN.fullmatch(role_arn)
    return RoleArn(*match.groups()) if match else None


def role_name(role_arn: str) -> str | None:
    """The role's name in an IAM role ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME); None for any other ARN."""
    parsed = parse_role_arn(role_arn)
    return parsed.name if parsed else None


def arn_differences(given: str, actual: str) -> list[str]:
    """What of the role ARN `given` differs from the ARN IAM has for the role of that name
    (`actual`), e.g. "partition aws-cn (the role's is aws)"; [] when they are the same role."""
    mine, theirs = parse_role_arn(given), parse_role_arn(actual)
    if mine is None or theirs is None:
        return [] if given == actual else [f"ARN {given} (the role's is {actual})"]
    return [f"{part} {getattr(mine, part)} (the role's is {getattr(theirs, part)})"
            for part in ("partition", "account", "path") if getattr(mine, part) != getattr(theirs, part)]


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
