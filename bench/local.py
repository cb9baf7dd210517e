"""What the benchmarks start beside the endpoint (omics_emulator.launcher.EmulatorProcess): clients
of one of its Regions with a bucket and a service role, and Pulumi projects in throw-away folders
run with the pinned CLI (scripts/pulumi, state in the folder): this stack program, a Pulumi YAML
program, or any program's files."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import boto3
from botocore.config import Config

from omics_emulator import admin
from omics_rules.service_role import read_policy, trust_policy

REPO = Path(__file__).resolve().parent.parent
STACK = "test"
KEYS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}  # the account's root


def region(url: str, name: str) -> SimpleNamespace:
    """omics, s3 and iam clients of Region `name` at the endpoint, with a new bucket and a service
    role (trusting omics, reading every object) made in it: `.bucket`, `.role`."""
    here = SimpleNamespace(url=url, region=name, bucket=f"bench-{name}", **{
        service: boto3.client(service, endpoint_url=url, region_name=name if service == "omics" else "us-east-1",
                              config=Config(inject_host_prefix=False), **{k.lower(): v for k, v in KEYS.items()})
        for service in ("omics", "s3", "iam")})
    here.s3.create_bucket(Bucket=here.bucket)
    role = f"bench-import-{name}"
    here.role = here.iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust_policy()))["Role"]["Arn"]
    here.iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=json.dumps(read_policy(["s3://*/*"])))
    return here


class Project:
    """A Pulumi project in `root` (made with `files`) and its stack `test`, its state in root/.state."""

    def __init__(self, root: Path, files: dict[str, str]) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (root / name).write_text(text)
        self.pulumi("stack", "init", STACK)

    def pulumi(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """`scripts/pulumi ARGS` for the stack; raises with its output when `check` and it fails."""
        stack = () if args[:2] == ("stack", "init") else ("--stack", STACK)
        ran = subprocess.run([str(REPO / "scripts" / "pulumi"), *args, *stack, "--non-interactive"],
                             cwd=self.root, capture_output=True, text=True,
                             env={**os.environ, **KEYS, "OMICS_STATE_DIR": str(self.root / ".state")})
        if check and ran.returncode:
            raise RuntimeError(f"pulumi {' '.join(args)} in {self.root} exited {ran.returncode}:\n{ran.stdout}{ran.stderr}")
        return ran


def python_project(root: Path, name: str, files: dict[str, str], more_yaml: str = "") -> Project:
    """A Python program (`files`, with __main__.py) run in this repository's virtualenv."""
    project_file = f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {REPO / '.venv'}\n"
    return Project(root, {"Pulumi.yaml": project_file + more_yaml, **files})


def stack_project(root: Path, here: SimpleNamespace, imports: list[dict]) -> Project:
    """This stack program, its stack configured for these imports at the endpoint Region `here`."""
    (root / "stacks").mkdir(parents=True)
    for name in ("__main__.py", "omics_stack"):  # the packages come from the virtualenv
        (root / name).symlink_to(REPO / name)
    project = python_project(root, "omics-references", {}, "stackConfigDir: stacks\n")
    config = {"aws:region": here.region, "aws:endpoints": admin.endpoints(here.url), "omics-references:store": {"name": "bench"},
              "omics-references:role_arn": here.role, "omics-references:imports": imports}
    (root / "stacks" / f"Pulumi.{STACK}.yaml").write_text(json.dumps({"config": config}))
    return project


def yaml_project(root: Path, here: SimpleNamespace, name: str, plugins: dict[str, Path],
                 resources: dict[str, dict]) -> Project:
    """A Pulumi YAML program of `resources` using the provider plugins in these folders, with the
    healthomics provider configured for the endpoint Region `here`."""
    program = {"name": name, "runtime": "yaml", "resources": resources,
               "plugins": {"providers": [{"name": k, "path": str(v)} for k, v in plugins.items()]}}
    config = {"config": {"healthomics:region": here.region, "healthomics:endpoints": json.dumps(admin.endpoints(here.url))}}
    return Project(root, {"Pulumi.yaml": json.dumps(program, indent=1), f"Pulumi.{STACK}.yaml": json.dumps(config)})
