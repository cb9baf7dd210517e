"""A reference store and one import of GRCh38 into it, typed by the generated SDK."""

import pulumi
import pulumi_healthomics as healthomics

config = pulumi.Config()

store = healthomics.ReferenceStore(
    "store",
    name="genomes",
    description="Reference genomes for the secondary-analysis workflows",
    tags={"team": "genomics-platform"},
)

grch38 = healthomics.ReferenceImportJob(
    "grch38",
    reference_store_id=store.store_id,
    role_arn=config.require("roleArn"),
    sources=[healthomics.ReferenceSourceArgs(
        name="GRCh38",
        source_file=config.require("grch38File"),
        description="GRCh38 primary assembly",
        tags={"assembly": "GRCh38"},
    )],
)

pulumi.export("storeId", store.store_id)
pulumi.export("grch38", grch38.sources.apply(lambda sources: sources[0].reference_id))
