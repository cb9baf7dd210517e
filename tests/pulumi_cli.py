"""Runs the project's pinned pulumi CLI (scripts/pulumi) offline, with state kept per test."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PULUMI = REPO / "scripts" / "pulumi"


@dataclass
class PulumiCli:
    """A pulumi CLI bound to one project directory and one private state directory."""

    project_dir: Path
    state_dir: Path
    env: dict[str, str] | None = None

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run `pulumi ARGS` non-interactively; raise with its output when check fails."""
        env = {**os.environ, "OMICS_STATE_DIR": str(self.state_dir), **(self.env or {})}
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
