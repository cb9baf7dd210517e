"""Whether the service role may read each source, as IAM decides it (the endpoint serves
iam:SimulatePrincipalPolicy over the role's policies): refused at preview naming the role, the
action and the object; failed by the service per source when started anyway; a warning when the
caller may not ask."""

from __future__ import annotations

import json

import pytest

from omics_provider.import_job import ReferenceImportJobProvider
from tests.support.aws import Sandbox
from tests.support.fasta import generate_fasta


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    said: list[str] = []
    monkeypatch.setattr("omics_provider.import_job.pulumi.log.warn", said.append)
    return said


def role_with(world: Sandbox, statements: list[dict]) -> str:
    """A role trusting omics, with these statements as its only policy."""
    arn = world.aws.role(reads=None)
    world.aws.iam.put_role_policy(RoleName=arn.rsplit("/", 1)[1], PolicyName="policy", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    return arn


def test_a_role_without_an_s3_policy_is_refused_at_preview_and_its_job_fails_naming_the_permission(
        world: Sandbox) -> None:
    role = world.aws.role(reads=None)
    name = role.rsplit("/", 1)[1]
    uri = world.upload("g.fa", generate_fasta(901))
    props = {**world.props([{"name": "genome", "source_file": uri}]), "role_arn": role}
    [failure] = ReferenceImportJobProvider().check({}, props).failures
    assert failure.property == "role_arn"
    assert f"the service role {name} is not allowed s3:GetObject on {uri!r}" in failure.reason, failure.reason
    assert "sources[0] genome" in failure.reason and "implicitDeny" in failure.reason
    assert world.jobs() == []

    job = world.aws.omics.start_reference_import_job(  # started anyway, the way any tool could
        referenceStoreId=world.store, roleArn=role, sources=[{"name": "genome", "sourceFile": uri}])
    ended = world.aws.job(world.store, job["id"])
    assert ended["status"] == "FAILED"
    [source] = ended["sources"]
    assert source["status"] == "FAILED" and f"is not allowed s3:GetObject on {uri}" in source["statusMessage"]
    assert world.references() == []


def test_only_the_sources_the_role_may_not_read_are_refused(world: Sandbox) -> None:
    readable, denied, hidden = (world.upload(f"{k}.fa", generate_fasta(910 + n))
                                for n, k in enumerate(("open", "denied", "hidden")))
    bucket = world.bucket
    role = role_with(world, [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": [f"arn:aws:s3:::{bucket}/open.fa",
                                                                  f"arn:aws:s3:::{bucket}/denied.fa"]},
        {"Effect": "Deny", "Action": "s3:*", "Resource": f"arn:aws:s3:::{bucket}/denied.fa"}])
    props = {**world.props([{"name": "open-genome", "source_file": readable},
                            {"name": "denied-genome", "source_file": denied},
                            {"name": "hidden-genome", "source_file": hidden}]), "role_arn": role}
    failures = ReferenceImportJobProvider().check({}, props).failures
    assert [f.reason.split(" (")[0] for f in failures] == [
        f"the service role {role.rsplit('/', 1)[1]} is not allowed s3:GetObject on {denied!r}",
        f"the service role {role.rsplit('/', 1)[1]} is not allowed s3:GetObject on {hidden!r}"]
    assert "explicitDeny" in failures[0].reason and "implicitDeny" in failures[1].reason

    job = world.aws.omics.start_reference_import_job(referenceStoreId=world.store, roleArn=role, sources=[
        {"name": s["name"], "sourceFile": s["source_file"]} for s in props["sources"]])
    ended = world.aws.job(world.store, job["id"])
    assert ended["status"] == "COMPLETED_WITH_FAILURES"
    assert [s["status"] for s in ended["sources"]] == ["FINISHED", "FAILED", "FAILED"]


def test_a_caller_who_may_not_simulate_gets_a_warning_and_the_import_goes_ahead(
        world: Sandbox, warnings: list[str]) -> None:
    uri = world.upload("g.fa", generate_fasta(920))
    world.aws.controls(deny_operations=["SimulatePrincipalPolicy"])
    checked = ReferenceImportJobProvider().check({}, world.props([{"name": "genome", "source_file": uri}]))
    assert checked.failures == []
    assert any("whether the service role may read the sources was not checked "
               "(iam:SimulatePrincipalPolicy answered AccessDenied)" in w for w in warnings), warnings


def test_an_attached_managed_policy_counts(world: Sandbox) -> None:
    uri = world.upload("g.fa", generate_fasta(930))
    role = world.aws.role(reads=None)
    policy = world.aws.iam.create_policy(PolicyName="read-references", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}))
    world.aws.iam.attach_role_policy(RoleName=role.rsplit("/", 1)[1], PolicyArn=policy["Policy"]["Arn"])
    props = {**world.props([{"name": "genome", "source_file": uri}]), "role_arn": role}
    assert ReferenceImportJobProvider().check({}, props).failures == []
