"""What a pull request's preview costs right after the apply that made the imports: a no-op
`pulumi preview` of N imports (N = 20, 100), made by one `up`, against N trivial dynamic
resources on the same engine in the same run, with the omics calls the endpoint counted.
Previews write no state, so every preview measured is one "right after the up".
Run: .venv/bin/python -m bench.preview_cost [--runs 3] [--sizes 20 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from bench.common import table
from bench.stack_runs import timed, trivial_project
from omics_emulator.launcher import EmulatorProcess
from omics_emulator.testing import LocalAws, generate_fasta
from omics_stack.testing import StackProject

TARGET = 1.5  # issue 19: the dynamic face's no-op preview, against trivial dynamic resources


def measure(endpoint: EmulatorProcess, workdir: Path, count: int, runs: int) -> dict:
    aws = LocalAws(endpoint.url, f"preview-{count}")
    project = StackProject(workdir / f"imports-{count}", aws)
    project.configure([{"name": f"import-{n}", "sources": [
        {"name": f"genome-{n}", "source_file": project.upload(f"g{n}.fa", generate_fasta(n))}]}
        for n in range(count)])
    project.up()  # the one apply that made them; nothing runs between it and the previews
    trivial = trivial_project(workdir / f"trivial-{count}", count)
    trivial.run("up", "--yes", "--stack", "test")
    times: dict[str, list[float]] = {"imports": [], "trivial": []}
    calls = []
    for _ in range(runs):  # interleaved, so both see the same machine
        aws.reset_calls()
        times["imports"].append(timed(project.cli, "preview", "--expect-no-changes", "--stack", "test"))
        calls.append(sum(aws.calls()["calls"].values()))
        times["trivial"].append(timed(trivial, "preview", "--expect-no-changes", "--stack", "test"))
    return {"count": count, "imports": statistics.median(times["imports"]),
            "trivial": statistics.median(times["trivial"]), "calls": max(calls)}


def report(results: list[dict]) -> str:
    rows = [("no-op preview right after the up", "imports / trivial", "omics calls per preview", "target",
             "result")]
    for r in results:
        ratio = r["imports"] / r["trivial"]
        met = ratio <= TARGET and r["calls"] < r["count"]
        rows.append((f"{r['count']} imports", f"{r['imports']:.2f} s / {r['trivial']:.2f} s = {ratio:.2f}",
                     str(r["calls"]), f"<= {TARGET}, no call per import", "met" if met else "NOT met"))
    return table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 100])
    args = parser.parse_args()
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as workdir, \
            EmulatorProcess(Path(workdir) / "data") as endpoint:
        print(report([measure(endpoint, Path(workdir), n, args.runs) for n in args.sizes]))


if __name__ == "__main__":
    main()
