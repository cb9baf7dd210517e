"""What a pull request's preview costs right after the apply that made the imports: a no-op
`pulumi preview` of N imports (N = 20, 100) made by one `up`, for each face: the dynamic
provider against N trivial dynamic resources, and the native plugin (a Pulumi YAML program)
against N resources of a trivial native plugin on the same SDK, the plugin both as set-up installs
it in .venv (`native`) and as a user installs the release's tarball from dist/ into PULUMI_HOME
(`installed`: the interpreter bundled; run `make dist` first); all on the same engine in the same
run, with the omics calls the endpoint counted. Previews write no state, so every preview measured
is one "right after the up".
Run: .venv/bin/python -m bench.preview_cost [--runs 5] [--sizes 20 100] [--faces dynamic native installed]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.common import table
from bench.local import Project, region, stack_project, yaml_project
from bench.stack_runs import imports_of, timed, trivial_project
from omics_emulator import admin
from omics_emulator.fasta import generate_fasta
from omics_emulator.launcher import EmulatorProcess
from omics_provider import __version__

# no-op preview against the trivial baseline
TARGETS = {"dynamic": 1.5, "native": 1.3, "installed": 1.3}
REPO = Path(__file__).resolve().parent.parent
PLUGIN_DIR = REPO / ".venv" / "bin"  # pulumi-resource-healthomics
RELEASED_PLUGIN = REPO / "dist" / f"pulumi-resource-healthomics-v{__version__}-linux-amd64.tar.gz"


def measure_dynamic(endpoint: EmulatorProcess, workdir: Path, count: int, runs: int) -> dict:
    here = region(endpoint.url, f"preview-{count}")
    project = stack_project(workdir / f"imports-{count}", here, imports_of(here, "g", range(count)))
    project.pulumi("up", "--yes")  # the one apply that made them; nothing runs between it and the previews
    trivial = trivial_project(workdir / f"trivial-{count}", count)
    trivial.pulumi("up", "--yes")
    return previews(endpoint, "dynamic", count, project, trivial, runs)


def install_released_plugin(project: Project) -> None:
    """dist/'s plugin tarball installed into the project's PULUMI_HOME, as a user installs it."""
    if not RELEASED_PLUGIN.exists():
        raise SystemExit(f"{RELEASED_PLUGIN.relative_to(REPO)} is missing: run `make dist` first")
    if shutil.which("pulumi-resource-healthomics"):  # the engine would take that one instead
        raise SystemExit(f"{shutil.which('pulumi-resource-healthomics')} is on PATH: run without it")
    subprocess.run([str(REPO / "scripts" / "pulumi"), "plugin", "install", "resource", "healthomics", __version__,
                    "--file", str(RELEASED_PLUGIN)], check=True, capture_output=True,
                   env={**os.environ, "OMICS_STATE_DIR": str(project.root / ".state")})


def measure_installed(endpoint: EmulatorProcess, workdir: Path, count: int, runs: int) -> dict:
    return measure_native(endpoint, workdir, count, runs, face="installed")


def measure_native(endpoint: EmulatorProcess, workdir: Path, count: int, runs: int, face: str = "native") -> dict:
    here = region(endpoint.url, f"{face}-{count}")
    bucket, role = here.bucket, here.role
    store = {"type": "healthomics:index:ReferenceStore", "properties": {"name": f"bench-{count}"}}
    imports = {}
    for n in range(count):
        here.s3.put_object(Bucket=bucket, Key=f"g{n}.fa", Body=generate_fasta(n))
        imports[f"import-{n}"] = {"type": "healthomics:index:ReferenceImportJob", "properties": {
            "referenceStoreId": "${store.storeId}", "roleArn": role,
            "sources": [{"name": f"genome-{n}", "sourceFile": f"s3://{bucket}/g{n}.fa"}]}}
    plugins = {} if face == "installed" else {"healthomics": PLUGIN_DIR}
    project = yaml_project(workdir / f"{face}-{count}", here, "native-imports", plugins, {"store": store, **imports})
    if face == "installed":
        install_released_plugin(project)
    project.pulumi("up", "--yes")  # the one apply that made them
    plugin_dir = workdir / f"trivial-plugin-{face}-{count}"
    plugin_dir.mkdir()
    executable = plugin_dir / "pulumi-resource-trivial"
    executable.write_text(f"#!/bin/sh\ncd {REPO} && exec {PLUGIN_DIR / 'python'} -m bench.trivial_plugin \"$@\"\n")
    executable.chmod(0o755)
    things = {f"thing-{n}": {"type": "trivial:index:Thing", "properties": {"n": str(n)}} for n in range(count + 1)}
    trivial = yaml_project(workdir / f"trivial-{face}-{count}", here, "native-trivial", {"trivial": plugin_dir},
                           things)
    trivial.pulumi("up", "--yes")
    return previews(endpoint, face, count, project, trivial, runs)


def previews(endpoint: EmulatorProcess, face: str, count: int, project: Project, trivial: Project,
             runs: int) -> dict:
    """`runs` no-op previews of the imports' `project`, each followed by one of `trivial` (interleaved,
    so both see the same machine), and the endpoint's calls in each: their summary."""
    times: dict[str, list[float]] = {"imports": [], "trivial": []}
    calls = []
    for _ in range(runs):
        admin.reset_calls(endpoint.url)
        times["imports"].append(timed(project, "preview", "--expect-no-changes"))
        calls.append(sum(admin.calls(endpoint.url)["calls"].values()))
        times["trivial"].append(timed(trivial, "preview", "--expect-no-changes"))
    return summary(face, count, times, calls)


def summary(face: str, count: int, times: dict[str, list[float]], calls: list[int]) -> dict:
    """Median times, and the ratio as the median of each interleaved pair's ratio: a pair ran
    back to back, so a machine that slows down between pairs does not skew it."""
    return {"face": face, "count": count, "imports": statistics.median(times["imports"]),
            "trivial": statistics.median(times["trivial"]), "calls": max(calls),
            "ratio": statistics.median(i / t for i, t in zip(times["imports"], times["trivial"], strict=True))}


def report(results: list[dict]) -> str:
    rows = [("no-op preview right after the up", "imports, trivial (medians)", "ratio (median of pairs)",
             "omics calls per preview", "target", "result")]
    for r in results:
        ratio, target = r["ratio"], TARGETS[r["face"]]
        if r["face"] != "dynamic":
            met, wanted = ratio <= target and r["calls"] == 0, f"<= {target}, 0 omics calls"
        else:
            met, wanted = ratio <= target and r["calls"] < r["count"], f"<= {target}, no call per import"
        rows.append((f"{r['face']}, {r['count']} imports", f"{r['imports']:.2f} s, {r['trivial']:.2f} s",
                     f"{ratio:.2f}", str(r["calls"]), wanted, "met" if met else "NOT met"))
    return table(rows)


FACES = {"dynamic": measure_dynamic, "native": measure_native, "installed": measure_installed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--faces", nargs="+", choices=sorted(FACES), default=list(FACES))
    args = parser.parse_args()
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
    for package in ("omics_provider", "omics_rules", "omics_stack", "bench"):  # compiled, as a wheel installs them
        compileall.compile_dir(REPO / package, quiet=1)
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as workdir, \
            EmulatorProcess(Path(workdir) / "data") as endpoint:
        results = [measure(endpoint, Path(workdir), n, args.runs)
                   for face in args.faces for n in args.sizes for measure in [FACES[face]]]
        print(report(results))


if __name__ == "__main__":
    main()
