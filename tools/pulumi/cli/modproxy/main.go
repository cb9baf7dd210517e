// Command modproxy writes one version of a Go module into a GOPROXY-layout folder, which
// `GOPROXY=file://FOLDER` serves: MODULE/@v/list, VERSION.info, VERSION.mod and VERSION.zip (made by
// golang.org/x/mod/zip, as `go mod download` checks it). The module path is read from DIR/go.mod.
//
//	modproxy DIR VERSION TIME FOLDER   (TIME in RFC 3339: the version's date in VERSION.info)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

func write(dir, version, date, folder string) error {
	when, err := time.Parse(time.RFC3339, date)
	if err != nil {
		return fmt.Errorf("TIME %q: %w", date, err)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	path := modfile.ModulePath(gomod)
	if path == "" {
		return fmt.Errorf("%s/go.mod names no module", dir)
	}
	mod := module.Version{Path: path, Version: version}
	if err := module.Check(path, version); err != nil {
		return err
	}
	escaped, err := module.EscapePath(path)
	if err != nil {
		return err
	}
	at := filepath.Join(folder, filepath.FromSlash(escaped), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		return err
	}
	zip, err := os.Create(filepath.Join(at, version+".zip"))
	if err != nil {
		return err
	}
	if err := modzip.CreateFromDir(zip, mod, dir); err != nil {
		zip.Close()
		return err
	}
	if err := zip.Close(); err != nil {
		return err
	}
	info, _ := json.Marshal(map[string]string{"Version": version, "Time": when.UTC().Format(time.RFC3339)})
	if err := os.WriteFile(filepath.Join(at, version+".info"), append(info, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(at, version+".mod"), gomod, 0o644); err != nil {
		return err
	}
	return addToList(filepath.Join(at, "list"), version)
}

// addToList adds version to the folder's list of versions (one a line, sorted, no duplicates).
func addToList(list, version string) error {
	versions := map[string]bool{version: true}
	if old, err := os.ReadFile(list); err == nil {
		for _, v := range strings.Fields(string(old)) {
			versions[v] = true
		}
	}
	sorted := make([]string, 0, len(versions))
	for v := range versions {
		sorted = append(sorted, v)
	}
	sort.Strings(sorted)
	return os.WriteFile(list, []byte(strings.Join(sorted, "\n")+"\n"), 0o644)
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: modproxy DIR VERSION TIME FOLDER")
		os.Exit(2)
	}
	if err := write(os.Args[1], os.Args[2], os.Args[3], os.Args[4]); err != nil {
		fmt.Fprintln(os.Stderr, "modproxy:", err)
		os.Exit(1)
	}
}
