"""The endpoint authorizes each request as IAM does: by the policies of the identity whose key
signed it (an IAM user, an assumed-role session, a web-identity session), answering a refusal as
the service does. A key of no identity is the account's root."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import ACCOUNT, LocalAws, allow, github_token
from tests.support.fasta import generate_fasta


def _denied(call, *args, **kwargs) -> dict:
    """The error a refused call answered, with its HTTP status."""
    with pytest.raises(ClientError) as refused:
        call(*args, **kwargs)
    return {**refused.value.response["Error"], "status": refused.value.response["ResponseMetadata"]["HTTPStatusCode"]}


def _statement(effect: str, actions: list[str], resource: str = "*") -> dict:
    return {"Effect": effect, "Action": actions, "Resource": resource}


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _user_arn(keys: dict, aws: LocalAws) -> str:
    return aws.as_caller(keys).sts.get_caller_identity()["Arn"]


def test_a_user_may_do_exactly_what_its_policy_allows_on_that_store(aws: LocalAws) -> None:
    store = aws.omics.create_reference_store(name="mine")
    keys = aws.user(allow("omics:GetReferenceStore", "omics:ListReferences", resource=store["arn"]))
    alice = aws.as_caller(keys)
    assert alice.omics.get_reference_store(id=store["id"])["name"] == "mine"
    assert alice.omics.list_references(referenceStoreId=store["id"])["references"] == []
    user = _user_arn(keys, aws)
    assert user.startswith(f"arn:aws:iam::{ACCOUNT}:user/")

    error = _denied(alice.omics.delete_reference_store, id=store["id"])
    assert error == {"Code": "AccessDeniedException", "status": 403, "Message": (
        f"User: {user} is not authorized to perform: omics:DeleteReferenceStore on resource: {store['arn']} "
        "because no identity-based policy allows the omics:DeleteReferenceStore action")}
    assert _denied(alice.omics.list_reference_stores)["Message"] == (
        f"User: {user} is not authorized to perform: omics:ListReferenceStores on resource: * "
        "because no identity-based policy allows the omics:ListReferenceStores action")
    other = LocalAws(aws.url, f"{aws.region}-b", attempts=1)
    other_store = other.omics.create_reference_store(name="theirs")
    assert _denied(other.as_caller(keys).omics.get_reference_store, id=other_store["id"])["Code"] == (
        "AccessDeniedException")
    assert aws.omics.get_reference_store(id=store["id"])  # nothing was deleted


def test_a_reference_needs_both_its_own_arn_and_its_store_arn(aws: LocalAws) -> None:
    store = aws.omics.create_reference_store(name="refs")
    reference = f"{store['arn']}/reference/1234567890"
    only_reference = aws.as_caller(aws.user(allow("omics:GetReferenceMetadata", resource=reference)))
    error = _denied(only_reference.omics.get_reference_metadata, referenceStoreId=store["id"], id="1234567890")
    assert f"omics:GetReferenceMetadata on resource: {store['arn']} because" in error["Message"]
    both = aws.as_caller(aws.user(allow("omics:GetReferenceMetadata", resource=[reference, store["arn"]])))
    assert _denied(both.omics.get_reference_metadata, referenceStoreId=store["id"], id="1234567890")["Code"] == (
        "ResourceNotFoundException")  # authorized; the reference does not exist


def test_an_explicit_deny_beats_any_allow_and_no_job_starts(aws: LocalAws) -> None:
    keys = aws.user(_policy(_statement("Allow", ["*"]), _statement("Deny", ["omics:Start*"])))
    caller = aws.as_caller(keys)
    bucket = caller.bucket()
    caller.s3.put_object(Bucket=bucket, Key="g.fa", Body=generate_fasta(seed=1))
    store = caller.omics.create_reference_store(name="denied")
    error = _denied(caller.omics.start_reference_import_job, referenceStoreId=store["id"], roleArn=aws.role(),
                    sources=[{"sourceFile": f"s3://{bucket}/g.fa", "name": "genome"}])
    assert error["Message"] == (
        f"User: {_user_arn(keys, aws)} is not authorized to perform: omics:StartReferenceImportJob on "
        f"resource: {store['arn']} with an explicit deny in an identity-based policy")
    assert aws.omics.list_reference_import_jobs(referenceStoreId=store["id"])["importJobs"] == []


def test_wildcards_not_action_not_resource_and_conditions(aws: LocalAws) -> None:
    store = aws.omics.create_reference_store(name="wild")
    elsewhere = LocalAws(aws.url, f"{aws.region}-x", attempts=1)
    far_store = elsewhere.omics.create_reference_store(name="far")
    keys = aws.user(_policy(
        {"Effect": "Allow", "NotAction": ["omics:Delete*"], "Resource": "arn:aws:omics:*:*:referenceStore/*"},
        {"Effect": "Allow", "Action": "OMICS:listreferencestore?", "Resource": "*"},
        {"Effect": "Deny", "Action": "omics:GetReferenceStore", "NotResource": store["arn"]},
        {"Effect": "Deny", "Action": "omics:List*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": aws.region}}}))
    caller, far = aws.as_caller(keys), elsewhere.as_caller(keys)
    assert caller.omics.get_reference_store(id=store["id"])["id"] == store["id"]
    assert caller.omics.list_reference_stores()["referenceStores"]
    assert "no identity-based policy allows" in _denied(caller.omics.delete_reference_store, id=store["id"])["Message"]
    assert "explicit deny" in _denied(far.omics.get_reference_store, id=far_store["id"])["Message"]
    assert "explicit deny" in _denied(far.omics.list_reference_stores)["Message"]


def test_groups_and_managed_policies_count(aws: LocalAws) -> None:
    group = f"readers-{aws.region}"
    arn = aws.iam.create_policy(PolicyName=f"list-{aws.region}", PolicyDocument=json.dumps(
        allow("omics:ListReferenceStores")))["Policy"]["Arn"]
    aws.iam.create_group(GroupName=group)
    aws.iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    aws.iam.put_group_policy(GroupName=group, PolicyName="no-create", PolicyDocument=json.dumps(
        _policy(_statement("Deny", ["omics:CreateReferenceStore"]))))
    keys = aws.user(allow("omics:CreateReferenceStore"))
    caller = aws.as_caller(keys)
    name = _user_arn(keys, aws).rsplit("/", 1)[1]
    assert _denied(caller.omics.list_reference_stores)["Code"] == "AccessDeniedException"
    aws.iam.add_user_to_group(GroupName=group, UserName=name)
    assert caller.omics.list_reference_stores()["referenceStores"] == []
    assert "explicit deny" in _denied(caller.omics.create_reference_store, name="s")["Message"]
    aws.iam.detach_group_policy(GroupName=group, PolicyArn=arn)
    aws.iam.attach_user_policy(UserName=name, PolicyArn=arn)
    assert caller.omics.list_reference_stores()["referenceStores"] == []


def test_an_assumed_role_session_has_its_roles_policies_narrowed_by_its_session_policy(aws: LocalAws) -> None:
    store = aws.omics.create_reference_store(name="session")
    keys = aws.assumed(allow("omics:Get*", "omics:List*"), session_policy=allow("omics:GetReferenceStore"))
    assert set(keys) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    session = aws.as_caller(keys)
    arn = session.sts.get_caller_identity()["Arn"]
    assert arn.startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/") and arn.endswith("/tests")
    assert session.omics.get_reference_store(id=store["id"])["id"] == store["id"]
    assert _denied(session.omics.list_references, referenceStoreId=store["id"])["Message"] == (
        f"User: {arn} is not authorized to perform: omics:ListReferences on resource: {store['arn']} "
        "because no session policy allows the omics:ListReferences action")
    assert "no identity-based policy" in _denied(session.omics.delete_reference_store, id=store["id"])["Message"]


def test_assume_role_needs_the_trust_and_the_callers_own_permission(aws: LocalAws) -> None:
    role = aws.iam.create_role(RoleName=f"trusts-nobody-{aws.region}", AssumeRolePolicyDocument=json.dumps(
        _policy({"Effect": "Allow", "Principal": {"Service": "omics.amazonaws.com"}, "Action": "sts:AssumeRole"})))
    may = aws.as_caller(aws.user(allow("sts:AssumeRole")))
    error = _denied(may.sts.assume_role, RoleArn=role["Role"]["Arn"], RoleSessionName="session")
    assert (error["Code"], error["status"]) == ("AccessDenied", 403)
    assert error["Message"].endswith(f"is not authorized to perform: sts:AssumeRole on resource: {role['Role']['Arn']}")
    may_not = aws.as_caller(aws.user(allow("omics:*")))
    trusted = aws.github_role(allow("omics:*"))  # any role: this one trusts GitHub, not the account
    assert _denied(may_not.sts.assume_role, RoleArn=trusted, RoleSessionName="session")["Code"] == "AccessDenied"
    chained = aws.as_caller(aws.assumed(allow("omics:ListReferenceStores"), by=may.keys))  # the user assumes
    assert chained.omics.list_reference_stores()["referenceStores"] == []


def test_a_github_web_identity_session(aws: LocalAws) -> None:
    role = aws.github_role(allow("omics:ListReferenceStores"), subject="repo:octo-org/octo-repo:*")
    session = aws.as_caller(aws.web_identity(role))
    assert session.omics.list_reference_stores()["referenceStores"] == []
    assert session.sts.get_caller_identity()["Arn"].endswith("/github-actions")
    assert _denied(session.omics.create_reference_store, name="s")["Code"] == "AccessDeniedException"
    for token, code in ((github_token(subject="repo:someone/else:ref:refs/heads/main"), "AccessDenied"),
                        (github_token(audience="another-audience"), "InvalidIdentityToken"),
                        (github_token(lifetime=-10), "ExpiredTokenException"),
                        ("not-a-jwt", "InvalidIdentityToken")):
        assert _denied(aws.web_identity, role, token)["Code"] == code, token


def test_start_reference_import_job_needs_pass_role_on_its_role(aws: LocalAws) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=generate_fasta(seed=2))
    store = aws.omics.create_reference_store(name="pass")
    service_role = aws.role()
    start = {"referenceStoreId": store["id"], "roleArn": service_role,
             "sources": [{"sourceFile": f"s3://{bucket}/g.fa", "name": "genome", "tags": {"owner": "me"}}]}
    without = aws.user(allow("omics:StartReferenceImportJob", "omics:TagResource"))
    assert _denied(aws.as_caller(without).omics.start_reference_import_job, **start)["Message"] == (
        f"User: {_user_arn(without, aws)} is not authorized to perform: iam:PassRole on resource: {service_role} "
        "because no identity-based policy allows the iam:PassRole action")
    untagged = aws.user(_policy(_statement("Allow", ["omics:StartReferenceImportJob"]),
                                _statement("Allow", ["iam:PassRole"], service_role)))
    assert "omics:TagResource on resource: " in _denied(
        aws.as_caller(untagged).omics.start_reference_import_job, **start)["Message"]
    passing = aws.user(_policy(
        _statement("Allow", ["omics:StartReferenceImportJob", "omics:TagResource"], f"{store['arn']}*"),
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": service_role,
         "Condition": {"StringEquals": {"iam:PassedToService": "omics.amazonaws.com"}}}))
    job = aws.as_caller(passing).omics.start_reference_import_job(**start)
    assert aws.job(store["id"], job["id"])["status"] == "COMPLETED"


def test_s3_reads_and_writes_as_s3_authorizes_them(aws: LocalAws) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="in/g.fa", Body=b">a\nACGT\n")
    keys = aws.user(_policy(_statement("Allow", ["s3:GetObject"], f"arn:aws:s3:::{bucket}/in/*"),
                            _statement("Allow", ["s3:ListBucketVersions", "s3:PutObject"], f"arn:aws:s3:::{bucket}*")))
    reader = aws.as_caller(keys)
    assert reader.s3.get_object(Bucket=bucket, Key="in/g.fa")["Body"].read() == b">a\nACGT\n"
    assert reader.s3.head_object(Bucket=bucket, Key="in/g.fa")["ContentLength"] == 8
    assert [v["Key"] for v in reader.s3.list_object_versions(Bucket=bucket)["Versions"]] == ["in/g.fa"]
    reader.s3.put_object(Bucket=bucket, Key="out/x", Body=b"x")

    error = _denied(reader.s3.get_object, Bucket=bucket, Key="out/x")
    assert error == {"Code": "AccessDenied", "status": 403, "Message": (
        f'User: {_user_arn(keys, aws)} is not authorized to perform: s3:GetObject on resource: '
        f'"arn:aws:s3:::{bucket}/out/x" because no identity-based policy allows the s3:GetObject action')}
    assert _denied(reader.s3.head_object, Bucket=bucket, Key="out/x")["status"] == 403
    assert "s3:ListBucket on resource" in _denied(reader.s3.list_objects_v2, Bucket=bucket)["Message"]
    assert "s3:DeleteObject on resource" in _denied(reader.s3.delete_object, Bucket=bucket, Key="out/x")["Message"]
    assert "s3:CreateBucket" in _denied(reader.s3.create_bucket, Bucket=f"{bucket}-new")["Message"]
    read_only = aws.as_caller(aws.user(allow("s3:GetObject", "s3:ListBucket")))
    assert "s3:PutObject on resource" in _denied(read_only.s3.put_object, Bucket=bucket, Key="in/y",
                                                 Body=b"y")["Message"]
    assert "s3:ListBucketVersions" in _denied(read_only.s3.list_object_versions, Bucket=bucket)["Message"]
    presigned = reader.s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "out/x"})
    import urllib.error
    import urllib.request
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(presigned)
    assert refused.value.code == 403 and b"<Code>AccessDenied</Code>" in refused.value.read()


def test_iam_requests_are_authorized_on_the_role_they_name(aws: LocalAws) -> None:
    mine, other = aws.role(), aws.role()
    keys = aws.user(allow("iam:GetRole", resource=mine))
    caller = aws.as_caller(keys)
    assert caller.iam.get_role(RoleName=mine.rsplit("/", 1)[1])["Role"]["Arn"] == mine
    error = _denied(caller.iam.get_role, RoleName=other.rsplit("/", 1)[1])
    assert (error["Code"], error["status"]) == ("AccessDenied", 403)
    assert error["Message"] == (f"User: {_user_arn(keys, aws)} is not authorized to perform: iam:GetRole on "
                                f"resource: {other} because no identity-based policy allows the iam:GetRole action")


def test_keys_of_no_identity_act_as_root_and_bad_session_tokens_are_refused(aws: LocalAws) -> None:
    root = aws.as_caller({"AWS_ACCESS_KEY_ID": "never-issued", "AWS_SECRET_ACCESS_KEY": "anything"})
    assert root.omics.create_reference_store(name="root")["id"]
    assert root.iam.list_roles()["Roles"] is not None
    keys = aws.assumed(allow("omics:*"))
    tokenless = aws.as_caller({**keys, "AWS_SESSION_TOKEN": "forged"})
    assert _denied(tokenless.omics.list_reference_stores)["Code"] == "UnrecognizedClientException"
    assert _denied(tokenless.iam.list_roles)["Code"] == "InvalidClientTokenId"
    gone = aws.user(allow("*"), name=f"gone-{aws.region}")
    aws.iam.update_access_key(UserName=f"gone-{aws.region}", AccessKeyId=gone["AWS_ACCESS_KEY_ID"], Status="Inactive")
    assert _denied(aws.as_caller(gone).omics.list_reference_stores)["Code"] == "UnrecognizedClientException"
    aws.iam.delete_access_key(UserName=f"gone-{aws.region}", AccessKeyId=gone["AWS_ACCESS_KEY_ID"])
    assert _denied(aws.as_caller(gone).s3.list_buckets)["Code"] == "InvalidAccessKeyId"  # never the root


def test_s3_requests_carry_the_region_they_were_signed_for(aws: LocalAws) -> None:
    import boto3
    keys = aws.user(_policy(_statement("Allow", ["s3:ListAllMyBuckets"]), {
        "Effect": "Deny", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}))
    signing = {"aws_access_key_id": keys["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": keys["AWS_SECRET_ACCESS_KEY"]}
    assert boto3.client("s3", endpoint_url=aws.url, region_name="eu-west-1", **signing).list_buckets()["Buckets"] is not None
    assert "explicit deny" in _denied(aws.as_caller(keys).s3.list_buckets)["Message"]  # signed for us-east-1


def test_simulate_principal_policy_takes_users_as_well_as_roles(aws: LocalAws) -> None:
    keys = aws.user(allow("omics:List*"), name=f"simulated-{aws.region}")
    user = _user_arn(keys, aws)
    results = aws.iam.simulate_principal_policy(PolicySourceArn=user, ActionNames=[
        "omics:ListReferences", "omics:GetReference"])["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "implicitDeny"]
    error = _denied(aws.iam.simulate_principal_policy, PolicySourceArn=f"{user}-nobody", ActionNames=["s3:GetObject"])
    assert (error["Code"], error["Message"]) == ("NoSuchEntity", f"The user with name simulated-{aws.region}-nobody "
                                                 "cannot be found.")


def test_a_denied_simulation_names_the_user_that_signed_it(aws: LocalAws) -> None:
    keys = aws.user(allow("iam:SimulatePrincipalPolicy"))
    user = _user_arn(keys, aws)
    aws.controls(deny_operations=["SimulatePrincipalPolicy"])
    error = _denied(aws.as_caller(keys).iam.simulate_principal_policy, PolicySourceArn=user,
                    ActionNames=["omics:ListReferences"])
    assert (error["Code"], error["status"]) == ("AccessDenied", 403)
    assert error["Message"].startswith(f"User: {user} is not authorized to perform: iam:SimulatePrincipalPolicy")
