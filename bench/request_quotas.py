"""What HealthOmics' request quotas cost the provider: in-process creates and deletes against the
local endpoint, (a) with the quotas on at the endpoint and the provider pacing itself, against
(b) the quotas lifted and no pacing, in the same run. Reports seconds, the ratio a/b, and the
throttles the endpoint answered (pacing should leave none).

Run: .venv/bin/python -m bench.request_quotas [--sources 100] [--imports 20]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

from bench.common import table
from bench.local import region
from omics_emulator import admin
from omics_emulator.fasta import generate_fasta
from omics_emulator.launcher import EmulatorProcess
from omics_provider.aws import pacing
from omics_provider.import_job import ReferenceImportJobProvider

PACED = dict(pacing.PROCESS_PACER.quotas)


def one_import(here: SimpleNamespace, store: str, provider: ReferenceImportJobProvider, name: str,
               sources: int) -> None:
    """Create an import of `sources` sources, then delete it."""
    for n in range(sources):
        here.s3.put_object(Bucket=here.bucket, Key=f"{name}-{n}.fa", Body=generate_fasta(n, contigs=1))
    props = {"reference_store_id": store, "role_arn": here.role, "poll_initial_seconds": 0.05, "poll_max_seconds": 0.2,
             "sources": [{"name": f"{name}-{n:03d}", "source_file": f"s3://{here.bucket}/{name}-{n}.fa"}
                         for n in range(sources)]}
    created = provider.create(provider.check({}, props).inputs)
    provider.delete(created.id, created.outs)


def scenario(url: str, name: str, quotas: bool, imports: int, sources: int) -> tuple[float, int]:
    """Seconds for `imports` imports of `sources` sources each (four at a time, as the engine's four
    provider threads), created and deleted; and the throttles the endpoint answered."""
    admin.set_controls(url, request_quotas=quotas)
    pacing.PROCESS_PACER.quotas = PACED if quotas else {}
    os.environ.update(AWS_ENDPOINT_URL=url, AWS_DEFAULT_REGION=name)
    here = region(url, name)
    store = here.omics.create_reference_store(name="bench")["id"]
    provider = ReferenceImportJobProvider()
    admin.reset_calls(url)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(one_import, here, store, provider, f"i{n}", sources) for n in range(imports)]:
            future.result()
    seconds = time.monotonic() - started
    throttles = sum(admin.throttles(admin.calls(url)).values())
    return seconds, throttles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=100, help="sources in the one large import")
    parser.add_argument("--imports", type=int, default=20, help="one-source imports in the stack-like run")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, EmulatorProcess(Path(tmp) / "data") as endpoint:
        for label, imports, sources in ((f"1 import of {args.sources} sources", 1, args.sources),
                                        (f"{args.imports} imports of 1 source", args.imports, 1)):
            paced, throttled = scenario(endpoint.url, f"paced-{imports}", True, imports, sources)
            free, _ = scenario(endpoint.url, f"free-{imports}", False, imports, sources)
            rows.append((label, f"{paced:.1f}", f"{free:.1f}", f"{paced / free:.2f}", f"{paced - free:.1f}",
                         str(throttled)))
    print(table([("create + delete", "at the quotas, paced (s)", "no quotas, no pacing (s)", "ratio",
                  "added (s)", "throttles answered"), *rows]))


if __name__ == "__main__":
    main()
