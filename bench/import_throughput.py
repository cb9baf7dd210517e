"""Uploading and then importing a generated FASTA (3 GiB by default) through the local endpoint:
upload throughput against `cp` of the same file, import throughput against `md5sum` of the same
file (both baselines in the same run), and the memory of the endpoint and its S3 server together,
sampled every 50 ms throughout (plus each process's own peak from the kernel).

Targets: import / md5sum >= 0.4 (issue 13; 0.25 in issue 3); endpoint + S3 server peak RSS
< 300 MiB through upload and import (issue 13); endpoint alone < 150 MiB while importing (issue 3).
The upload is also timed straight to a bare S3 server (no endpoint between), to show what the
pass-through costs. Run: .venv/bin/python -m bench.import_throughput [--size-mib 3072] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import MiB, table, write_fasta
from bench.local import region
from omics_emulator.launcher import EmulatorProcess, descendants, rss_bytes
from omics_emulator.s3_server import S3Server
from omics_rules.job_states import UNFINISHED


def best_seconds(command: Callable[[], object], runs: int) -> float:
    """The fastest of `runs` timed calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        command()
        times.append(time.perf_counter() - started)
    return min(times)


def _rss(pid: int) -> tuple[int, int]:
    """rss_bytes of a process, (0, 0) once it is gone (a sample of a process that ended counts nothing)."""
    try:
        return rss_bytes(pid)
    except FileNotFoundError:
        return 0, 0


class Sampler:
    """RSS of the endpoint and of each process below it (the S3 server, started with it), every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.below = descendants(pid)
        self.samples: list[tuple[str, int, int]] = []  # (phase, endpoint, endpoint + children)
        self.phase = "idle"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            own = _rss(self.pid)[0]
            children = sum(_rss(child)[0] for child in self.below)
            self.samples.append((self.phase, own, own + children))
            time.sleep(0.05)

    def peak(self, phase: str | None = None, together: bool = True) -> int:
        return max(s[2 if together else 1] for s in self.samples if phase in (None, s[0]))

    def peaks_from_kernel(self) -> int:
        """Sum of each process's lifetime peak RSS (VmHWM): an upper bound, never missed."""
        return sum(_rss(pid)[1] for pid in [self.pid, *self.below])

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def upload_straight_to_s3_server(fasta: Path, data_dir: Path) -> float:
    """Seconds to upload (and sync) the file to a bare S3 server, without the endpoint between."""
    server = S3Server(data_dir).start()
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="bench")
        started = time.perf_counter()
        s3.upload_file(str(fasta), "bench", "genome.fa")
        subprocess.run(["sync"], check=True)
        return time.perf_counter() - started
    finally:
        server.stop()
        shutil.rmtree(data_dir)


def run(size_mib: int, workdir: Path) -> dict:
    """Measure once; return the figures."""
    fasta = workdir / "genome.fa"
    size = write_fasta(fasta, size_mib * MiB)
    md5sum = best_seconds(lambda: subprocess.run(["md5sum", str(fasta)], check=True, capture_output=True), 3)

    def copy() -> None:
        subprocess.run(["cp", str(fasta), str(workdir / "copy.fa")], check=True)
        subprocess.run(["sync", str(workdir / "copy.fa")], check=True)
    cp = best_seconds(copy, 2)
    (workdir / "copy.fa").unlink()
    direct = upload_straight_to_s3_server(fasta, workdir / "direct")

    endpoint = EmulatorProcess(workdir / "data", "--no-request-quotas").start()  # polled every 50 ms
    try:
        aws = region(endpoint.url, "us-east-1")
        bucket, role = aws.bucket, aws.role
        store = aws.omics.create_reference_store(name="bench")["id"]
        at_start = rss_bytes(endpoint.proc.pid)[0]
        with Sampler(endpoint.proc.pid) as sampler:
            sampler.phase = "upload"
            started = time.perf_counter()
            aws.s3.upload_file(str(fasta), bucket, "genome.fa")  # boto3's defaults, as `aws s3 cp`
            # The upload's 3 GiB are still being written back to disk: let that finish (as
            # `cp + sync` does) rather than charge it to the import.
            sampler.phase = "sync"
            subprocess.run(["sync"], check=True)
            upload = time.perf_counter() - started
            sampler.phase = "import"
            started = time.perf_counter()
            job = aws.omics.start_reference_import_job(
                referenceStoreId=store, roleArn=role,
                sources=[{"sourceFile": f"s3://{bucket}/genome.fa", "name": "bench-genome"}])["id"]

            answer = aws.omics.get_reference_import_job(referenceStoreId=store, id=job)
            while answer["status"] in UNFINISHED:
                time.sleep(0.05)
                answer = aws.omics.get_reference_import_job(referenceStoreId=store, id=job)
            imported = time.perf_counter() - started
            kernel_peaks = sampler.peaks_from_kernel()
        if answer["status"] != "COMPLETED":
            raise RuntimeError(f"import failed: {answer}")
    finally:
        endpoint.stop()
    return {
        "size": size, "md5sum_s": md5sum, "cp_s": cp, "upload_s": upload, "direct_s": direct,
        "passthrough_ratio": direct / upload, "upload_ratio": cp / upload,
        "import_s": imported, "import_ratio": md5sum / imported,
        "peak_together": sampler.peak(), "peak_together_upload": sampler.peak("upload"),
        "peak_together_import": sampler.peak("import"), "kernel_peaks": kernel_peaks,
        "peak_endpoint_import": sampler.peak("import", together=False), "at_start": at_start,
    }


def report(figures: dict) -> str:
    """The results as a Markdown table with the targets marked."""
    mib = figures["size"] / MiB

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    def rate(seconds: float) -> str:
        return f"{seconds:.2f} s = {mib / seconds:.0f} MiB/s"

    def mem(key: str) -> str:
        return f"{figures[key] / MiB:.0f} MiB"

    return table([
        ("measure", "value", "target", "result"),
        ("file size", f"{mib:.0f} MiB", ">= 3072 MiB", met(mib >= 3072)),
        ("md5sum (baseline)", rate(figures["md5sum_s"]), "", ""),
        ("cp + sync (baseline)", rate(figures["cp_s"]), "", ""),
        ("upload through the endpoint (boto3 defaults) + sync", rate(figures["upload_s"]), "", ""),
        ("upload / cp throughput", f"{figures['upload_ratio']:.2f}", "reported", "info"),
        ("upload straight to the S3 server + sync", rate(figures["direct_s"]), "", ""),
        ("upload through the endpoint / straight", f"{figures['passthrough_ratio']:.2f}", "", "info"),
        ("import through the endpoint", rate(figures["import_s"]), "", ""),
        ("import / md5sum throughput", f"{figures['import_ratio']:.2f}", ">= 0.4",
         met(figures["import_ratio"] >= 0.4)),
        ("endpoint + S3 server peak RSS, sampled", mem("peak_together"), "< 300 MiB",
         met(figures["peak_together"] < 300 * MiB)),
        ("  during the upload", mem("peak_together_upload"), "", "info"),
        ("  during the import", mem("peak_together_import"), "", "info"),
        ("sum of each process's own peak RSS (VmHWM)", mem("kernel_peaks"), "< 300 MiB",
         met(figures["kernel_peaks"] < 300 * MiB)),
        ("endpoint alone, peak RSS while importing", mem("peak_endpoint_import"), "< 150 MiB",
         met(figures["peak_endpoint_import"] < 150 * MiB)),
        ("endpoint RSS before the upload", mem("at_start"), "", "info"),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=3072)
    parser.add_argument("--runs", type=int, default=1, help="figures are medians over the runs")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")  # any keys will do
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="bench-import-") as workdir:
            if shutil.disk_usage(workdir).free < 4.2 * args.size_mib * MiB:  # the largest at once
                raise SystemExit(f"bench.import_throughput needs about {4.2 * args.size_mib / 1024:.0f} GiB "
                                 f"free in {workdir} (the file, a copy, the S3 object, the reference)")
            runs.append(run(args.size_mib, Path(workdir)))
    print(report({key: statistics.median(r[key] for r in runs) for key in runs[0]}))
    print(f"\nmedians of {args.runs} run(s)")


if __name__ == "__main__":
    main()
