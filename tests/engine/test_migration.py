"""A stack made with the dynamic resources moves to the native plugin (a Pulumi YAML project)
with `python -m omics_provider.migrate`, `pulumi state delete` and `pulumi import --file`: no
import job started, no reference deleted, and the native program previews with no change."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml

from omics_review import migrate
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import StackProject, YamlProject

pytestmark = pytest.mark.engine
NATIVE = "name: moved\nruntime: yaml\nplugins:\n  providers:\n    - name: healthomics\n      path: ../../.venv/bin\n"


def test_a_dynamic_stack_moves_to_the_native_plugin_without_importing_again(tmp_path: Path, aws: LocalAws,
                                                                           capsys: pytest.CaptureFixture) -> None:
    old = StackProject(tmp_path / "dynamic", aws)
    old.configure([
        {"name": "grch38", "sources": [{"name": "GRCh38", "source_file": old.upload("g.fa", generate_fasta(7001)),
                                        "description": "primary", "tags": {"assembly": "GRCh38"}}]},
        {"name": "t2t", "sources": [{"name": "CHM13", "source_file": old.upload("t.fa", generate_fasta(7002))}]},
    ], store={"name": "moving-genomes", "tags": {"team": "platform"}})
    old.up()
    store_id = old.store_id()
    before = sorted((r["name"], r["id"]) for r in old.references())
    jobs_before = len(old.jobs())

    (tmp_path / "state.json").write_text(old.cli.run("stack", "export", "--stack", "test").stdout)
    assert migrate.main([str(tmp_path / "state.json"), "--import-file", str(tmp_path / "import.json")]) == 0
    moves = json.loads((tmp_path / "import.json").read_text())["resources"]
    assert {m["name"] for m in moves} == {"reference-store", "grch38", "t2t"}
    deletes = [shlex.split(line) for line in capsys.readouterr().out.splitlines() if line.startswith("pulumi ")]
    assert len(deletes) == 3 and deletes[-1][3].endswith("::reference-store")  # imports first, then the store
    for command in deletes:  # as printed, against the old stack
        old.cli.run(*command[1:], "--stack", "test")
    assert old.cli.run("stack", "export", "--stack", "test").stdout.count("omics:Reference") == 0

    aws.reset_calls()
    new = YamlProject(tmp_path / "native", aws, {}, NATIVE)
    printed = new.run("import", "--file", str(tmp_path / "import.json"), "--yes", "--protect=false").stdout
    code = printed.split("will happen on the next update command.", 1)[1]
    new.write(new.program + yaml.safe_dump({"resources": yaml.safe_load(code)["resources"]}))
    new.run("preview", "--expect-no-changes")
    new.run("up", "--yes", "--expect-no-changes")

    assert sorted((r["name"], r["id"]) for r in aws.omics.list_references(referenceStoreId=store_id)["references"]
                  ) == before
    assert len(old.jobs()) == jobs_before
    calls = aws.calls()["calls"]
    assert not any(op.startswith(("Start", "Create", "Delete", "Tag", "Untag")) for op in calls), calls
