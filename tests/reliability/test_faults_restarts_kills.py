"""Faults, restarts and kills through the real engine: whatever happens, a rerun converges,
no import runs twice and no reference is left that no resource owns."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from omics_emulator.launcher import EmulatorProcess
from omics_stack import outputs
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.polling import wait_until
from tests.support.processes import descendants
from tests.support.projects import StackProject

KILL_TRIALS = 20  # in KILL_BATCHES of trials, which the xdist workers run side by side
KILL_BATCHES = 4
SEED = 20261129


def imports_for(project: StackProject, count: int, sources_each: int = 1, poll_max: float = 1.0) -> list[dict]:
    items = []
    for n in range(count):
        sources = [{"name": f"genome-{n}-{m}", "source_file": project.upload(f"g{n}-{m}.fa", generate_fasta(n * 10 + m))}
                   for m in range(sources_each)]
        items.append({"name": f"import-{n}", "sources": sources, "poll_max_seconds": poll_max})
    return items


def owned_reference_ids(project: StackProject) -> set[str]:
    return {r["id"] for r in project.outputs()[outputs.REFERENCES].values()}


def assert_converged(project: StackProject, imports: list[dict]) -> None:
    """Exactly one job per import, every ACTIVE reference owned by the stack, all of them there."""
    jobs = project.jobs()
    assert len(jobs) == len(imports), [(j["id"], j["status"]) for j in jobs]  # duplicate jobs: 0
    assert {j["status"] for j in jobs} == {"COMPLETED"}
    active = {r["id"] for r in project.references() if r["status"] == "ACTIVE"}
    assert active == owned_reference_ids(project)  # orphaned references: 0
    assert len(active) == sum(len(i["sources"]) for i in imports)


def test_faults_during_a_20_import_up(tmp_path: Path, aws: LocalAws) -> None:
    project = StackProject(tmp_path / "project", aws)
    imports = imports_for(project, 20)
    project.configure(imports)
    aws.controls(throttle_rate=0.3, error_rate=0.1, latency_ms=30, seed=SEED)
    try:
        result = project.up()
    finally:
        counts = aws.calls()
        aws.controls(throttle_rate=0, error_rate=0, latency_ms=0)
    faults = sum(n for key, n in counts["errors"].items()
                 if key.endswith(("ThrottlingException", "InternalServerException")))
    print(f"faults injected during the 20-import up: {faults} of {sum(counts['calls'].values())} calls")
    assert faults > 20
    assert "23 created" in result.stdout or "22 created" in result.stdout, result.stdout
    assert_converged(project, imports)


def test_endpoint_restarted_while_importing(tmp_path: Path) -> None:
    data = tmp_path / "endpoint"
    endpoint = EmulatorProcess(data, "--import-seconds", "4").start()
    aws = LocalAws(endpoint.url, "us-east-1")
    project = StackProject(tmp_path / "project", aws)
    first = imports_for(project, 1)
    project.configure(first)
    project.up()
    [kept] = project.references()
    kept_bytes = aws.omics.get_reference(referenceStoreId=kept["referenceStoreId"], id=kept["id"],
                                         partNumber=1)["payload"].read()
    second = [{**imports_for(project, 2, sources_each=3)[1], "name": "import-restart"}]
    project.configure(first + second)
    aws.hold_imports()  # staged sources stay staged until the restart, however slow the staging was
    running = project.start_in_background()
    try:
        wait_until(lambda: len(project.jobs(kept["referenceStoreId"])) == 2, 60, "the second import starting")
        wait_until(lambda: any((data / "staging").glob("*/2/staged.json")), 60, "its sources staged")
        endpoint.stop(kill=True)
        endpoint = EmulatorProcess(data, "--import-seconds", "4", port=endpoint.port).start()
        out, _ = running.communicate(timeout=240)
    finally:
        if running.poll() is None:
            StackProject.kill(running)
        endpoint.stop()
    assert running.returncode == 0, out
    endpoint = EmulatorProcess(data, port=endpoint.port).start()
    try:
        refs = {r["id"]: r for r in project.references()}
        assert refs[kept["id"]]["md5"] == kept["md5"] and refs[kept["id"]]["status"] == "ACTIVE"
        assert aws.omics.get_reference(referenceStoreId=kept["referenceStoreId"], id=kept["id"],
                                       partNumber=1)["payload"].read() == kept_bytes
        assert len(project.jobs()) == 2
        assert {r["id"] for r in refs.values() if r["status"] == "ACTIVE"} == owned_reference_ids(project)
        assert len(refs) == 4
    finally:
        endpoint.stop()


def provider_pids(process: subprocess.Popen) -> list[int]:
    """The dynamic-provider processes below the CLI."""
    pids = []
    for pid in descendants(process.pid):
        try:
            if b"pulumi.dynamic" in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.append(pid)
        except OSError:
            continue
    return pids


def kill_at_random(process: subprocess.Popen, rng: random.Random, latest: float) -> str:
    """Kill the CLI with its whole tree, or only the provider, at a random moment."""
    time.sleep(rng.uniform(0.3, latest))
    if rng.random() < 0.5:
        if process.poll() is not None:
            return "finished before the kill"
        StackProject.kill(process)
        return "cli"
    deadline = time.monotonic() + 20
    while not (pids := provider_pids(process)) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the engine starts the provider when the first resource needs it
    if not pids:
        process.wait(120)
        return "finished before the kill"
    for pid in pids:
        os.kill(pid, 9)
    process.wait(120)
    return "provider"


def recover(project: StackProject, *command: str) -> None:
    """What docs/troubleshooting.md tells a user after a hard kill: clear the lock and the pending creates
    (the provider finds any job those creates started by its clientToken), then run again; a state
    whose write the kill cut short is first put back from the file backend's backup."""
    stack = project.stack
    project.cli.run("cancel", "--yes", "--stack", stack, check=False)  # no lock is fine too
    clear = ("refresh", "--clear-pending-creates", "--yes", "--stack", stack)
    cleared = project.cli.run(*clear, check=False)
    if cleared.returncode:
        assert "failed to load checkpoint" in cleared.stderr, cleared.stdout + cleared.stderr
        for stacks in (project.cli.state_dir / "backend" / ".pulumi" / "stacks").iterdir():
            for kept, backup in ((f"{stack}.json", f"{stack}.json.bak"),
                                 (f"{stack}.json.attrs", f"{stack}.json.bak.attrs")):
                shutil.copyfile(stacks / backup, stacks / kept)
        project.cli.run(*clear)
    project.cli.run(*command, "--yes", "--stack", stack)


@pytest.mark.parametrize("batch", range(KILL_BATCHES))
def test_killed_at_random_points_of_up_and_destroy(tmp_path: Path, aws: LocalAws, endpoint, batch: int) -> None:
    rng = random.Random(SEED + batch)
    trials = range(batch * KILL_TRIALS // KILL_BATCHES, (batch + 1) * KILL_TRIALS // KILL_BATCHES)
    aws.controls(import_seconds=0.8)
    log = []
    try:
        for trial in trials:
            region = LocalAws(endpoint.url, f"{aws.region}-kill-{trial}")
            project = StackProject(tmp_path / f"trial-{trial}", region)
            imports = imports_for(project, 2, sources_each=2, poll_max=0.5)
            project.configure(imports)

            how = kill_at_random(project.start_in_background(), rng, latest=4.0)
            recover(project, "up")
            assert_converged(project, imports)

            store = project.store_id()
            how_destroy = kill_at_random(project.start_in_background("destroy"), rng, latest=2.0)
            recover(project, "destroy")
            assert region.omics.list_reference_stores()["referenceStores"] == []
            assert project.cli.run("stack", "export", "--stack", "test").stdout.count('"urn"') == 0
            log.append((trial, how, how_destroy, store))
    finally:
        aws.controls(import_seconds=0)
        print("\n".join(f"trial {t}: up killed: {u}; destroy killed: {d}" for t, u, d, _ in log))
    assert len(log) == len(trials)
    kills = [k for _, u, d, _ in log for k in (u, d) if k != "finished before the kill"]
    assert len(kills) >= len(trials)  # most trials really killed something

