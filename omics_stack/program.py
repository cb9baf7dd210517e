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
from .config import StackConfig, StoreConfig
from .role import create_service_role


def run(config: StackConfig) -> dict[str, ReferenceImportJob]:
    """Register the resources and export the stack outputs; the imports by name."""
    role_arn: pulumi.Input[str] = config.role_arn or create_service_role(
        "omics-reference-import",
        [s.source_file for p in config.placements() for i in p.imports for s in i.sources])

    stores: dict[str, pulumi.Input[str]] = {}
    references: dict[str, pulumi.Output] = {}
    jobs: dict[str, ReferenceImportJob] = {}
    for n, placement in enumerate(config.placements()):
        first = n == 0  # its names are those of the single-Region layout, which older stacks used
        name = "reference-store" if first else f"reference-store-{placement.region}"
        store_id = _store(placement.store, name)
        stores[placement.region or "default"] = store_id
        for item in placement.imports:
            job = ReferenceImportJob(item.name, ReferenceImportJobArgs(
                reference_store_id=store_id, role_arn=role_arn,
                sources=[ReferenceSourceArgs(s.name, s.source_file, s.description, s.tags)
                         for s in item.sources],
                client_token=item.client_token, wait_timeout_seconds=item.wait_timeout_seconds,
                poll_max_seconds=item.poll_max_seconds, adopt_existing=item.adopt_existing or None,
                region=placement.region, take_over=item.take_over or None,
                delete_adopted=item.delete_adopted or None),
                pulumi.ResourceOptions(protect=item.protect or None))
            jobs[item.name] = job
            for i, source in enumerate(item.sources):
                key = source.name if first else f"{placement.region}/{source.name}"
                references[key] = job.sources.apply(lambda sources, i=i: {
                    "id": sources[i].get("reference_id"), "arn": sources[i].get("arn"),
                    "md5": sources[i].get("md5")})

    pulumi.export(outputs.STORE_ID, stores[next(iter(stores))])
    pulumi.export(outputs.ROLE_ARN, role_arn)
    pulumi.export(outputs.REFERENCES, references)
    if config.regions:
        pulumi.export(outputs.STORES, stores)
    return jobs


def _store(store: StoreConfig, resource_name: str) -> pulumi.Input[str]:
    """The id of the given store, or of the ReferenceStore resource that creates (or adopts) it."""
    if store.id:
        return store.id
    return ReferenceStore(resource_name, ReferenceStoreArgs(
        name=store.name, description=store.description, tags=store.tags,
        adopt_existing=store.adopt_existing or None, region=store.region,
        delete_adopted=store.delete_adopted or None)).store_id
