#!/usr/bin/env bash
# Builds the pinned Pulumi CLI, the Python language host (behind a wrapper that hands it the
# project's virtualenv), the Node.js, Go and Pulumi YAML language hosts into .tools/bin, with the two
# scripts they need from the sdk/v3 module. Does nothing when the pin has not changed,
# and nothing at all when a compatible pulumi toolchain is already on PATH.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tools/pulumi"
bin="$root/.tools/bin"
cli_version=v3.274.1          # must match tools/pulumi/cli/go.mod
langhost_version=v3.68.0      # must match tools/pulumi/langhost/go.mod
gohost_version=v3.66.0        # must match tools/pulumi/gohost/go.mod
yaml_version=v1.25.0          # must match tools/pulumi/yaml/go.mod
stamp="$bin/.pin"

# A user's own pulumi (>= 3.200 with its Python, Node.js, Go and YAML language hosts) is good enough.
if [ -z "${OMICS_BUILD_PULUMI:-}" ] && command -v pulumi >/dev/null 2>&1 \
   && [ "$(command -v pulumi)" != "$bin/pulumi" ] && command -v pulumi-language-python >/dev/null 2>&1 \
   && command -v pulumi-language-yaml >/dev/null 2>&1 && command -v pulumi-language-nodejs >/dev/null 2>&1 \
   && command -v pulumi-language-go >/dev/null 2>&1; then
  minor=$(pulumi version 2>/dev/null | sed -nE 's/^v3\.([0-9]+)\..*/\1/p')
  if [ -n "$minor" ] && [ "$minor" -ge 200 ]; then
    echo "setup: using pulumi $(pulumi version) from PATH"
    exit 0
  fi
fi

pin=$(cat "$here/build.sh" "$here/cli/go.mod" "$here/cli/go.sum" "$here/langhost/go.mod" \
      "$here/langhost/go.sum" "$here/langhost/venvhost/main.go" "$here/gohost/go.mod" "$here/gohost/go.sum" "$here/yaml/go.mod" "$here/yaml/go.sum" | sha256sum | cut -c1-16)-$(go env GOVERSION)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pin" ] && [ -x "$bin/pulumi" ]; then
  exit 0
fi

mkdir -p "$bin"
echo "setup: building pulumi $cli_version, pulumi-language-python and -nodejs $langhost_version, -go $gohost_version, pulumi-language-yaml $yaml_version (a few minutes the first time)"
stampv=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
(cd "$here/cli" && go build -trimpath -ldflags "-s -w -X $stampv=$cli_version" \
   -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
(cd "$here/langhost" && go build -trimpath -ldflags "-s -w -X $stampv=$langhost_version" \
   -o "$bin/pulumi-language-python-v3.68" github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python)
# The host the engine starts: passes the project's runtime.options.virtualenv to the v3.68 host.
(cd "$here/langhost" && go build -trimpath -ldflags "-s -w" -o "$bin/pulumi-language-python" ./venvhost)
# TypeScript programs (with the generated SDK that tools/nodejs/build.sh builds).
(cd "$here/langhost" && go build -trimpath -ldflags "-s -w -X $stampv=$langhost_version" \
   -o "$bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs)
# Go programs (with the generated SDK in sdk/go).
(cd "$here/gohost" && go build -trimpath -ldflags "-s -w -X $stampv=$gohost_version" \
   -o "$bin/pulumi-language-go" github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go)
# Pulumi YAML programs (the native provider's examples), beside the pulumi binary.
(cd "$here/yaml" && go build -trimpath \
   -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$yaml_version" \
   -o "$bin/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml)

sdk=$(cd "$here/cli" && go mod download -json github.com/pulumi/pulumi/sdk/v3 | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"
install -m 0755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$bin/pulumi-resource-pulumi-python"
echo "$pin" > "$stamp"
echo "setup: $("$bin/pulumi" version) in $bin"
