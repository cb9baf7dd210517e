"""The policy evaluator decides as IAM does, in the cases moto's evaluator gets wrong too."""

from __future__ import annotations

import pytest

from omics_emulator.policy_evaluation import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Request,
    decide,
    trust_decision,
)

STORE = "arn:aws:omics:us-east-1:123456789012:referenceStore/1234567890"


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize(("statements", "request_", "expected"), [
    ([{"Effect": "Allow", "Action": "omics:Get*", "Resource": STORE}],
     Request("omics:GetReferenceStore", STORE), ALLOWED),
    ([{"Effect": "Allow", "Action": "OMICS:getreferencestore", "Resource": STORE}],  # actions ignore case
     Request("omics:GetReferenceStore", STORE), ALLOWED),
    ([{"Effect": "Allow", "Action": "omics:*", "Resource": STORE.upper()}],  # resources do not
     Request("omics:GetReferenceStore", STORE), IMPLICIT_DENY),
    ([{"Effect": "Allow", "Action": "omics:*", "NotResource": STORE}],
     Request("omics:GetReferenceStore", STORE), IMPLICIT_DENY),
    ([{"Effect": "Allow", "Action": "*", "Resource": "*"},
      {"Effect": "Deny", "Action": "omics:Start*", "NotResource": "arn:aws:s3:::x"}],
     Request("omics:StartReferenceImportJob", STORE), EXPLICIT_DENY),
    ([{"Effect": "Allow", "NotAction": ["omics:Delete*", "iam:*"], "Resource": "*"}],
     Request("omics:DeleteReference", STORE), IMPLICIT_DENY),
    ([{"Effect": "Allow", "Action": "omics:GetReferenceStor?", "Resource": "arn:aws:omics:*:*:referenceStore/123456789?"}],
     Request("omics:GetReferenceStore", STORE), ALLOWED),
    ([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b.c/*"}],  # `.` is a dot
     Request("s3:GetObject", "arn:aws:s3:::bxc/k"), IMPLICIT_DENY),
    ([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}],
     Request("s3:GetObject", "arn:aws:s3:::b/alice/k", {"aws:username": "alice"}), ALLOWED),
    ([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}],
     Request("s3:GetObject", "arn:aws:s3:::b/alice/k"), IMPLICIT_DENY),  # no such key: matches nothing
    ([{"Effect": "Allow", "Action": "omics:*", "Resource": "*",
       "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}],
     Request("omics:GetReferenceStore", STORE, {"aws:requestedregion": "us-east-1"}), IMPLICIT_DENY),
    ([{"Effect": "Allow", "Action": "omics:*", "Resource": "*",
       "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}],
     Request("omics:GetReferenceStore", STORE, {"aws:requestedregion": "us-east-1"}), ALLOWED),
    ([{"Effect": "Allow", "Action": "omics:*", "Resource": "*",
       "Condition": {"StringNotEquals": {"aws:ResourceTag/team": "a"}}}],  # absent key, negated: true
     Request("omics:GetReferenceStore", STORE), ALLOWED),
    ([{"Effect": "Allow", "Action": "omics:*", "Resource": "*",
       "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/team": "a"}, "Bool": {"aws:SecureTransport": False}}}],
     Request("omics:GetReferenceStore", STORE, {"aws:securetransport": "false"}), ALLOWED),
    ([{"Effect": "Allow", "Action": "omics:TagResource", "Resource": "*",
       "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": ["omics-references:*", "team"]}}}],
     Request("omics:TagResource", STORE, {"aws:tagkeys": ["team", "cost"]}), IMPLICIT_DENY),
    ([{"Effect": "Allow", "Action": "omics:*", "Resource": "*"},
      {"Effect": "Deny", "Action": "omics:*", "Resource": "*",
       "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}],  # undecided: denies
     Request("omics:GetReferenceStore", STORE), EXPLICIT_DENY),
    ([{"Effect": "Allow", "Action": "omics:*", "Resource": "*",
       "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}],  # undecided: no allow
     Request("omics:GetReferenceStore", STORE), IMPLICIT_DENY),
    ([{"Effect": "Allow", "Action": "omics:*", "Resource": "*",
       "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}],
     Request("omics:GetReferenceStore", STORE, {"aws:sourceip": "127.0.0.1"}), ALLOWED),
    ([{"Effect": "Allow", "Action": "omics:*"}],  # an identity statement without Resource is void
     Request("omics:GetReferenceStore", STORE), IMPLICIT_DENY),
])
def test_identity_policies(statements: list[dict], request_: Request, expected: str) -> None:
    assert decide([_doc(*statements)], request_) == expected


def test_a_deny_in_any_document_wins_over_allows_in_others() -> None:
    allow = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    deny = _doc({"Effect": "Deny", "Action": "omics:DeleteReference", "Resource": f"{STORE}/*"})
    assert decide([allow, deny], Request("omics:DeleteReference", f"{STORE}/reference/1")) == EXPLICIT_DENY
    assert decide([allow, deny], Request("omics:DeleteReference", STORE)) == ALLOWED
    assert decide(["not json", allow], Request("omics:DeleteReference", STORE)) == ALLOWED


def test_a_trust_policy_names_its_principals() -> None:
    trust = _doc({"Effect": "Allow", "Principal": {"Service": "omics.amazonaws.com"}, "Action": "sts:AssumeRole"},
                 {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                  "Action": "sts:AssumeRole"})
    user = {"AWS": ["arn:aws:iam::123456789012:user/a", "123456789012", "arn:aws:iam::123456789012:root"]}
    assert trust_decision(trust, "sts:AssumeRole", user, {}) == ALLOWED
    assert trust_decision(trust, "sts:AssumeRole", {"AWS": ["arn:aws:iam::999999999999:root"]}, {}) == IMPLICIT_DENY
    assert trust_decision(trust, "sts:AssumeRole", {"Service": ["omics.amazonaws.com"]}, {}) == ALLOWED
    assert trust_decision(trust, "sts:TagSession", user, {}) == IMPLICIT_DENY
