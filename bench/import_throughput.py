"""Endpoint import throughput on a FASTA of at least 1 GiB, as a ratio against `md5sum` of the
same file in the same run, and the endpoint's peak memory while it imports.

Targets (issue 3): ratio >= 0.25; peak memory under 150 MiB whatever the size.
Run: .venv/bin/python -m bench.import_throughput [--size-mib 1024] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import boto3
from botocore.config import Config

from bench.common import MiB, rss_bytes, table, write_fasta
from omics_emulator.launcher import EmulatorProcess
from omics_rules.service_role import trust_policy


def md5sum_seconds(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["md5sum", str(path)], check=True, capture_output=True)
    return time.perf_counter() - started


def run(size_mib: int, workdir: Path) -> dict:
    """Measure once; return the figures."""
    fasta = workdir / "genome.fa"
    size = write_fasta(fasta, size_mib * MiB)
    md5sum_seconds(fasta)  # warm the page cache for both contenders
    baseline = min(md5sum_seconds(fasta) for _ in range(3))

    endpoint = EmulatorProcess(workdir / "data").start()
    try:
        creds = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench", "region_name": "us-east-1"}
        s3 = boto3.client("s3", endpoint_url=endpoint.url, **creds)
        iam = boto3.client("iam", endpoint_url=endpoint.url, **creds)
        omics = boto3.client("omics", endpoint_url=endpoint.url,
                             config=Config(inject_host_prefix=False), **creds)
        s3.create_bucket(Bucket="bench")
        s3.upload_file(str(fasta), "bench", "genome.fa")  # boto3's defaults, as `aws s3 cp`
        _, peak_after_upload = rss_bytes(endpoint.proc.pid)
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(trust_policy()))["Role"]["Arn"]
        store = omics.create_reference_store(name="bench")["id"]

        samples: list[int] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append(rss_bytes(endpoint.proc.pid)[0])
                time.sleep(0.05)

        at_start = rss_bytes(endpoint.proc.pid)[0]
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        job = omics.start_reference_import_job(
            referenceStoreId=store, roleArn=role,
            sources=[{"sourceFile": "s3://bench/genome.fa", "name": "bench-genome"}])["id"]
        while True:
            answer = omics.get_reference_import_job(referenceStoreId=store, id=job)
            if answer["status"] not in ("SUBMITTED", "IN_PROGRESS"):
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        stop.set()
        sampler.join()
        if answer["status"] != "COMPLETED":
            raise RuntimeError(f"import failed: {answer}")
    finally:
        endpoint.stop()
    return {
        "size": size, "md5sum_s": baseline, "import_s": elapsed,
        "ratio": (size / elapsed) / (size / baseline),
        "peak_import": max(samples), "steady_import": statistics.median(samples),
        "peak_after_upload": peak_after_upload, "at_start": at_start,
    }


def report(figures: dict) -> str:
    """The results as a Markdown table with the targets marked."""
    mib = figures["size"] / MiB
    ratio_met = "met" if figures["ratio"] >= 0.25 else "NOT met"
    memory_met = "met" if figures["peak_import"] < 150 * MiB else "NOT met"
    return table([
        ("measure", "value", "target", "result"),
        ("file size", f"{mib:.0f} MiB", ">= 1024 MiB", "met" if mib >= 1024 else "NOT met"),
        ("md5sum (baseline)", f"{figures['md5sum_s']:.2f} s = {mib / figures['md5sum_s']:.0f} MiB/s", "", ""),
        ("endpoint import", f"{figures['import_s']:.2f} s = {mib / figures['import_s']:.0f} MiB/s", "", ""),
        ("import / md5sum throughput", f"{figures['ratio']:.2f}", ">= 0.25", ratio_met),
        ("endpoint peak RSS while importing", f"{figures['peak_import'] / MiB:.0f} MiB", "< 150 MiB",
         memory_met),
        ("endpoint median RSS while importing", f"{figures['steady_import'] / MiB:.0f} MiB", "", "info"),
        ("endpoint RSS when the import started", f"{figures['at_start'] / MiB:.0f} MiB", "", "info"),
        ("endpoint peak RSS incl. the upload", f"{figures['peak_after_upload'] / MiB:.0f} MiB", "", "info"),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3, help="figures are medians over the runs")
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="bench-import-") as workdir:
            runs.append(run(args.size_mib, Path(workdir)))
    print(report({key: statistics.median(r[key] for r in runs) for key in runs[0]}))
    print(f"\nmedians of {args.runs} run(s); peak RSS while importing per run: "
          + ", ".join(f"{r['peak_import'] / MiB:.0f} MiB" for r in runs))


if __name__ == "__main__":
    main()
