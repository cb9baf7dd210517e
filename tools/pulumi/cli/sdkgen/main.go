// Command sdkgen writes the healthomics package's SDKs from schema.json with pkg/v3's code
// generator, at the version this module pins for the CLI. The pinned CLI's `pulumi package
// gen-sdk` cannot: it asks the language host, and the v3.68 hosts do not implement GeneratePackage.
//
//	sdkgen SCHEMA LANGUAGE OUTDIR   (LANGUAGE is python or nodejs; OUTDIR is emptied first)
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "healthomics-sdkgen"

// noReferences is the loader for a schema that names no other package: every lookup fails.
type noReferences struct{}

func (noReferences) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("schema.json refers to package %q; this generator loads no other package", pkg)
}

func (l noReferences) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, d.Version)
}

func (l noReferences) LoadPackageReference(pkg string, v *semver.Version) (schema.PackageReference, error) {
	_, err := l.LoadPackage(pkg, v)
	return nil, err
}

func (l noReferences) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, d.Version)
}

func generate(schemaPath, language string) (map[string][]byte, error) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	loader := noReferences{}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s is not a valid package schema: %s", schemaPath, diags.Error())
	}
	switch language {
	case "python":
		files, err := python.GeneratePackage(tool, pkg, nil, loader)
		if err == nil {
			// pyproject.toml names README.md beside it; the generator writes it only in the package.
			for name, body := range files {
				if filepath.Base(name) == "README.md" && filepath.Dir(name) != "." {
					files["README.md"] = body
				}
			}
		}
		return files, err
	case "nodejs":
		return nodejs.GeneratePackage(tool, pkg, nil, nil, false, loader)
	}
	return nil, fmt.Errorf("unknown language %q: use python or nodejs", language)
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: sdkgen SCHEMA LANGUAGE OUTDIR")
		os.Exit(2)
	}
	files, err := generate(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
	out := os.Args[3]
	if err := os.RemoveAll(out); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
	for name, body := range files {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			err = os.WriteFile(path, body, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "sdkgen:", err)
			os.Exit(1)
		}
	}
}
