"""Every omics call of the provider process is paced under HealthOmics' request quotas: the up
and the refresh of 20 imports, served by four provider threads, never send more than 5 calls of
one operation within a second (counted by the endpoint as they arrive), nor more than 5 of the
three import-job operations together (the endpoint's default shared quota row answers any excess
with ThrottlingException)."""

from __future__ import annotations

from pathlib import Path

from omics_emulator.admin import throttles
from omics_rules.quotas import REQUESTS_PER_SECOND
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import StackProject


def test_a_refresh_of_20_imports_stays_within_every_request_quota(tmp_path: Path, aws: LocalAws) -> None:
    project = StackProject(tmp_path / "project", aws)
    imports = [{"name": f"import-{n}", "poll_max_seconds": 0.5, "sources": [
        {"name": f"genome-{n}", "source_file": project.upload(f"g{n}.fa", generate_fasta(300 + n)),
         "tags": {"n": str(n)}}]} for n in range(20)]
    project.configure(imports)
    aws.reset_calls()
    project.up()
    created = aws.calls()["peak_per_second"]
    assert not throttles(aws.calls()), aws.calls()["errors"]  # with Start/Get/List sharing 5/s

    aws.reset_calls()
    project.cli.run("refresh", "--yes", "--stack", "test")
    calls = aws.calls()
    for operation in ("GetReferenceImportJob", "GetReferenceMetadata", "ListTagsForResource"):
        assert calls["calls"][operation] >= 20, calls
    for peaks in (created, calls["peak_per_second"]):
        over = {op: n for op, n in peaks.items() if n > REQUESTS_PER_SECOND[op]}
        assert not over, f"more calls within one second than the quota allows: {over} ({peaks})"
    assert not calls["errors"], calls["errors"]

