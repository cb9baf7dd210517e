// A reference store and one import of GRCh38 into it, typed by the generated SDK.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"git.example.com/platform/omics-references/sdk/go/healthomics"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		store, err := healthomics.NewReferenceStore(ctx, "store", &healthomics.ReferenceStoreArgs{
			Name:        pulumi.String("genomes"),
			Description: pulumi.String("Reference genomes for the secondary-analysis workflows"),
			Tags:        pulumi.StringMap{"team": pulumi.String("genomics-platform")},
		})
		if err != nil {
			return err
		}
		grch38, err := healthomics.NewReferenceImportJob(ctx, "grch38", &healthomics.ReferenceImportJobArgs{
			ReferenceStoreId: store.StoreId,
			RoleArn:          pulumi.String(cfg.Require("roleArn")),
			Sources: healthomics.ReferenceSourceArray{
				healthomics.ReferenceSourceArgs{
					Name:        pulumi.String("GRCh38"),
					SourceFile:  pulumi.String(cfg.Require("grch38File")),
					Description: pulumi.String("GRCh38 primary assembly"),
					Tags:        pulumi.StringMap{"assembly": pulumi.String("GRCh38")},
				},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("storeId", store.StoreId)
		ctx.Export("grch38", grch38.Sources.Index(pulumi.Int(0)).ReferenceId())
		return nil
	})
}
