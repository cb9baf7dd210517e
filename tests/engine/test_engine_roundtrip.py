"""The real pulumi engine runs a Python dynamic provider offline: up, output, no-op up, destroy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.projects import PulumiCli, throwaway_project

PROVIDER_MODULE = '''
"""A dynamic provider in an importable module, so the engine pickles it by reference."""
import os
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class EchoProvider(ResourceProvider):
    def create(self, props):
        # The pid proves the value was computed in the provider process, not the program.
        return CreateResult(id_="echo", outs={**props, "echoed": f"{props['value']}@{os.getpid()}"})


class Echo(Resource):
    def __init__(self, name, value, opts=None):
        super().__init__(EchoProvider(), name, {"value": value, "echoed": None}, opts)
'''

PROGRAM = '''
import pulumi
from echo_provider import Echo

echo = Echo("echo", "hello")
pulumi.export("echoed", echo.echoed)
'''


@pytest.fixture
def project(tmp_path: Path) -> PulumiCli:
    """A throw-away project that uses the repository's virtualenv."""
    return throwaway_project(tmp_path, "roundtrip",
                             {"echo_provider.py": PROVIDER_MODULE, "__main__.py": PROGRAM}, stack="dev")


def test_up_output_noop_destroy(project: PulumiCli) -> None:
    first = project.run("up", "--yes", "--stack", "dev")
    assert "1 created" in first.stdout or "2 created" in first.stdout, first.stdout

    echoed = project.outputs("dev")["echoed"]
    value, _, pid = echoed.partition("@")
    assert value == "hello" and pid.isdigit(), echoed

    second = project.run("up", "--yes", "--stack", "dev")
    assert "2 unchanged" in second.stdout, second.stdout
    assert project.outputs("dev")["echoed"] == echoed  # not re-created

    project.run("destroy", "--yes", "--stack", "dev")
    state = json.loads(project.run("stack", "export", "--stack", "dev").stdout)
    assert [r["type"] for r in state["deployment"].get("resources") or []] == []


@pytest.mark.parametrize("virtualenv", ["venv", "/nonexistent/omics-venv"], ids=["relative", "absolute"])
def test_a_missing_virtualenv_is_refused_naming_its_path(tmp_path: Path, virtualenv: str) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        f"name: novenv\nruntime:\n  name: python\n  options:\n    virtualenv: {virtualenv}\n")
    (tmp_path / "__main__.py").write_text("import pulumi\n")
    cli = PulumiCli(tmp_path, tmp_path / ".state")
    cli.run("stack", "init", "dev")
    failed = cli.run("preview", "--stack", "dev", check=False)
    expected = virtualenv if virtualenv.startswith("/") else str(tmp_path / virtualenv)
    assert failed.returncode != 0
    assert f"{expected} does not exist" in failed.stdout + failed.stderr, failed.stdout + failed.stderr
