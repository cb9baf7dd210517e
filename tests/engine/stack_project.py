"""A throw-away copy of this project (packages linked, not copied) with one stack whose config
points at the local endpoint, driven through the real pulumi CLI."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from pathlib import Path

from omics_stack import outputs
from tests.conftest import Aws
from tests.pulumi_cli import PULUMI, REPO, throwaway_project

STACK = "test"


class StackProject:
    """The project in `root`, its stack `test`, and the endpoint region it uses."""

    def __init__(self, root: Path, aws: Aws) -> None:
        self.root, self.aws = root, aws
        (root / "stacks").mkdir(parents=True)
        for name in ("__main__.py", "omics_provider", "omics_stack"):
            (root / name).symlink_to(REPO / name)
        self.cli = throwaway_project(root, "omics-references", {}, STACK, extra_yaml="stackConfigDir: stacks\n",
                                     env={"AWS_ACCESS_KEY_ID": "local",
                                          "AWS_SECRET_ACCESS_KEY": "local-secret-key-value"})
        self.bucket = aws.bucket()
        self.role = aws.role()

    def upload(self, key: str, data: bytes) -> str:
        self.aws.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return f"s3://{self.bucket}/{key}"

    def configure(self, imports: list[dict], store: dict | None = None) -> None:
        """Write stacks/Pulumi.test.yaml (JSON is YAML) for these imports."""
        endpoint = self.aws.url
        config = {
            "aws:region": self.aws.region,
            "aws:endpoints": [{"omics": endpoint, "s3": endpoint, "iam": endpoint, "sts": endpoint}],
            "omics-references:store": store or {"name": "engine-tests"},
            "omics-references:role_arn": self.role,
            "omics-references:imports": imports,
        }
        (self.root / "stacks" / f"Pulumi.{STACK}.yaml").write_text(json.dumps({"config": config}, indent=2))

    def up(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.cli.run("up", "--yes", "--stack", STACK, *extra, check=check)

    def preview(self, check: bool = True) -> subprocess.CompletedProcess:
        return self.cli.run("preview", "--stack", STACK, check=check)

    def outputs(self) -> dict:
        return self.cli.outputs(STACK)

    def store_id(self) -> str:
        return self.outputs()[outputs.STORE_ID]

    def references(self) -> list[dict]:
        return self.aws.omics.list_references(referenceStoreId=self.store_id())["references"]

    def jobs(self, store_id: str | None = None) -> list[dict]:
        return self.aws.omics.list_reference_import_jobs(
            referenceStoreId=store_id or self.store_id())["importJobs"]

    def start_in_background(self, command: str = "up") -> subprocess.Popen:
        """`pulumi COMMAND` in its own process group, so a test can kill the CLI and its children."""
        env = {**os.environ, "OMICS_STATE_DIR": str(self.cli.state_dir), **self.cli.env}
        return subprocess.Popen(
            [str(PULUMI), command, "--yes", "--non-interactive", "--stack", STACK], cwd=self.root, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL the CLI and everything it started, as a crashed machine would. (Pulumi puts
        each plugin in its own process group, so the tree is followed by parent pid.)"""
        for pid in [process.pid, *descendants(process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(30)


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
