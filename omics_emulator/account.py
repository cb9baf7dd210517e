"""The endpoint's one account: its id (moto's default, so the ARNs of omics, IAM, STS and S3
agree), its root's ARN, and moto's IAM and STS backends, which hold its identities."""

from __future__ import annotations

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam.models import IAMBackend, iam_backends
from moto.sts.models import STSBackend, sts_backends

ACCOUNT_ID = DEFAULT_ACCOUNT_ID
ROOT_ARN = f"arn:aws:iam::{ACCOUNT_ID}:root"


def iam_backend() -> IAMBackend:
    """moto's IAM of the account: users, groups, roles, policies, access keys, OIDC providers."""
    return iam_backends[ACCOUNT_ID]["aws"]


def sts_backend() -> STSBackend:
    """moto's STS of the account: the sessions AssumeRole made."""
    return sts_backends[ACCOUNT_ID]["aws"]
