"""The AWS CLI talks to the local endpoint unchanged (only the documented environment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from omics_emulator.testing import LocalAws

AWS = Path(sys.executable).with_name("aws")


def aws_cli(aws: LocalAws, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_ENDPOINT_URL": aws.url, "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
           "AWS_DEFAULT_REGION": aws.region}
    return subprocess.run([str(AWS), *args, "--output", "json"], env=env, capture_output=True,
                          text=True, timeout=60)


def test_aws_cli_creates_lists_and_reads_errors(aws: LocalAws) -> None:
    created = aws_cli(aws, "omics", "create-reference-store", "--name", "from-the-cli")
    assert created.returncode == 0, created.stderr
    store = json.loads(created.stdout)
    listed = json.loads(aws_cli(aws, "omics", "list-reference-stores").stdout)
    assert [s["id"] for s in listed["referenceStores"]] == [store["id"]]

    missing = aws_cli(aws, "omics", "get-reference-store", "--id", "1000000001")
    assert missing.returncode != 0
    assert "ResourceNotFoundException" in missing.stderr and "1000000001" in missing.stderr
