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
from .config import ImportConfig, StackConfig, StoreConfig
from .role import create_service_role


def run(config: StackConfig) -> dict[str, ReferenceImportJob]:
    """Register the resources and export the stack outputs; the imports by name."""
    role_arn: pulumi.Input[str] = config.secret(config.role_arn, "role_arn") or create_service_role(
        "omics-reference-import",
        [s.source_file for p in config.placements() for i in p.imports for s in i.sources])

    stores: dict[str, pulumi.Input[str]] = {}
    references: dict[str, pulumi.Output] = {}
    jobs: dict[str, ReferenceImportJob] = {}
    for n, placement in enumerate(config.placements()):
        first = n == 0  # its names are those of the single-Region layout, which older stacks used
        name = "reference-store" if first else f"reference-store-{placement.region}"
        store_at, imports_at = config.paths(n)
        store_id = _store(placement.store, name, config, store_at)
        stores[placement.region or "default"] = store_id
        for i, item in enumerate(placement.imports):
            job = _import(item, config, (*imports_at, i), store_id, role_arn, placement.region)
            jobs[item.name] = job
            for j, source in enumerate(item.sources):
                key = source.name if first else f"{placement.region}/{source.name}"
                # What the service made is never secret, though a secret tag makes `sources` one. Unknown
                # until the job exists (its id), so a preview's update plan holds no nulls for a new import.
                made = pulumi.Output.all(job.job_id, pulumi.Output.unsecret(job.sources))
                references[key] = made.apply(lambda known, j=j: {
                    "id": known[1][j].get("reference_id"), "arn": known[1][j].get("arn"),
                    "md5": known[1][j].get("md5")})

    pulumi.export(outputs.STORE_ID, stores[next(iter(stores))])
    pulumi.export(outputs.ROLE_ARN, role_arn)
    pulumi.export(outputs.REFERENCES, references)
    if config.regions:
        pulumi.export(outputs.STORES, stores)
    return jobs


def _import(item: ImportConfig, config: StackConfig, at: tuple, store_id: pulumi.Input[str],
            role_arn: pulumi.Input[str], region: str | None) -> ReferenceImportJob:
    """The import `item` (at `at` in the config), its secret values declared as secrets."""
    def given(value: object, *path: object) -> object:
        return config.secret(value, *at, *path)

    sources = [ReferenceSourceArgs(given(s.name, "sources", j, "name"),
                                   given(s.source_file, "sources", j, "source_file"),
                                   given(s.description, "sources", j, "description"),
                                   given(s.tags, "sources", j, "tags"))
               for j, s in enumerate(item.sources)]
    return ReferenceImportJob(item.name, ReferenceImportJobArgs(
        reference_store_id=store_id, role_arn=role_arn, sources=sources,
        client_token=given(item.client_token, "client_token"),
        wait_timeout_seconds=item.wait_timeout_seconds, poll_max_seconds=item.poll_max_seconds,
        adopt_existing=item.adopt_existing or None, region=region, take_over=item.take_over or None,
        delete_adopted=item.delete_adopted or None),
        pulumi.ResourceOptions(protect=item.protect or None))


def _store(store: StoreConfig, resource_name: str, config: StackConfig,
           at: tuple) -> pulumi.Input[str]:
    """The id of the given store, or of the ReferenceStore resource that creates (or adopts) it."""
    if store.id:
        return store.id
    return ReferenceStore(resource_name, ReferenceStoreArgs(
        name=store.name, description=config.secret(store.description, *at, "description"),
        tags=config.secret(store.tags, *at, "tags"),
        adopt_existing=store.adopt_existing or None, region=store.region,
        delete_adopted=store.delete_adopted or None)).store_id
