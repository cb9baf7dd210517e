#!/usr/bin/env bash
# Builds the pinned workflow tools into .tools/bin: rhysd/actionlint (the workflow linter
# `make lint` runs) and nektos/act (runs the GitOps workflow in the workflow tests). Each
# is its own module here (act/, actionlint/). Does nothing when the pins have not changed.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tools/go-tools"
bin="$root/.tools/bin"
act_version=v0.2.89           # must match tools/go-tools/act/go.mod
actionlint_version=v1.7.12    # must match tools/go-tools/actionlint/go.mod
stamp="$bin/.go-tools-pin"

pin=$(cat "$here/build.sh" "$here"/act/go.* "$here"/actionlint/go.* | sha256sum | cut -c1-16)-$(go env GOVERSION)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pin" ] && [ -x "$bin/act" ] && [ -x "$bin/actionlint" ]; then
  exit 0
fi

mkdir -p "$bin"
echo "setup: building actionlint $actionlint_version and act $act_version (about a minute the first time)"
(cd "$here/actionlint" && go build -trimpath -ldflags "-s -w" \
   -o "$bin/actionlint" github.com/rhysd/actionlint/cmd/actionlint)
(cd "$here/act" && go build -trimpath -ldflags "-s -w -X main.version=$act_version" \
   -o "$bin/act" github.com/nektos/act)
echo "$pin" > "$stamp"
echo "setup: actionlint $actionlint_version and act $act_version in $bin"
