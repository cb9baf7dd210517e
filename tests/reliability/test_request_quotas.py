"""At HealthOmics' request quotas (on at the endpoint), a 100-source import is created and
destroyed without a throttle ever reaching the user: the provider paces itself per operation,
so the endpoint never even has to answer ThrottlingException."""

from __future__ import annotations

import time

from omics_emulator.admin import throttles
from omics_provider.import_job import ReferenceImportJobProvider
from tests.support.aws import Sandbox
from tests.support.fasta import generate_fasta


def test_a_100_source_import_is_created_and_destroyed_within_the_quotas(world: Sandbox) -> None:
    sources = [{"name": f"genome-{n:03d}", "source_file": world.upload(f"g{n}.fa", generate_fasta(n, contigs=1))}
               for n in range(100)]
    provider = ReferenceImportJobProvider()
    checked = provider.check({}, world.props(sources))
    assert checked.failures == []
    world.aws.reset_calls()
    started = time.monotonic()
    created = provider.create(checked.inputs)
    create_seconds = time.monotonic() - started
    assert created.outs["status"] == "COMPLETED" and len(world.references()) == 100
    started = time.monotonic()
    provider.delete(created.id, created.outs)
    delete_seconds = time.monotonic() - started
    assert world.aws.references_settled(world.store, timeout=60) == []
    calls = world.aws.calls()
    assert not throttles(calls), calls["errors"]
    print(f"100 sources at the quotas: create {create_seconds:.1f} s, delete {delete_seconds:.1f} s; "
          f"calls {calls['calls']}")
