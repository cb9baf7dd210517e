// A reference store and one import of GRCh38 into it, typed by the generated SDK.
import * as pulumi from "@pulumi/pulumi";
import * as healthomics from "@omics-references/healthomics";

const config = new pulumi.Config();

const store = new healthomics.ReferenceStore("store", {
    name: "genomes",
    description: "Reference genomes for the secondary-analysis workflows",
    tags: { team: "genomics-platform" },
});

const grch38Import = new healthomics.ReferenceImportJob("grch38", {
    referenceStoreId: store.storeId,
    roleArn: config.require("roleArn"),
    sources: [{
        name: "GRCh38",
        sourceFile: config.require("grch38File"),
        description: "GRCh38 primary assembly",
        tags: { assembly: "GRCh38" },
    }],
});

export const storeId = store.storeId;
export const grch38 = grch38Import.sources.apply(sources => sources[0].referenceId);
