#!/bin/sh
# Installs the web map's front-end dependencies from package-lock.json and
# copies MapLibre GL JS into internal/server/assets/vendor/, which the Go
# binary embeds (//go:embed assets) and serves at {base}/assets/vendor/.
#
# Run it before `go build` for a binary whose pages show maps; without it the
# pages still work and the map area says the map library is missing.
# Needs node and npm; reaches only the npm registry (npm ci), nothing at run time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vendor="$here/../internal/server/assets/vendor"
cd "$here"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
dist="$here/node_modules/maplibre-gl/dist"
mkdir -p "$vendor"
cp "$dist/maplibre-gl.js" "$vendor/maplibre-gl.js"
cp "$dist/maplibre-gl.css" "$vendor/maplibre-gl.css"
cp "$dist/LICENSE.txt" "$vendor/maplibre-gl.LICENSE.txt"
version=$(node -p 'require("maplibre-gl/package.json").version')
printf 'maplibre-gl %s (BSD-3-Clause, see maplibre-gl.LICENSE.txt), copied by web/build.sh\n' "$version" > "$vendor/VERSIONS"
# The vendor directory is build output, never committed.
printf '*\n!.gitignore\n' > "$vendor/.gitignore"
echo "web/build.sh: maplibre-gl $version -> internal/server/assets/vendor/"
