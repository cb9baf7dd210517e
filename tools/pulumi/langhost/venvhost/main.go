// Command pulumi-language-python runs the pinned v3.68 Python language host the way a current
// Pulumi CLI runs its own: with the project's `runtime.options.virtualenv`.
//
// The v3.274 engine starts the language host in the project directory and passes runtime
// options only inside RPC requests, while the v3.68 host reads them only from its -virtualenv
// and -root flags. This wrapper reads Pulumi.yaml from the project directory, resolves the
// virtualenv (relative to the project, or absolute), refuses with a message naming the path when
// it is not a virtual environment, and execs the real host with those flags.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"gopkg.in/yaml.v3"
)

// realHost is the v3.68 host's file name, next to this wrapper.
const realHost = "pulumi-language-python-v3.68"

type project struct {
	Runtime yaml.Node `yaml:"runtime"`
}

type runtimeOptions struct {
	Options struct {
		Virtualenv string `yaml:"virtualenv"`
	} `yaml:"options"`
}

func main() {
	self, err := os.Executable()
	if err != nil {
		fail("cannot find this executable: %v", err)
	}
	root, err := os.Getwd()
	if err != nil {
		fail("cannot read the working directory: %v", err)
	}
	args := []string{filepath.Join(filepath.Dir(self), realHost)}
	virtualenv, err := projectVirtualenv(root)
	if err != nil {
		fail("%v", err)
	}
	if virtualenv != "" {
		path := virtualenv
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if problem := notAVirtualenv(path); problem != "" {
			fail("The 'virtualenv' option in %s is set to %q, but %s %s.\n"+
				"Create it and install the program's dependencies into it, for example:\n"+
				"    python3 -m venv %s\n    %s -m pip install -r %s\n",
				filepath.Join(root, "Pulumi.yaml"), virtualenv, path, problem,
				path, filepath.Join(path, "bin", "python"), filepath.Join(root, "requirements.txt"))
		}
		args = append(args, "-virtualenv="+path, "-root="+root)
	}
	args = append(args, os.Args[1:]...)
	if err := syscall.Exec(args[0], args, os.Environ()); err != nil {
		fail("cannot start the language host %s: %v", args[0], err)
	}
}

// projectVirtualenv is runtime.options.virtualenv of the Pulumi.yaml (or .yml) in root, or "".
func projectVirtualenv(root string) (string, error) {
	for _, name := range []string{"Pulumi.yaml", "Pulumi.yml"} {
		data, err := os.ReadFile(filepath.Join(root, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		var p project
		if err := yaml.Unmarshal(data, &p); err != nil {
			return "", fmt.Errorf("%s: %w", filepath.Join(root, name), err)
		}
		if p.Runtime.Kind != yaml.MappingNode { // `runtime: python` has no options
			return "", nil
		}
		var r runtimeOptions
		if err := p.Runtime.Decode(&r); err != nil {
			return "", fmt.Errorf("%s: runtime: %w", filepath.Join(root, name), err)
		}
		return r.Options.Virtualenv, nil
	}
	return "", nil
}

// notAVirtualenv says what is wrong with path as a virtual environment, or "".
func notAVirtualenv(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return "does not exist"
	}
	if !info.IsDir() {
		return "is not a directory"
	}
	if _, err := os.Stat(filepath.Join(path, "bin", "python")); err != nil {
		return "is not a virtual environment (it has no bin/python)"
	}
	return ""
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "error: "+format+"\n", a...)
	os.Exit(1)
}
