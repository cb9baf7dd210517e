"""Detection latency and API cost: how long after a job completes does `create` return, and how
many GetReferenceImportJob polls did it take, side by side with boto3's
`reference_import_job_completed` waiter (30 s delay, 20 attempts) on identical jobs.

Long jobs are time-compressed: the endpoint's import time and every client delay are divided by
the same factor k, and latencies are multiplied back by k (network time is negligible here).
Run: .venv/bin/python -m bench.detection [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from botocore.exceptions import WaiterError

from bench.common import table
from bench.local import KEYS, region
from omics_emulator import admin
from omics_emulator.launcher import EmulatorProcess
from omics_provider.aws import settings as provider_settings
from omics_provider.import_job import ReferenceImportJobProvider
from omics_rules.quotas import SHARED_QUOTAS

JOBS = ((3, 1), (20, 1), (90, 3), (600, 10))  # (job seconds, time compression k)
FASTA = b">chr1\n" + b"ACGT" * 15 + b"\n"


def source_region(url: str, name: str) -> SimpleNamespace:
    """bench.local.region(url, name) with a store (`.store`) and a small FASTA in its bucket (`.uri`)."""
    here = region(url, name)
    here.s3.put_object(Bucket=here.bucket, Key="g.fa", Body=FASTA)
    here.uri = f"s3://{here.bucket}/g.fa"
    here.store = here.omics.create_reference_store(name="bench")["id"]
    return here


def completion(here: SimpleNamespace, job_id: str) -> float:
    """When the import job ended (epoch seconds)."""
    job = here.omics.get_reference_import_job(referenceStoreId=here.store, id=job_id)
    return job["completionTime"].timestamp()


def hook_clients(hook: Callable[[Any], None]) -> Callable[[], None]:
    """Call `hook` once on each omics client the provider makes (it caches them per process);
    returns what undoes it."""
    original = provider_settings.ConnectionSettings.client
    hooked: set[int] = set()

    def client(self, *args, **kwargs):
        made = original(self, *args, **kwargs)
        if id(made) not in hooked:
            hooked.add(id(made))
            hook(made)
        return made

    provider_settings.ConnectionSettings.client = client
    return lambda: setattr(provider_settings.ConnectionSettings, "client", original)


def counting_clients(counter: dict) -> Callable[[], None]:
    """Make the provider's clients count their GetReferenceImportJob calls into `counter` (by
    Region); returns what undoes it."""
    def count_polls(made: Any) -> None:
        region = made.meta.region_name

        def count(**_: Any) -> None:
            counter[region] = counter.get(region, 0) + 1

        made.meta.events.register("before-call.omics.GetReferenceImportJob", count)
    return hook_clients(count_polls)


def provider_run(here: SimpleNamespace, k: float, counter: dict, n: int) -> dict:
    provider = ReferenceImportJobProvider()
    provider.settings = provider_settings.ConnectionSettings(region=here.region)  # threads differ
    props = {"reference_store_id": here.store, "role_arn": here.role, "client_token": f"p-{n}-{time.time()}",
             "sources": [{"name": f"provider-{n}", "source_file": here.uri}],
             "poll_initial_seconds": 1.0 / k, "poll_max_seconds": 15.0 / k}
    before = counter.get(here.region, 0)
    created = provider.create(provider.check({}, props).inputs)  # as the engine: check first
    returned = time.time()
    return {"latency": (returned - completion(here, created.id)) * k,
            "polls": counter.get(here.region, 0) - before, "failed": False}


def waiter_run(here: SimpleNamespace, k: float, n: int) -> dict:
    job = here.omics.start_reference_import_job(
        referenceStoreId=here.store, roleArn=here.role, clientToken=f"w-{n}-{time.time()}",
        sources=[{"name": f"waiter-{n}", "sourceFile": here.uri}])["id"]
    polls = {"n": 0}
    here.omics.meta.events.register("before-call.omics.GetReferenceImportJob",
                                    lambda **_: polls.__setitem__("n", polls["n"] + 1))
    try:
        here.omics.get_waiter("reference_import_job_completed").wait(
            referenceStoreId=here.store, id=job, WaiterConfig={"Delay": 30 / k, "MaxAttempts": 20})
        failed = False
    except WaiterError:
        failed = True
    returned = time.time()
    here.omics.meta.events.unregister("before-call.omics.GetReferenceImportJob")
    while here.omics.get_reference_import_job(referenceStoreId=here.store, id=job)["status"] == "IN_PROGRESS":
        time.sleep(0.2)  # a waiter that gave up: let the job end before the next run
    return {"latency": (returned - completion(here, job)) * k, "polls": polls["n"], "failed": failed}


IMPORT_JOB_ROW = tuple(SHARED_QUOTAS)  # Start/Get/List import jobs: one quota row


def peak_request_rate(regions: list[SimpleNamespace], k: float, counter: dict) -> int:
    """The most Start/Get/List import-job requests (one quota row: 5 per second and Region) the
    provider sent within any one second in one Region, while imports in four Regions wait at once."""
    sent: dict[str, list[float]] = {here.region: [] for here in regions}

    def time_sends(made: Any) -> None:
        times = sent.get(made.meta.region_name)
        for operation in IMPORT_JOB_ROW if times is not None else ():
            made.meta.events.register(f"before-send.omics.{operation}",
                                      lambda into=times, **_: into.append(time.monotonic()))

    undo = hook_clients(time_sends)
    try:
        threads = [threading.Thread(target=provider_run, args=(r, k, counter, 900 + i))
                   for i, r in enumerate(regions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        undo()
    return max(sum(1 for later in times if start <= later < start + 1.0)
               for times in sent.values() for start in times)


def run(runs: int, workdir: Path) -> tuple[list[tuple], float]:
    endpoint = EmulatorProcess(workdir / "data").start()
    os.environ.update({"AWS_ENDPOINT_URL": endpoint.url, **KEYS})
    counter: dict = {}
    uncount = counting_clients(counter)
    rows = []
    try:
        for seconds, k in JOBS:
            admin.set_controls(endpoint.url, import_seconds=seconds / k)
            ours, theirs = source_region(endpoint.url, f"p{seconds}"), source_region(endpoint.url, f"w{seconds}")
            provider, waiter = [], []
            for n in range(runs):
                result = {}
                t = threading.Thread(target=lambda into=result, here=theirs, k=k, n=n:
                                     into.update(w=waiter_run(here, k, n)))
                t.start()
                provider.append(provider_run(ours, k, counter, n))
                t.join()
                waiter.append(result["w"])
            rows.append((seconds, k, provider, waiter))
        admin.set_controls(endpoint.url, import_seconds=20)
        rate = peak_request_rate([source_region(endpoint.url, f"r{i}") for i in range(4)], 1, counter)
    finally:
        uncount()
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
    text += (f"\n\nPeak import-job requests within one second in one Region, four 20 s imports (one per "
             f"Region) waiting at once: {rate:.0f}")
    text += f" (limit 5 per second and Region: {'met' if rate <= 5 else 'NOT met'})"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-detection-") as workdir:
        print(report(*run(args.runs, Path(workdir))))


if __name__ == "__main__":
    main()
