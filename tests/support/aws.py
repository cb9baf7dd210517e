"""boto3 clients for one Region of a local endpoint, a ready sandbox (bucket, service role,
store), IAM identities holding exactly a given policy (a user, an assumed-role session, a GitHub
OIDC web-identity session), and the policy documents tests give them.

    with EmulatorProcess(tmp_path / "data") as endpoint:  # omics_emulator.launcher
        aws = LocalAws(endpoint.url, "eu-west-1")
        sandbox = Sandbox(aws)
        uri = sandbox.upload("genome.fa", generate_fasta(seed=1))  # tests.support.fasta
        reader = aws.as_caller(aws.user(allow("omics:Get*", "omics:List*")))
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import itertools
import json
import threading
import time
from collections.abc import Iterator
from functools import cached_property

import boto3
from botocore.config import Config

from omics_emulator import admin
from omics_emulator.controls import Controls
from omics_rules import policies
from omics_rules.job_states import UNFINISHED
from omics_rules.service_role import read_policy, trust_policy
from tests.support.polling import wait_until

_names = itertools.count(1)
RESET_CONTROLS = Controls().public()  # every control at its default, so no test leaks into the next
ACCOUNT = "123456789012"  # the local endpoint's account
HELD_SECONDS = 600.0  # import_seconds that keeps a job IN_PROGRESS until a test releases it
GITHUB_OIDC = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"


def allow(*actions: str, resource: str | list[str] = "*") -> dict:
    """A policy document allowing exactly these actions on `resource` (one ARN, a list, or `*`)."""
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions),
                                                    "Resource": resource}]}


def granted(name: str, role_arn: str, bucket: str, **more: str) -> dict:
    """The policy file `name` (omics_rules/policies) for this service role and source bucket
    (and any other placeholders in `more`)."""
    return policies.render(name, ACCOUNT_ID=ACCOUNT, SERVICE_ROLE_NAME=role_arn.split(":role/", 1)[1],
                           SOURCE_BUCKET=bucket, **more)


def without(policy: dict, action: str) -> dict:
    """`policy` with `action` taken out of every statement (a statement left empty goes)."""
    statements = []
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        kept = [a for a in actions if a != action]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**policy, "Statement": statements}


def github_token(subject: str = "repo:octo-org/octo-repo:ref:refs/heads/main",
                 audience: str = GITHUB_AUDIENCE, lifetime: float = 3600.0) -> str:
    """A JWT shaped as GitHub Actions' OIDC token (its signature is not checked locally)."""
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    now = int(time.time())
    claims = {"iss": f"https://{GITHUB_OIDC}", "aud": audience, "sub": subject, "iat": now,
              "exp": now + int(lifetime)}
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class LocalAws:
    """boto3 clients for one Region of a local endpoint. Client-side validation is off, so the
    endpoint's own validation answers. botocore's standard retries ride out the endpoint's
    request quotas, as a real client would; `attempts=1` lets every error (injected faults too)
    surface."""

    def __init__(self, url: str, region: str, attempts: int = 10, keys: dict[str, str] | None = None) -> None:
        self.url, self.region, self.attempts, self.keys = url, region, attempts, keys
        config = Config(inject_host_prefix=False, parameter_validation=False,
                        retries={"mode": "standard", "total_max_attempts": attempts})
        signing = {} if keys is None else {
            "aws_access_key_id": keys["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": keys["AWS_SECRET_ACCESS_KEY"],
            "aws_session_token": keys.get("AWS_SESSION_TOKEN")}
        self._signing = signing
        self.omics = boto3.client("omics", endpoint_url=url, region_name=region, config=config, **signing)
        self.s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", **signing)
        self.iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", **signing)

    @property
    def endpoints(self) -> list[dict[str, str]]:
        """The `endpoints` setting (aws:endpoints, healthomics:endpoints) that sends every service a
        program calls to the endpoint."""
        return admin.endpoints(self.url)

    @cached_property
    def sts(self):
        """An STS client of the endpoint, signing as this LocalAws does."""
        return boto3.client("sts", endpoint_url=self.url, region_name="us-east-1", **self._signing)

    def as_caller(self, keys: dict[str, str]) -> LocalAws:
        """Clients of the same endpoint and Region that sign with `keys` (as user() returns them)."""
        return LocalAws(self.url, self.region, self.attempts, keys)

    def user(self, policy: dict, name: str | None = None) -> dict[str, str]:
        """A new IAM user holding exactly `policy` (inline); its access key as AWS_ACCESS_KEY_ID
        and AWS_SECRET_ACCESS_KEY."""
        name = name or f"user-{self.region}-{next(_names)}"
        self.iam.create_user(UserName=name)
        self.iam.put_user_policy(UserName=name, PolicyName="exactly", PolicyDocument=json.dumps(policy))
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}

    def assumed(self, policy: dict, name: str | None = None, session_policy: dict | None = None,
                by: dict[str, str] | None = None) -> dict[str, str]:
        """A new role trusting this account, holding exactly `policy`, assumed by the caller with
        keys `by` (by default this LocalAws' own: the account's root unless made with keys): the
        session's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (`session_policy`
        narrows it further)."""
        account = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
        trust = {"Version": "2012-10-17",
                 "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": account}]}
        arn = self._role_holding(policy, trust, name)
        extra = {"Policy": json.dumps(session_policy)} if session_policy else {}
        sts = self.sts if by is None else self.as_caller(by).sts
        return _session_keys(sts.assume_role(RoleArn=arn, RoleSessionName="tests", **extra))

    def github_oidc(self) -> str:
        """The account's OIDC provider for GitHub Actions (made on first use); its ARN."""
        arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB_OIDC}"
        known = self.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        if arn not in [p["Arn"] for p in known]:
            self.iam.create_open_id_connect_provider(
                Url=f"https://{GITHUB_OIDC}", ClientIDList=[GITHUB_AUDIENCE], ThumbprintList=["f" * 40])
        return arn

    def github_role(self, policy: dict, subject: str = "repo:octo-org/octo-repo:*",
                    name: str | None = None) -> str:
        """A new role holding exactly `policy` that GitHub Actions' OIDC tokens whose `sub` is like
        `subject` may assume (AssumeRoleWithWebIdentity, audience sts.amazonaws.com); its ARN."""
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": self.github_oidc()},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{GITHUB_OIDC}:aud": GITHUB_AUDIENCE},
                          "StringLike": {f"{GITHUB_OIDC}:sub": subject}}}]}
        return self._role_holding(policy, trust, name)

    def web_identity(self, role_arn: str, token: str | None = None) -> dict[str, str]:
        """The keys of a session of `role_arn` by AssumeRoleWithWebIdentity (unsigned, as boto3 and
        GitHub's aws-actions send it) with `token` (github_token() by default)."""
        return _session_keys(self.sts.assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="github-actions", WebIdentityToken=token or github_token()))

    def _role_holding(self, policy: dict, trust: dict, name: str | None) -> str:
        name = name or f"role-{self.region}-{next(_names)}"
        arn = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        self.iam.put_role_policy(RoleName=name, PolicyName="exactly", PolicyDocument=json.dumps(policy))
        return arn

    def bucket(self) -> str:
        """A new, empty bucket."""
        name = f"refs-{self.region}-{next(_names)}"
        self.s3.create_bucket(Bucket=name)
        return name

    def role(self, trust: dict | None = None, reads: str | None = "s3://*/*") -> str:
        """A new IAM role (trusting omics unless `trust` says otherwise) that may read the
        objects `reads` names (every object by default; None: no S3 permission); its ARN."""
        name = f"omics-import-{self.region}-{next(_names)}"
        arn = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
            trust_policy() if trust is None else trust))["Role"]["Arn"]
        if reads:
            self.iam.put_role_policy(RoleName=name, PolicyName="read-sources",
                                     PolicyDocument=json.dumps(read_policy([reads])))
        return arn

    def controls(self, **changes: object) -> dict:
        """Set (and return) the endpoint's run-time controls."""
        return admin.set_controls(self.url, **changes)

    def reset_controls(self) -> dict:
        """Every control back to its default."""
        return self.controls(**RESET_CONTROLS)

    def hold_imports(self) -> None:
        """Import jobs, running or started from now on, stay IN_PROGRESS until release_imports()."""
        self.controls(import_seconds=HELD_SECONDS)

    def release_imports(self) -> None:
        """Every held import job ends now (import_seconds back to 0)."""
        self.controls(import_seconds=0)

    @contextlib.contextmanager
    def released_after(self, operation: str, count: int = 1, timeout: float = 30.0) -> Iterator[None]:
        """Inside, held import jobs are released as soon as the endpoint has answered `count` more
        calls of the omics `operation` (e.g. the call that shows the code under test waits)."""
        start = self.calls()["calls"].get(operation, 0)
        missed: list[AssertionError] = []

        def watch() -> None:
            try:
                wait_until(lambda: self.calls()["calls"].get(operation, 0) >= start + count, timeout,
                           f"{count} more {operation}", interval=0.02)
            except AssertionError as exc:
                missed.append(exc)
            finally:
                self.release_imports()
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        yield
        watcher.join(timeout)
        if missed:
            raise missed[0]

    def calls(self) -> dict:
        """Omics calls per operation, errors answered, and the busiest second of each operation."""
        return admin.calls(self.url)

    def reset_calls(self) -> None:
        """Start counting calls afresh."""
        admin.reset_calls(self.url)

    def job(self, store: str, job_id: str, timeout: float = 30.0) -> dict:
        """The import job once it has ended (fails after `timeout` s)."""
        def ended() -> dict | None:
            job = self.omics.get_reference_import_job(referenceStoreId=store, id=job_id)
            return job if job["status"] not in UNFINISHED else None
        return wait_until(ended, timeout, f"import job {job_id} ending", interval=0.25)

    def job_while_running(self, store: str, job_id: str, timeout: float = 30.0) -> dict:
        """The import job as soon as it is IN_PROGRESS (fails after `timeout` s)."""
        def running() -> dict | None:
            job = self.omics.get_reference_import_job(referenceStoreId=store, id=job_id)
            return job if job["status"] == "IN_PROGRESS" else None
        return wait_until(running, timeout, f"import job {job_id} running", interval=0.1)

    def token_forgotten(self, job: dict, memory: float, timeout: float = 30.0) -> None:
        """Wait until `job` (with its creationTime, as Get or List import jobs answer) is older than
        `memory` wall seconds: under token_memory_seconds `memory`, its clientToken is forgotten."""
        def old_enough() -> bool:
            return dt.datetime.now(dt.UTC) - job["creationTime"] > dt.timedelta(seconds=memory)
        wait_until(old_enough, timeout, f"the clientToken of import job {job['id']} forgotten", interval=0.02)

    def read_file(self, store: str, reference: str, which: str = "SOURCE", **extra: object) -> bytes:
        """Part 1 of a reference's SOURCE or INDEX file (GetReference)."""
        return self.omics.get_reference(referenceStoreId=store, id=reference, partNumber=1, file=which,
                                        **extra)["payload"].read()

    def references_settled(self, store: str, timeout: float = 30.0) -> list[dict]:
        """The store's references once none is DELETING."""
        def settled() -> list[dict] | None:
            refs = self.omics.list_references(referenceStoreId=store)["references"]
            return None if any(r["status"] == "DELETING" for r in refs) else refs or [{}]
        refs = wait_until(settled, timeout, f"deletions in store {store} finishing", interval=0.25)
        return [r for r in refs if r]


def _session_keys(answer: dict) -> dict[str, str]:
    credentials = answer["Credentials"]
    return {"AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"]}


class Sandbox:
    """A Region of the endpoint with a bucket, a role that trusts omics, and a store."""

    def __init__(self, aws: LocalAws, store_name: str = "sandbox") -> None:
        self.aws = aws
        self.bucket = aws.bucket()
        self.role = aws.role()
        self.store = aws.omics.create_reference_store(name=store_name)["id"]

    def upload(self, key: str, data: bytes) -> str:
        """Put `data` at `key` in the sandbox bucket; its s3:// URI."""
        self.aws.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return f"s3://{self.bucket}/{key}"

    def props(self, sources: list[dict], **extra: object) -> dict:
        """ReferenceImportJob inputs for these sources, polling fast."""
        return {"reference_store_id": self.store, "role_arn": self.role, "sources": sources,
                "poll_initial_seconds": 0.05, "poll_max_seconds": 0.2, **extra}

    def jobs(self) -> list[dict]:
        """Every import job of the store."""
        return self.aws.omics.list_reference_import_jobs(referenceStoreId=self.store)["importJobs"]

    def references(self) -> list[dict]:
        """Every reference of the store."""
        return self.aws.omics.list_references(referenceStoreId=self.store)["references"]
