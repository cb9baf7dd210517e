"""No-op cost and queueing, through the real engine against the local endpoint.

No-op: a stack of 20 imports with nothing changed; `pulumi preview` and `pulumi up` time as a
ratio against the same engine with 20 trivial dynamic resources, and the endpoint's calls.
Queueing: 10 imports to one store in one `up`, each taking d seconds at the endpoint.
Run: .venv/bin/python -m bench.stack_runs [--runs 3] [--d 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from bench.common import table
from bench.local import Project, python_project, region, stack_project
from omics_emulator import admin
from omics_emulator.fasta import generate_fasta
from omics_emulator.launcher import EmulatorProcess

MUTATING = ("Start", "Create", "Delete", "Tag", "Untag")
TRIVIAL_MODULE = '''
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class TrivialProvider(ResourceProvider):
    def create(self, props):
        return CreateResult(id_=props["n"], outs=props)


class Trivial(Resource):
    def __init__(self, name, n):
        super().__init__(TrivialProvider(), name, {"n": n})
'''
TRIVIAL_PROGRAM = '''
from trivial import Trivial

for n in range({count}):
    Trivial(f"trivial-{{n}}", str(n))
'''


def timed(project: Project, *args: str) -> float:
    """Seconds that `pulumi ARGS` took."""
    started = time.perf_counter()
    project.pulumi(*args)
    return time.perf_counter() - started


def trivial_project(root: Path, count: int = 20) -> Project:
    """A project of `count` trivial dynamic resources (the baseline of the same engine)."""
    return python_project(root, "trivial", {"trivial.py": TRIVIAL_MODULE,
                                            "__main__.py": TRIVIAL_PROGRAM.format(count=count)})


def imports_of(here: SimpleNamespace, prefix: str, seeds: range) -> list[dict]:
    """One import of one generated source per seed, uploaded to the Region's bucket."""
    for seed in seeds:
        here.s3.put_object(Bucket=here.bucket, Key=f"{prefix}{seed}.fa", Body=generate_fasta(seed))
    return [{"name": f"import-{seed}", "sources": [
        {"name": f"genome-{seed}", "source_file": f"s3://{here.bucket}/{prefix}{seed}.fa"}]} for seed in seeds]


def noop(endpoint: EmulatorProcess, workdir: Path, runs: int) -> dict:
    here = region(endpoint.url, "noop")
    project = stack_project(workdir / "imports", here, imports_of(here, "g", range(20)))
    project.pulumi("up", "--yes")
    trivial = trivial_project(workdir / "trivial")
    trivial.pulumi("up", "--yes")
    before = admin.calls(endpoint.url)["calls"]
    times = {"preview": [], "up": [], "trivial preview": [], "trivial up": []}
    for _ in range(runs):  # interleaved, so both see the same machine
        times["preview"].append(timed(project, "preview"))
        times["trivial preview"].append(timed(trivial, "preview"))
        times["up"].append(timed(project, "up", "--yes"))
        times["trivial up"].append(timed(trivial, "up", "--yes"))
    after = admin.calls(endpoint.url)["calls"]
    calls = {op: after.get(op, 0) - before.get(op, 0) for op in after if after.get(op, 0) != before.get(op, 0)}
    return {k: statistics.median(v) for k, v in times.items()} | {"calls": calls, "runs": runs}


def queueing(endpoint: EmulatorProcess, workdir: Path, d: float) -> dict:
    here = region(endpoint.url, "queue")
    project = stack_project(workdir / "queue", here, imports_of(here, "q", range(100, 110)))
    admin.set_controls(endpoint.url, import_seconds=d)
    try:
        started = time.perf_counter()
        result = project.pulumi("up", "--yes", check=False)
        total = time.perf_counter() - started
    finally:
        admin.set_controls(endpoint.url, import_seconds=0)
    store = here.omics.list_reference_stores()["referenceStores"][0]["id"]
    jobs = here.omics.list_reference_import_jobs(referenceStoreId=store)["importJobs"] if result.returncode == 0 else []
    return {"total": total, "d": d, "ok": result.returncode == 0, "jobs": len(jobs),
            "completed": sum(j["status"] == "COMPLETED" for j in jobs)}


def report(n: dict, q: dict) -> str:
    preview_ratio = n["preview"] / n["trivial preview"]
    up_ratio = n["up"] / n["trivial up"]
    mutating = {op: c for op, c in n["calls"].items() if op.startswith(MUTATING)}
    floor = 10 * q["d"]
    limit = 1.1 * floor + 10
    rows = [
        ("measure", "value", "target", "result"),
        ("no-op preview, 20 imports / 20 trivial", f"{n['preview']:.2f} s / {n['trivial preview']:.2f} s = "
         f"{preview_ratio:.2f}", "<= 1.3", "met" if preview_ratio <= 1.3 else "NOT met"),
        ("no-op up, 20 imports / 20 trivial", f"{n['up']:.2f} s / {n['trivial up']:.2f} s = {up_ratio:.2f}",
         "<= 1.3", "met" if up_ratio <= 1.3 else "NOT met"),
        (f"omics calls in {n['runs']} no-op previews + ups", json.dumps(n["calls"]) if n["calls"] else "none",
         "no mutating call", "met" if not mutating else "NOT met"),
        (f"10 imports on one store, d = {q['d']:g} s", f"{q['total']:.1f} s ({q['completed']}/10 completed, "
         f"{q['jobs']} jobs)", f"<= 1.1 x 10 x d + 10 = {limit:.0f} s",
         "met" if q["ok"] and q["total"] <= limit and q["completed"] == 10 else "NOT met"),
    ]
    return table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--d", type=float, default=3.0)
    args = parser.parse_args()
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as workdir, \
            EmulatorProcess(Path(workdir) / "data") as endpoint:
        print(report(noop(endpoint, Path(workdir), args.runs), queueing(endpoint, Path(workdir), args.d)))


if __name__ == "__main__":
    main()
