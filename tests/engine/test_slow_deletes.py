"""`destroy` whatever way HealthOmics takes to delete references (AWS documents the DELETING and
DELETED statuses, not how long either lasts, nor whether a DELETED reference still counts in its
store): references DELETING for 2 minutes; references that then stay DELETED for a while, counted
against the store being empty, or not. The deletions last that long on the endpoint's clock, run faster
(time_scale): what is tested is that destroy waits for them, not the wall clock; its deadline in
wall time is tested with the native plugin (tests/engine/test_native_plugin.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import StackProject


@pytest.mark.parametrize("controls", [
    pytest.param({"delete_seconds": 120, "time_scale": 20}, id="deleting-for-2-minutes"),
    pytest.param({"deleted_seconds": 8, "deleted_blocks_store": True, "time_scale": 4},
                 id="deleted-for-8-s-and-counted"),
    pytest.param({"deleted_seconds": 8, "deleted_blocks_store": False, "time_scale": 4},
                 id="deleted-for-8-s-not-counted"),
])
def test_destroy_completes_however_long_deletion_takes(tmp_path: Path, aws: LocalAws, controls: dict) -> None:
    project = StackProject(tmp_path / "project", aws)
    project.configure([{"name": f"import-{n}", "sources": [
        {"name": f"genome-{n}", "source_file": project.upload(f"g{n}.fa", generate_fasta(1300 + n))}]}
        for n in range(2)])
    project.up()
    store = project.store_id()
    aws.controls(**controls)
    started = time.monotonic()
    project.cli.run("destroy", "--yes", "--stack", "test", timeout=600)
    took = time.monotonic() - started
    assert aws.omics.list_reference_stores()["referenceStores"] == []
    lasts = controls.get("delete_seconds", 0) + (8 if controls.get("deleted_blocks_store") else 0)
    waited = lasts / controls["time_scale"]  # in wall seconds
    assert took >= waited, f"destroy took {took:.1f} s, less than the {waited:.1f} s deletion lasts ({store})"
