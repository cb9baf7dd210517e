"""Shared fixtures: a real local endpoint process, and boto3 clients that talk to it over HTTP."""

from __future__ import annotations

import itertools
import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from omics_emulator.launcher import EmulatorProcess

TRUST_OMICS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "omics.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
_regions = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's AWS profile, keys or endpoints."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.fixture(scope="session")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One endpoint process for the session (tests keep apart by region and bucket names)."""
    with EmulatorProcess(tmp_path_factory.mktemp("endpoint") / "data") as process:
        yield process


class Aws:
    """boto3 clients for one region of an endpoint. Client-side validation is off, so the
    endpoint's own validation answers; retries are off, so injected faults surface."""

    def __init__(self, url: str, region: str) -> None:
        self.url, self.region = url, region
        config = Config(inject_host_prefix=False, parameter_validation=False,
                        retries={"mode": "standard", "total_max_attempts": 1})
        self.omics = boto3.client("omics", endpoint_url=url, region_name=region, config=config)
        self.s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
        self.iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")

    def bucket(self) -> str:
        """A new, empty bucket."""
        name = f"refs-{self.region}-{next(_regions)}"
        self.s3.create_bucket(Bucket=name)
        return name

    def role(self, trust: dict | None = TRUST_OMICS) -> str:
        """A new IAM role (trusting omics by default); its ARN."""
        name = f"omics-import-{self.region}-{next(_regions)}"
        return self.iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

    def controls(self, **changes: object) -> dict:
        """Set (and return) the endpoint's run-time controls."""
        request = urllib.request.Request(
            f"{self.url}/_emulator/controls", data=json.dumps(changes).encode(), method="POST")
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read())

    def calls(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/_emulator/calls") as answer:
            return json.loads(answer.read())


@pytest.fixture
def aws(endpoint: EmulatorProcess) -> Iterator[Aws]:
    """Clients for a fresh region of the session endpoint; controls reset afterwards."""
    clients = Aws(endpoint.url, f"test-{next(_regions)}")
    yield clients
    clients.controls(import_seconds=0, import_bytes_per_second=0, delete_seconds=0.5,
                     throttle_rate=0, error_rate=0, latency_ms=0)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


class World:
    """A region of the endpoint with a bucket, a role that trusts omics, and a store."""

    def __init__(self, aws: Aws) -> None:
        self.aws = aws
        self.bucket = aws.bucket()
        self.role = aws.role()
        self.store = aws.omics.create_reference_store(name="provider-tests")["id"]

    def upload(self, key: str, data: bytes) -> str:
        self.aws.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return f"s3://{self.bucket}/{key}"

    def props(self, sources: list[dict], **extra) -> dict:
        """Inputs as the engine passes them to check."""
        return {"reference_store_id": self.store, "role_arn": self.role, "sources": sources,
                "poll_initial_seconds": 0.05, "poll_max_seconds": 0.2, **extra}

    def jobs(self) -> list[dict]:
        return self.aws.omics.list_reference_import_jobs(referenceStoreId=self.store)["importJobs"]

    def references(self) -> list[dict]:
        return self.aws.omics.list_references(referenceStoreId=self.store)["references"]


@pytest.fixture
def world(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> World:
    """The provider reaches the endpoint through the standard AWS environment variables."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws.region)
    return World(aws)
