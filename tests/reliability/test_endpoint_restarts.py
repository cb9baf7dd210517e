"""State survives a restart of the endpoint (stores, jobs, references, IAM), a job that was
running resumes, and the S3 server stops with the endpoint."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from omics_emulator.launcher import EmulatorProcess
from tests.support.aws import LocalAws, allow
from tests.support.fasta import generate_fasta, simple_fai
from tests.support.polling import wait_until
from tests.support.processes import descendants, process_gone


def test_killed_mid_import_resumes_after_restart(data_dir: Path) -> None:
    fasta = generate_fasta(seed=31, contigs=5)
    endpoint = EmulatorProcess(data_dir, "--import-seconds", "3").start()
    try:
        aws = LocalAws(endpoint.url, "us-east-1")
        bucket = aws.bucket()
        aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=fasta)
        store = aws.omics.create_reference_store(name="store")["id"]
        job = aws.omics.start_reference_import_job(
            referenceStoreId=store, roleArn=aws.role(),
            sources=[{"sourceFile": f"s3://{bucket}/g.fa", "name": "genome"}])["id"]
        wait_until(lambda: (data_dir / "staging" / job / "0" / "staged.json").exists(), what="staging")
        assert aws.omics.get_reference_import_job(referenceStoreId=store, id=job)["status"] == "IN_PROGRESS"
    finally:
        endpoint.stop(kill=True)

    restarted = EmulatorProcess(data_dir, port=endpoint.port).start()
    try:
        aws = LocalAws(restarted.url, "us-east-1")
        done = aws.job(store, job)
        assert done["status"] == "COMPLETED", done
        reference = done["sources"][0]["referenceId"]
        meta = aws.omics.get_reference_metadata(referenceStoreId=store, id=reference)
        assert meta["md5"] == hashlib.md5(fasta).hexdigest()
        assert aws.read_file(store, reference, "SOURCE") == fasta
        assert aws.read_file(store, reference, "INDEX") == simple_fai(fasta)
        assert len(aws.omics.list_reference_import_jobs(referenceStoreId=store)["importJobs"]) == 1
    finally:
        restarted.stop()
    assert f"resuming 1 import job(s) after restart: {job}" in restarted.banner


def test_stores_jobs_and_references_survive_a_restart(data_dir: Path) -> None:
    fasta = generate_fasta(seed=32)
    with EmulatorProcess(data_dir) as endpoint:
        aws = LocalAws(endpoint.url, "us-east-1")
        bucket = aws.bucket()
        aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=fasta)
        store = aws.omics.create_reference_store(name="kept", tags={"k": "v"})
        job = aws.omics.start_reference_import_job(
            referenceStoreId=store["id"], roleArn=aws.role(),
            sources=[{"sourceFile": f"s3://{bucket}/g.fa", "name": "genome", "tags": {"t": "1"}}])
        reference = aws.job(store["id"], job["id"])["sources"][0]["referenceId"]

    with EmulatorProcess(data_dir, port=endpoint.port) as again:
        aws = LocalAws(again.url, "us-east-1")
        assert aws.omics.get_reference_store(id=store["id"])["name"] == "kept"
        assert aws.omics.list_tags_for_resource(resourceArn=store["arn"])["tags"] == {"k": "v"}
        assert aws.omics.get_reference_import_job(
            referenceStoreId=store["id"], id=job["id"])["status"] == "COMPLETED"
        meta = aws.omics.get_reference_metadata(referenceStoreId=store["id"], id=reference)
        assert aws.omics.list_tags_for_resource(resourceArn=meta["arn"])["tags"] == {"t": "1"}
        assert aws.read_file(store["id"], reference, "SOURCE") == fasta


def test_iam_roles_survive_a_restart(data_dir: Path) -> None:
    endpoint = EmulatorProcess(data_dir).start()
    try:
        aws = LocalAws(endpoint.url, "us-east-1")
        arn = aws.role()
        name = arn.rsplit("/", 1)[1]
        aws.iam.put_role_policy(RoleName=name, PolicyName="read-sources", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
        aws.iam.tag_role(RoleName=name, Tags=[{"Key": "team", "Value": "platform"}])
        doomed = aws.role(reads=None).rsplit("/", 1)[1]
        aws.iam.delete_role(RoleName=doomed)
        before = aws.iam.get_role(RoleName=name)["Role"]
    finally:
        endpoint.stop(kill=True)

    restarted = EmulatorProcess(data_dir, port=endpoint.port).start()
    try:
        aws = LocalAws(restarted.url, "us-east-1")
        after = aws.iam.get_role(RoleName=name)["Role"]
        assert (after["Arn"], after["AssumeRolePolicyDocument"]) == (before["Arn"], before["AssumeRolePolicyDocument"])
        assert aws.iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "team", "Value": "platform"}]
        assert aws.iam.list_role_policies(RoleName=name)["PolicyNames"] == ["read-sources"]
        assert doomed not in [r["RoleName"] for r in aws.iam.list_roles()["Roles"]]
    finally:
        restarted.stop()
    assert "restored 1 IAM role(s)" in " ".join(restarted.banner)


def test_an_iam_file_of_roles_only_is_read_as_before(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "omics.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    (data_dir / "iam-roles.json").write_text(json.dumps([{
        "name": "old", "path": "/", "assume_role_policy_document": trust, "description": "", "tags": [],
        "policies": {"read": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})},
        "max_session_duration": 3600, "permissions_boundary": None}]))
    with EmulatorProcess(data_dir) as endpoint:
        aws = LocalAws(endpoint.url, "us-east-1")
        assert aws.iam.list_role_policies(RoleName="old")["PolicyNames"] == ["read"]
        aws.iam.create_user(UserName="new")
        saved = json.loads((data_dir / "iam-roles.json").read_text())
    assert [r["name"] for r in saved["roles"]] == ["old"] and [u["name"] for u in saved["users"]] == ["new"]


def test_users_groups_policies_and_oidc_providers_survive_a_restart(data_dir: Path) -> None:
    endpoint = EmulatorProcess(data_dir).start()
    try:
        aws = LocalAws(endpoint.url, "us-east-1", attempts=1)
        store = aws.omics.create_reference_store(name="kept")
        policy = aws.iam.create_policy(PolicyName="read", PolicyDocument=json.dumps(
            allow("omics:GetReferenceStore", resource=store["arn"])))["Policy"]["Arn"]
        aws.iam.create_group(GroupName="readers")
        aws.iam.attach_group_policy(GroupName="readers", PolicyArn=policy)
        denied = allow("omics:ListReferenceStores")
        denied["Statement"][0]["Effect"] = "Deny"
        keys = aws.user(denied, name="alice")
        aws.iam.add_user_to_group(GroupName="readers", UserName="alice")
        session = aws.assumed(allow("omics:*"))
        role = aws.github_role(allow("omics:ListReferenceStores"))
    finally:
        endpoint.stop(kill=True)

    with EmulatorProcess(data_dir, port=endpoint.port) as again:
        aws = LocalAws(again.url, "us-east-1", attempts=1)
        alice = aws.as_caller(keys)
        assert alice.omics.get_reference_store(id=store["id"])["name"] == "kept"
        with pytest.raises(ClientError, match="explicit deny"):
            alice.omics.list_reference_stores()
        assert aws.iam.list_groups_for_user(UserName="alice")["Groups"][0]["GroupName"] == "readers"
        with pytest.raises(ClientError) as expired:
            aws.as_caller(session).omics.list_reference_stores()
        assert expired.value.response["Error"]["Code"] == "ExpiredTokenException"
        assert aws.as_caller(aws.web_identity(role)).omics.list_reference_stores()["referenceStores"]


def test_a_session_made_just_before_a_restart_answers_as_expired_after_it(data_dir: Path) -> None:
    """AssumeRole as the last request before the endpoint is killed: its key is still known as
    issued after the restart, so it is refused, not taken for the account's root."""
    endpoint = EmulatorProcess(data_dir).start()
    try:
        session = LocalAws(endpoint.url, "us-east-1", attempts=1).assumed(allow("omics:ListReferenceStores"))
    finally:
        endpoint.stop(kill=True)
    with EmulatorProcess(data_dir, port=endpoint.port) as again:
        aws = LocalAws(again.url, "us-east-1", attempts=1)
        with pytest.raises(ClientError) as expired:
            aws.as_caller(session).omics.list_reference_stores()
        assert expired.value.response["Error"]["Code"] == "ExpiredTokenException"


def test_the_s3_server_stops_with_the_endpoint(tmp_path: Path) -> None:
    endpoint = EmulatorProcess(tmp_path / "data").start()
    [s3_server] = descendants(endpoint.proc.pid)
    endpoint.stop()  # SIGTERM, as `kill PID` (a SIGKILL is tests/engine/test_storage_restart.py)
    wait_until(lambda: process_gone(s3_server), 10, "the S3 server stopping with the endpoint")
    assert "shutting down" in (tmp_path / "data" / "s3" / "versitygw.log").read_text()
