"""The pinned Pulumi YAML language host that `make setup` builds beside the CLI runs a YAML
program through the engine, stamped with its version."""

from __future__ import annotations

from pathlib import Path

from tests.support.projects import PulumiCli

PROGRAM = """name: yaml-host
runtime: yaml
config:
  greeting:
    type: string
    default: hello
variables:
  shout:
    fn::join: ["", ["${greeting}", "!"]]
outputs:
  message: ${shout}
"""


def test_a_yaml_program_runs_with_the_pinned_host(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(PROGRAM)
    cli = PulumiCli(tmp_path, tmp_path / ".state")
    cli.run("stack", "init", "test")
    cli.run("config", "set", "greeting", "bonjour", "--stack", "test")
    cli.run("up", "--yes", "--stack", "test")
    assert cli.outputs("test") == {"message": "bonjour!"}
    about = cli.run("about", "--stack", "test").stdout
    assert any(line.split() == ["language", "yaml", "1.25.0"] for line in about.splitlines()), about
