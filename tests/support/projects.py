"""This repository's Pulumi projects under test: the pinned CLI (scripts/pulumi) run offline
with state kept per project, throw-away projects, this stack program in a throw-away copy
pointed at a local endpoint, and the examples (YAML, TypeScript, Python, Go) likewise."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from omics_stack import outputs
from tests.support.aws import LocalAws
from tests.support.processes import descendants

REPO = Path(__file__).resolve().parents[2]
PULUMI = REPO / "scripts" / "pulumi"
STACK = "test"


@dataclass
class PulumiCli:
    """A pulumi CLI bound to one project directory and one private state directory."""

    project_dir: Path
    state_dir: Path
    env: dict[str, str] | None = None

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run `pulumi ARGS` non-interactively (`up` and `destroy` without their own preview unless given a
        plan); raise with its output when check fails."""
        env = {**os.environ, "OMICS_STATE_DIR": str(self.state_dir), **(self.env or {})}
        if args[0] in ("up", "destroy") and not any(a.startswith(("--plan", "--skip-preview")) for a in args):
            # The preview an `up` runs first is `pulumi preview`, which tests run where it matters
            # (or they pass --skip-preview=false); skipping it spares a quarter of the suite's CPU.
            args = (*args, "--skip-preview")
        proc = subprocess.run(
            [str(PULUMI), *args, "--non-interactive"],
            cwd=self.project_dir, env=env, capture_output=True, text=True, timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} exited {proc.returncode}\n"
                f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
            )
        return proc

    def outputs(self, stack: str) -> dict:
        """The stack's outputs, secrets shown."""
        proc = self.run("stack", "output", "--json", "--show-secrets", "--stack", stack)
        return json.loads(proc.stdout)


def throwaway_project(root: Path, name: str, files: dict[str, str], stack: str,
                      extra_yaml: str = "", env: dict[str, str] | None = None) -> PulumiCli:
    """A new project in `root` using the repository's virtualenv, with `files` written and
    `stack` created; its CLI keeps state in root/.state."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {REPO / '.venv'}\n{extra_yaml}")
    for path, text in files.items():
        (root / path).write_text(text)
    cli = PulumiCli(root, root / ".state", env=env)
    cli.run("stack", "init", stack)
    return cli


class StackProject:
    """The project in `root`, its stack (`test` unless named), and the endpoint region it uses."""

    def __init__(self, root: Path, aws: LocalAws, stack: str = STACK) -> None:
        self.root, self.aws, self.stack = root, aws, stack
        (root / "stacks").mkdir(parents=True)
        for name in ("__main__.py", "omics_stack"):  # the packages come from the virtualenv
            (root / name).symlink_to(REPO / name)
        self.cli = throwaway_project(
            root, "omics-references", {}, stack, extra_yaml="stackConfigDir: stacks\n",
            env={"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local-secret-key-value"})
        self.bucket = aws.bucket()
        self.role = aws.role()

    def upload(self, key: str, data: bytes) -> str:
        self.aws.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return f"s3://{self.bucket}/{key}"

    def configure(self, imports: list[dict], store: dict | None = None, **more: object) -> None:
        """Write stacks/Pulumi.test.yaml (JSON is YAML) for these imports (and `more` keys of
        omics-references, e.g. regions=[...])."""
        config = {
            "aws:region": self.aws.region,
            "aws:endpoints": self.aws.endpoints,
            "omics-references:store": store or {"name": "engine-tests"},
            "omics-references:role_arn": self.role,
            "omics-references:imports": imports,
            **{f"omics-references:{key}": value for key, value in more.items()},
        }
        stack_file = self.root / "stacks" / f"Pulumi.{self.stack}.yaml"
        stack_file.write_text(json.dumps({"config": config}, indent=2))

    def up(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.cli.run("up", "--yes", "--stack", self.stack, *extra, check=check)

    def preview(self, check: bool = True) -> subprocess.CompletedProcess:
        return self.cli.run("preview", "--stack", self.stack, check=check)

    def outputs(self) -> dict:
        return self.cli.outputs(self.stack)

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
            [str(PULUMI), command, "--yes", "--skip-preview", "--non-interactive", "--stack", self.stack],
            cwd=self.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL the CLI and everything it started, as a crashed machine would. (Pulumi puts
        each plugin in its own process group, so the tree is followed by parent pid.)"""
        for pid in [process.pid, *descendants(process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(30)


PROGRAM_FILES = {"yaml": "Pulumi.yaml", "typescript": "index.ts", "python": "__main__.py", "go": "main.go"}


# The checkout's plugin, for a project that names no plugin folder (the examples install a release's).
CHECKOUT_PLUGIN = f"plugins:\n  providers:\n    - name: healthomics\n      path: {REPO / '.venv' / 'bin'}\n"


def with_checkout_plugin(project_file: str) -> str:
    """A Pulumi.yaml's text that names the checkout's plugin folder, unless it names plugins itself."""
    return project_file if "\nplugins:" in project_file else project_file.rstrip("\n") + "\n" + CHECKOUT_PLUGIN


def copy_example(name: str, root: Path, checkout_plugin: bool = False) -> Path:
    """examples/NAME's files (not its README) into the folder `root` (made if missing); `root`.
    With `checkout_plugin`, its Pulumi.yaml names the checkout's plugin (a release's user installs one)."""
    root.mkdir(parents=True, exist_ok=True)
    for source in (REPO / "examples" / name).iterdir():
        if source.is_file() and source.name != "README.md":
            text = source.read_text()
            if checkout_plugin and source.name == "Pulumi.yaml":
                text = with_checkout_plugin(text)
            (root / source.name).write_text(text)
    return root


class ExampleProject:
    """One of examples/ (yaml, typescript, python or go) in a throw-away folder, using this
    repository's native plugin (and its generated SDK), with its stack `test` pointed at a local
    endpoint. `program` replaces the example's program file."""

    def __init__(self, root: Path, aws: LocalAws, config: dict[str, str], program: str | None = None,
                 language: str = "yaml", stack: str = STACK) -> None:
        self.root, self.aws, self.language, self.stack = root, aws, language, stack
        self.program_file = root / PROGRAM_FILES[language]
        copy_example(language, root, checkout_plugin=True)
        if language == "typescript":  # the pinned packages, with the SDK built by tools/nodejs/build.sh
            (root / "node_modules").symlink_to(REPO / ".tools" / "node" / "node_modules")
        if language == "python":  # the checkout's virtualenv, where set-up installed the Python SDK
            (root / "venv").symlink_to(REPO / ".venv")
        if program is not None:
            self.write(program)
        self.cli = PulumiCli(root, root / ".state", env={
            "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local-secret-key-value"})
        self.cli.run("stack", "init", stack)
        config = {"healthomics:region": aws.region, "healthomics:endpoints": json.dumps(aws.endpoints), **config}
        (root / f"Pulumi.{stack}.yaml").write_text(
            "config:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in config.items()))

    def write(self, program: str) -> None:
        """The program, its paths to this repository ("../../x") made absolute; a YAML one names the
        checkout's plugin unless it names plugins itself."""
        program = program.replace("../../", f"{REPO}/")
        self.program_file.write_text(with_checkout_plugin(program) if self.language == "yaml" else program)

    @property
    def program(self) -> str:
        return self.program_file.read_text()

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.cli.run(*args, "--stack", self.stack, check=check)

    def preview_json(self) -> dict:
        return json.loads(self.run("preview", "--json").stdout)


class YamlProject(ExampleProject):
    """The Pulumi YAML example (examples/yaml), or another YAML program in its place."""

    EXAMPLE = REPO / "examples" / "yaml" / "Pulumi.yaml"
