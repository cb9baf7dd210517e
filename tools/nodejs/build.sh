#!/usr/bin/env bash
# Builds the healthomics TypeScript SDK (sdk/nodejs, generated) with the pinned Node.js packages
# of this folder into .tools/node: node_modules (npm ci of package-lock.json), the SDK compiled by
# tsc and packed as dist/omics-references-healthomics-<version>.tgz, and that package unpacked into
# node_modules so that a TypeScript program whose node_modules is this one runs with it.
# Does nothing when no pin changed; says so and does nothing without Node.js.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tools/nodejs"
out="$root/.tools/node"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: no node/npm on PATH: the TypeScript SDK is not built (its tests are skipped)"
  exit 0
fi
pin=$( (cat "$here/build.sh" "$here/package.json" "$here/package-lock.json"; node --version
        cd "$root/sdk/nodejs" && find . -type f | LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-16)
if [ -f "$out/.pin" ] && [ "$(cat "$out/.pin")" = "$pin" ]; then
  exit 0
fi

echo "setup: installing the pinned Node.js packages and building the TypeScript SDK into $out"
mkdir -p "$out"
cp "$here/package.json" "$here/package-lock.json" "$out/"
(cd "$out" && npm ci --no-audit --no-fund --loglevel=error)
rm -rf "$out/sdk" "$out/dist"
cp -R "$root/sdk/nodejs" "$out/sdk"
(cd "$out/sdk" && ../node_modules/.bin/tsc)
cp "$out/sdk/package.json" "$out/sdk/README.md" "$out/sdk/LICENSE" "$out/sdk/bin/"
mkdir -p "$out/dist" && (cd "$out" && npm pack --silent --pack-destination dist ./sdk/bin >/dev/null)
target="$out/node_modules/@omics-references/healthomics"
rm -rf "$target" && mkdir -p "$target"
tar -xzf "$out"/dist/omics-references-healthomics-*.tgz -C "$target" --strip-components=1
echo "$pin" > "$out/.pin"
echo "setup: $(ls "$out"/dist) in $out/dist"
