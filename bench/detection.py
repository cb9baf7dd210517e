"""Detection latency and API cost: how long after a job completes does `create` return, and how
many GetReferenceImportJob polls did it take, side by side with boto3's
`reference_import_job_completed` waiter (30 s delay, 20 attempts) on identical jobs.

Long jobs are time-compressed: the endpoint's import time and every client delay are divided by
the same factor k, and latencies are multiplied back by k (network time is negligible here).
Run: .venv/bin/python -m bench.detection [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import WaiterError

from bench.common import table
from omics_emulator.launcher import EmulatorProcess
from omics_provider.aws import settings as provider_settings
from omics_provider.import_job import ReferenceImportJobProvider
from omics_rules.service_role import read_policy, trust_policy

JOBS = ((3, 1), (20, 1), (90, 3), (600, 10))  # (job seconds, time compression k)
FASTA = b">chr1\n" + b"ACGT" * 15 + b"\n"


class Region:
    """A store, a role and a source in one region of the endpoint."""

    def __init__(self, url: str, name: str) -> None:
        kw = {"endpoint_url": url, "aws_access_key_id": "b", "aws_secret_access_key": "b"}
        self.omics = boto3.client("omics", config=Config(inject_host_prefix=False), region_name=name, **kw)
        s3, iam = boto3.client("s3", region_name="us-east-1", **kw), boto3.client("iam", region_name="us-east-1", **kw)
        self.name = name
        bucket = f"bench-{name}"
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="g.fa", Body=FASTA)
        self.uri = f"s3://{bucket}/g.fa"
        self.role = iam.create_role(RoleName=f"bench-{name}", AssumeRolePolicyDocument=json.dumps(trust_policy()))["Role"]["Arn"]
        iam.put_role_policy(RoleName=f"bench-{name}", PolicyName="read-sources",
                            PolicyDocument=json.dumps(read_policy([self.uri])))
        self.store = self.omics.create_reference_store(name="bench")["id"]
        self.count = 0

    def completion(self, job_id: str) -> float:
        job = self.omics.get_reference_import_job(referenceStoreId=self.store, id=job_id)
        return job["completionTime"].timestamp()


def counting_clients(counter: dict) -> None:
    """Make the provider's clients count their GetReferenceImportJob calls into `counter`."""
    original = provider_settings.ConnectionSettings.client
    hooked: set[int] = set()

    def client(self, service):
        made = original(self, service)  # cached per process: hook each client once
        if id(made) not in hooked:
            hooked.add(id(made))
            region = made.meta.region_name

            def count(**_):
                counter[region] = counter.get(region, 0) + 1

            made.meta.events.register("before-call.omics.GetReferenceImportJob", count)
        return made

    provider_settings.ConnectionSettings.client = client


def provider_run(region: Region, k: float, counter: dict, n: int) -> dict:
    provider = ReferenceImportJobProvider()
    provider.settings = provider_settings.ConnectionSettings(region=region.name)  # threads differ
    props = {"reference_store_id": region.store, "role_arn": region.role, "client_token": f"p-{n}-{time.time()}",
             "sources": [{"name": f"provider-{n}", "source_file": region.uri}],
             "poll_initial_seconds": 1.0 / k, "poll_max_seconds": 15.0 / k}
    before = counter.get(region.name, 0)
    created = provider.create(props)
    returned = time.time()
    return {"latency": (returned - region.completion(created.id)) * k,
            "polls": counter.get(region.name, 0) - before, "failed": False}


def waiter_run(region: Region, k: float, n: int) -> dict:
    job = region.omics.start_reference_import_job(
        referenceStoreId=region.store, roleArn=region.role, clientToken=f"w-{n}-{time.time()}",
        sources=[{"name": f"waiter-{n}", "sourceFile": region.uri}])["id"]
    polls = {"n": 0}
    region.omics.meta.events.register("before-call.omics.GetReferenceImportJob",
                                      lambda **_: polls.__setitem__("n", polls["n"] + 1))
    try:
        region.omics.get_waiter("reference_import_job_completed").wait(
            referenceStoreId=region.store, id=job, WaiterConfig={"Delay": 30 / k, "MaxAttempts": 20})
        failed = False
    except WaiterError:
        failed = True
    returned = time.time()
    region.omics.meta.events.unregister("before-call.omics.GetReferenceImportJob")
    while region.omics.get_reference_import_job(referenceStoreId=region.store, id=job)["status"] == "IN_PROGRESS":
        time.sleep(0.2)  # a waiter that gave up: let the job end before the next run
    return {"latency": (returned - region.completion(job)) * k, "polls": polls["n"], "failed": failed}


def set_controls(url: str, **changes) -> None:
    request = urllib.request.Request(f"{url}/_emulator/controls", data=json.dumps(changes).encode(), method="POST")
    urllib.request.urlopen(request).read()


def peak_request_rate(url: str, regions: list[Region], k: float, counter: dict) -> float:
    """Start/Get/List import-job requests per second at the endpoint (the operations HealthOmics
    limits to 5 per second), at their peak, while four imports wait at once."""
    samples, stop = [], threading.Event()

    def sample() -> None:
        last = None
        while not stop.is_set():
            with urllib.request.urlopen(f"{url}/_emulator/calls") as answer:
                calls = json.loads(answer.read())["calls"]
                total = sum(n for op, n in calls.items() if op.endswith(("ImportJob", "ImportJobs")))
            if last is not None:
                samples.append(total - last)
            last = total
            time.sleep(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    threads = [threading.Thread(target=provider_run, args=(r, k, counter, 900 + i)) for i, r in enumerate(regions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    sampler.join()
    return max(samples)


def run(runs: int, workdir: Path) -> tuple[list[tuple], float]:
    endpoint = EmulatorProcess(workdir / "data").start()
    os.environ.update({"AWS_ENDPOINT_URL": endpoint.url, "AWS_ACCESS_KEY_ID": "b", "AWS_SECRET_ACCESS_KEY": "b"})
    counter: dict = {}
    counting_clients(counter)
    rows = []
    try:
        for seconds, k in JOBS:
            set_controls(endpoint.url, import_seconds=seconds / k)
            ours, theirs = Region(endpoint.url, f"p{seconds}"), Region(endpoint.url, f"w{seconds}")
            provider, waiter = [], []
            for n in range(runs):
                result = {}
                t = threading.Thread(target=lambda into=result, region=theirs, k=k, n=n:
                                     into.update(w=waiter_run(region, k, n)))
                t.start()
                provider.append(provider_run(ours, k, counter, n))
                t.join()
                waiter.append(result["w"])
            rows.append((seconds, k, provider, waiter))
        set_controls(endpoint.url, import_seconds=20)
        rate = peak_request_rate(endpoint.url, [Region(endpoint.url, f"r{i}") for i in range(4)], 1, counter)
    finally:
        endpoint.stop()
    return rows, rate


def report(rows: list[tuple], rate: float) -> str:
    out = [("job", "compressed", "provider median latency", "waiter median latency", "target",
            "provider polls", "waiter polls", "poll target", "result")]
    for seconds, k, provider, waiter in rows:
        lat = statistics.median(r["latency"] for r in provider)
        finished = [r["latency"] for r in waiter if not r["failed"]]
        wlat_text = f"{statistics.median(finished):.2f} s" if finished else "-"
        polls = max(r["polls"] for r in provider)
        wpolls = max(r["polls"] for r in waiter)
        limit = 1.0 if seconds <= 20 else 0.05 * seconds
        poll_limit = {90: 40, 600: 60}.get(seconds)
        failed = sum(r["failed"] for r in waiter)
        met = lat <= limit and (poll_limit is None or polls <= poll_limit) and not any(r["failed"] for r in provider)
        out.append((f"{seconds} s", f"÷{k}" if k > 1 else "no", f"{lat:.2f} s ({100 * lat / seconds:.1f} %)",
                    wlat_text + (f" (gave up {failed}/{len(waiter)})" if failed else ""),
                    f"<= {limit:g} s", str(polls), str(wpolls), f"<= {poll_limit}" if poll_limit else "-",
                    "met" if met else "NOT met"))
    text = table(out)
    text += f"\n\nPeak import-job request rate at the endpoint, four 20 s imports waiting at once: {rate:.0f} req/s"
    text += f" (limit 5 req/s: {'met' if rate <= 5 else 'NOT met'})"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-detection-") as workdir:
        print(report(*run(args.runs, Path(workdir))))


if __name__ == "__main__":
    main()
