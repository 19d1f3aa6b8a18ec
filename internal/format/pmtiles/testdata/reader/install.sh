#!/bin/sh
# Installs the independent PMTiles reader the Go tests of
# internal/format/pmtiles run with node (the pmtiles npm package, exactly
# the versions of package-lock.json) into node_modules/ here. Run once per
# machine before the tests (scripts/setup should call it, as it builds the
# web map's assets); the tests never install anything themselves.
# Needs node and npm; reaches only the npm registry.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
echo "internal/format/pmtiles/testdata/reader: pmtiles $(node -p 'require("./node_modules/pmtiles/package.json").version') installed"
