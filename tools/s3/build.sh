#!/usr/bin/env bash
# Builds the pinned S3 server the local endpoint stores objects in (versitygw, posix backend)
# into .tools/bin. Does nothing when the pin has not changed.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tools/s3"
bin="$root/.tools/bin"
version=v1.8.0                # must match tools/s3/go.mod
stamp="$bin/.versitygw-pin"

pin=$(cat "$here/build.sh" "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)-$(go env GOVERSION)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pin" ] && [ -x "$bin/versitygw" ]; then
  exit 0
fi

mkdir -p "$bin"
echo "setup: building versitygw $version, the local S3 server (about a minute the first time)"
(cd "$here" && go build -trimpath -ldflags "-s -w -X main.Version=$version" \
   -o "$bin/versitygw" github.com/versity/versitygw/cmd/versitygw)
echo "$pin" > "$stamp"
echo "setup: versitygw $version in $bin"
