"""Endpoint tests check one behaviour each: every error surfaces (no client retries), and the
request quotas are lifted unless a test turns them on (provider and engine tests keep them on)."""

from __future__ import annotations

import pytest

from tests.support.aws import LocalAws


@pytest.fixture
def aws(aws: LocalAws) -> LocalAws:
    aws.controls(request_quotas=False)
    return LocalAws(aws.url, aws.region, attempts=1)
