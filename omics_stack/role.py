"""The service role HealthOmics assumes to read the sources (real AWS; uses pulumi-aws).

Trust: omics.amazonaws.com (sts:AssumeRole). Permissions: s3:GetObject on exactly the objects
the sources name, s3:GetBucketLocation on exactly their buckets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pulumi

from omics_rules.service_role import read_policy, trust_policy


def create_service_role(name: str, source_files: Iterable[str]) -> pulumi.Output[str]:
    """Create the role and its inline read policy; the role's ARN."""
    import pulumi_aws as aws  # only the real-AWS path needs the aws plugin

    role = aws.iam.Role(name, assume_role_policy=json.dumps(trust_policy()),
                        description="HealthOmics reference imports read their FASTA sources")
    policy = aws.iam.RolePolicy(f"{name}-read-sources", role=role.id,
                                policy=json.dumps(read_policy(source_files)))
    return pulumi.Output.all(role.arn, policy.id).apply(lambda values: values[0])
