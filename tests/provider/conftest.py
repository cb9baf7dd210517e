"""Fixtures for provider tests: the provider's environment points at the local endpoint."""

from __future__ import annotations

import pytest

from tests.conftest import Aws


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
