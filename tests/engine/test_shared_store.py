"""Two stacks, one store: two `pulumi up` processes import into the same reference store at the
same moment. HealthOmics imports one job at a time per store; whichever way the busy store
answers, both complete, with exactly two jobs, in about the time the two imports take in turn."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import StackProject

IMPORT_SECONDS = 4.0


@pytest.mark.parametrize("answer", ["ServiceQuotaExceededException", "queue"])
def test_two_stacks_import_into_one_store_at_once(tmp_path: Path, aws: LocalAws, answer: str) -> None:
    store = aws.omics.create_reference_store(name="shared")["id"]
    aws.controls(import_seconds=IMPORT_SECONDS, busy_answer=answer)
    projects = []
    for team in ("alpha", "beta"):
        project = StackProject(tmp_path / team, aws)
        project.configure([{"name": f"{team}-import", "poll_max_seconds": 0.5, "sources": [
            {"name": f"{team}-genome", "source_file": project.upload(f"{team}.fa", generate_fasta(len(team)))}]}],
            store={"id": store})
        projects.append(project)

    started = time.monotonic()
    running = [p.start_in_background() for p in projects]
    outputs = [r.communicate(timeout=300)[0] for r in running]
    elapsed = time.monotonic() - started
    for process, out in zip(running, outputs, strict=True):
        assert process.returncode == 0, out
    jobs = aws.omics.list_reference_import_jobs(referenceStoreId=store)["importJobs"]
    assert sorted(j["status"] for j in jobs) == ["COMPLETED", "COMPLETED"]
    assert sorted(r["name"] for r in aws.omics.list_references(referenceStoreId=store)["references"]) == [
        "alpha-genome", "beta-genome"]
    floor = 2 * IMPORT_SECONDS  # one import at a time: the two take at least this long in all
    print(f"busy answer {answer}: two stacks took {elapsed:.1f} s; serial floor {floor:.0f} s; "
          f"ratio {elapsed / floor:.2f}")
    assert elapsed >= floor
