"""The stack: the reference store (created, adopted or given) and each configured import."""

from __future__ import annotations

import pulumi

from omics_provider import (
    ReferenceImportJob,
    ReferenceImportJobArgs,
    ReferenceSourceArgs,
    ReferenceStore,
    ReferenceStoreArgs,
)

from . import outputs
from .config import StackConfig
from .role import create_service_role


def run(config: StackConfig) -> dict[str, ReferenceImportJob]:
    """Register the resources and export the stack outputs; the imports by name."""
    if config.store.id:
        store_id: pulumi.Input[str] = config.store.id
    else:
        store = ReferenceStore("reference-store", ReferenceStoreArgs(
            name=config.store.name, description=config.store.description, tags=config.store.tags,
            adopt_existing=config.store.adopt_existing or None))
        store_id = store.store_id

    role_arn: pulumi.Input[str] = config.role_arn or create_service_role(
        "omics-reference-import", [s.source_file for i in config.imports for s in i.sources])

    references: dict[str, pulumi.Output] = {}
    jobs: dict[str, ReferenceImportJob] = {}
    for item in config.imports:
        job = ReferenceImportJob(item.name, ReferenceImportJobArgs(
            reference_store_id=store_id, role_arn=role_arn,
            sources=[ReferenceSourceArgs(s.name, s.source_file, s.description, s.tags) for s in item.sources],
            client_token=item.client_token, wait_timeout_seconds=item.wait_timeout_seconds,
            poll_max_seconds=item.poll_max_seconds,
            adopt_existing=item.adopt_existing or None))
        jobs[item.name] = job
        for n, source in enumerate(item.sources):
            references[source.name] = job.sources.apply(lambda sources, n=n: {
                "id": sources[n].get("reference_id"), "arn": sources[n].get("arn"),
                "md5": sources[n].get("md5")})

    pulumi.export(outputs.STORE_ID, store_id)
    pulumi.export(outputs.ROLE_ARN, role_arn)
    pulumi.export(outputs.REFERENCES, references)
    return jobs
