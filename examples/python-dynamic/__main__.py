"""A reference store and one import of GRCh38 into it, with the dynamic provider."""

import pulumi

from omics_provider import (
    ReferenceImportJob,
    ReferenceImportJobArgs,
    ReferenceSourceArgs,
    ReferenceStore,
    ReferenceStoreArgs,
)

config = pulumi.Config()

store = ReferenceStore("store", ReferenceStoreArgs(
    name="genomes",
    description="Reference genomes for the secondary-analysis workflows",
    tags={"team": "genomics-platform"},
))

grch38 = ReferenceImportJob("grch38", ReferenceImportJobArgs(
    reference_store_id=store.store_id,
    role_arn=config.require("roleArn"),
    sources=[ReferenceSourceArgs(
        name="GRCh38",
        source_file=config.require("grch38File"),
        description="GRCh38 primary assembly",
        tags={"assembly": "GRCh38"},
    )],
))

pulumi.export("storeId", store.store_id)
# A source's reference_id is there once the import ran (not in a preview).
pulumi.export("grch38", grch38.sources.apply(lambda sources: sources[0].get("reference_id")))
