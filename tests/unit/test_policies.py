"""The IAM policies ship as files, and what docs/iam.md and `create_role` say is made from them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from omics_provider.aws.service_errors import denied
from omics_provider.errors import AccessDenied
from omics_rules import policies
from omics_rules.policies.__main__ import main
from omics_rules.service_role import read_policy, trust_policy

IAM_PAGE = Path(__file__).resolve().parents[2] / "docs" / "iam.md"


def test_the_iam_page_shows_the_caller_and_previewer_files_exactly_and_names_every_file() -> None:
    section = IAM_PAGE.read_text()
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", section, re.DOTALL)]
    assert blocks == [policies.document("caller"), policies.document("previewer")]
    for name in policies.NAMES:
        assert f"`{name}.json`" in section, name
    for key in set().union(*(policies.placeholders(n) for n in policies.NAMES)):
        assert f"`<{key}>`" in section, key


def test_the_service_role_that_create_role_makes_is_the_files() -> None:
    assert trust_policy() == policies.document("service-role-trust")
    made = read_policy(["s3://b1/a.fa", "s3://b2/x/*.fa", "s3://b1/a.fa"])
    assert made == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b1/a.fa", "arn:aws:s3:::b2/x/*.fa"]},
        {"Effect": "Allow", "Action": "s3:GetBucketLocation", "Resource": ["arn:aws:s3:::b1", "arn:aws:s3:::b2"]}]}


def test_render_fills_every_placeholder_or_names_the_one_missing() -> None:
    filled = policies.render("caller", ACCOUNT_ID="111122223333", SERVICE_ROLE_NAME="omics-import",
                             SOURCE_BUCKET="genomes")
    assert "<" not in json.dumps(filled)
    with pytest.raises(KeyError, match="SOURCE_BUCKET"):
        policies.render("caller", ACCOUNT_ID="1", SERVICE_ROLE_NAME="r")


def test_the_command_prints_a_policy_with_the_values_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["previewer", "ACCOUNT_ID=111122223333"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "arn:aws:omics:*:111122223333:referenceStore/*" in json.dumps(printed)
    assert "<SOURCE_BUCKET>" in json.dumps(printed)  # left for the user to fill


def test_access_denied_names_the_action_the_resource_and_the_file_that_grants_it() -> None:
    answer = {"Error": {"Code": "AccessDeniedException", "Message": (
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
        "omics:ListReferenceImportJobs on resource: arn:aws:omics:us-east-1:123456789012:referenceStore/1234567890 "
        "because no identity-based policy allows the omics:ListReferenceImportJobs action")}}
    error = denied(ClientError(answer, "ListReferenceImportJobs"))
    assert isinstance(error, AccessDenied)
    message = str(error)
    assert ("the IAM action omics:ListReferenceImportJobs on "
            "arn:aws:omics:us-east-1:123456789012:referenceStore/1234567890") in message, message
    assert "policies/caller.json grants it" in message, message
    head = denied(ClientError({"Error": {"Code": "403", "Message": ""}}, "HeadObject"))
    assert "the IAM action s3:GetObject" in str(head), str(head)
