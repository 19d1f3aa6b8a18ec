#!/usr/bin/env bash
# gzip.sh BIN... — the kit's features lists as desktop clients send them: with
# `Accept-Encoding: gzip, deflate` (Qt's, hence QGIS's; GDAL 3.6 sends gzip; wrk and the kit send
# none, so bench/run.sh measures answers no desktop client gets). pg_featureserv 1.3.1 (gorilla's
# CompressHandler) and each BIN (a build of Socle, on PostGIS, feature cache off) serve the kit's
# territory in the bench database; the kit's
# wrk settings and cycle.lua, a fresh process per server and list (pg_featureserv's pool, see the
# kit's run-peers.sh), warm-up with 4 connections. Servers run in turn and then in reverse order
# (ABBA), ROUNDS times. One line per run: req/s, p50, p99, the process's CPU per request and the
# bytes per request on the wire (compressed).
# Needs `STEPS="build data" bench/run.sh` first (the database and pg_featureserv's binary).
# Env: ROUNDS (1), DURATION (10s), WARMUP (3s), CONNS (32), LISTS (items_l100 item_by_id
# items_l1000 filter_commune; with PEER=0 the kit's tile lists too, e.g. tiles_addresses_z12),
# ENCODING (the header's value, "gzip, deflate"; empty: no header, as the kit), DB_NAME (bench),
# KIT (shared/bench beside the repository's directory), CACHE_DIR and PG_FEATURESERV_BIN (as
# bench/run.sh), SOCLE_ADDR (127.0.0.1:8090), FS_PORT (9000);
# GPKG: Socle serves a copy of this GeoPackage (the embedded store) instead of the database, tile
# cache off; PEER=0: no pg_featureserv; ONE_PROCESS=1: one Socle process per build and round runs
# every list in turn (what a list leaves behind weighs on the next; pg_featureserv not run);
# SOCLE_FLAGS: more `socle serve` flags (e.g. --tile-cache-bytes -1 for the tile lists on PostGIS).
# A BIN named ceiling-socle or ceiling-pgfs runs bench/ceiling (CEILING_BIN, built from this
# repository if unset) with Socle's or pg_featureserv's SQL: the least a Go server does for
# items_l100 and item_by_id (see bench/ceiling/main.go).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KIT="${KIT:-$HERE/../../shared/bench}"
CACHE_DIR="${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/socle-bench}"
PG_FEATURESERV_BIN="${PG_FEATURESERV_BIN:-$CACHE_DIR/pgfs/pg_featureserv}"
[ $# -gt 0 ] || { echo "usage: gzip.sh SOCLE_BIN..." >&2; exit 2; }
[ -x "$PG_FEATURESERV_BIN" ] || { echo "no pg_featureserv at $PG_FEATURESERV_BIN: run STEPS=build bench/run.sh" >&2; exit 2; }
ROUNDS="${ROUNDS:-1}"; DURATION="${DURATION:-10s}"; WARMUP="${WARMUP:-3s}"; CONNS="${CONNS:-32}"
LISTS="${LISTS:-items_l100 item_by_id items_l1000 filter_commune}"
ENCODING="${ENCODING-gzip, deflate}"
HDR=(); [ -z "$ENCODING" ] || HDR=(-H "Accept-Encoding: $ENCODING")
DB_URL="postgresql://postgres@127.0.0.1:5432/${DB_NAME:-bench}?sslmode=disable"
SOCLE_ADDR="${SOCLE_ADDR:-127.0.0.1:8090}"; FS_PORT="${FS_PORT:-9000}"
case "$SOCLE_ADDR" in 127.0.0.1:*) ;; *) echo "SOCLE_ADDR must be on 127.0.0.1" >&2; exit 2;; esac
TMP="$(mktemp -d -t socle-gzip.XXXXXX)"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
if [[ " $* " == *" ceiling-"* ]] && [ -z "${CEILING_BIN:-}" ]; then
  CEILING_BIN="$TMP/ceiling"; (cd "$HERE/.." && go build -o "$CEILING_BIN" ./bench/ceiling)
fi

bash "$KIT/make-paths.sh" "$TMP/fs" > /dev/null
ITEMS_TPL='/collections/{collection}/items?f=json&limit={limit}&bbox={bbox}' \
ITEM_TPL='/collections/{collection}/items/{id}?f=json' \
FILTER_TPL='/collections/{collection}/items?f=json&limit=100&commune_insee={insee}' \
TILE_TPL='/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}' \
ADDR_COLLECTION=addresses ROADS_LAYER=roads ADDR_LAYER=addresses bash "$KIT/make-paths.sh" "$TMP/socle" > /dev/null
cat > "$TMP/pg_featureserv.toml" <<EOF
[Server]
HttpHost = "127.0.0.1"
HttpPort = $FS_PORT
UrlBase = "http://127.0.0.1:$FS_PORT"
AssetsPath = "$(dirname "$PG_FEATURESERV_BIN")/assets"
[Database]
DbConnection = "$DB_URL"
EOF

start() { # server: "pg_featureserv", "ceiling-socle", "ceiling-pgfs" or a Socle binary; sets PID and BASE
  if [[ "$1" == ceiling-* ]]; then
    "$CEILING_BIN" -sql "${1#ceiling-}" -addr "$SOCLE_ADDR" -database-url "$DB_URL" > "$TMP/server.log" 2>&1 &
    PID=$!; BASE="http://$SOCLE_ADDR"; ready="$BASE/collections/addresses/items/1"
  elif [ "$1" = pg_featureserv ]; then
    "$PG_FEATURESERV_BIN" --config "$TMP/pg_featureserv.toml" > "$TMP/server.log" 2>&1 &
    PID=$!; BASE="http://127.0.0.1:$FS_PORT"; ready="$BASE/collections.json"
  elif [ -n "${GPKG:-}" ]; then
    cp "$GPKG" "$TMP/run.gpkg"
    "$1" serve --addr "$SOCLE_ADDR" --data "$TMP/run.gpkg" --log-level warn --rate-limit 0 \
      --feature-cache-bytes -1 --tile-cache-bytes -1 ${SOCLE_FLAGS:-} > "$TMP/server.log" 2>&1 &
    PID=$!; BASE="http://$SOCLE_ADDR"; ready="$BASE/readyz"
  else
    "$1" serve --addr "$SOCLE_ADDR" --database-url "$DB_URL" --log-level warn --rate-limit 0 \
      --feature-cache-bytes -1 ${SOCLE_FLAGS:-} > "$TMP/server.log" 2>&1 &
    PID=$!; BASE="http://$SOCLE_ADDR"; ready="$BASE/readyz"
  fi
  for _ in $(seq 1 200); do curl -fsS -o /dev/null "$ready" 2>/dev/null && return 0; sleep 0.1; done
  echo "$1 did not come up: $(tail -3 "$TMP/server.log")" >&2; exit 1
}

measure() { # server list [running: the server is up, leave it so]
  local server="$1" list="$2" running="${3:-}" paths
  if [ "$server" = pg_featureserv ]; then paths="$TMP/fs/$list.txt"; else paths="$TMP/socle/$list.txt"; fi
  [ -n "$running" ] || start "$server"
  # Compressed or not: what the server sends such a client (asked first: pg_featureserv's pool may
  # be stuck after wrk drops its requests in flight).
  local enc; enc="$(curl -s -m 10 -o /dev/null -D - "${HDR[@]}" "$BASE$(head -1 "$paths")" | tr -d '\r' |
    awk -F': ' 'tolower($1)=="content-encoding" {print $2}')"
  WRK_PATHS="$paths" wrk -t2 -c4 -d"$WARMUP" --timeout 30s "${HDR[@]}" -s "$KIT/cycle.lua" "$BASE" > /dev/null
  read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$PID/stat")
  WRK_PATHS="$paths" wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 30s --latency "${HDR[@]}" \
    -s "$KIT/cycle.lua" "$BASE" > "$TMP/wrk.txt"
  read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$PID/stat")
  [ -n "$running" ] || { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }
  python3 - "$server" "$list" "$((u1 - u0 + s1 - s0))" "$(getconf CLK_TCK)" "${enc:-none}" "$(sed -n 's/^WRKJSON //p' "$TMP/wrk.txt")" <<'PY'
import json, os, sys
server, lst, ticks, hz, enc, j = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], json.loads(sys.argv[6])
n = j["requests"]
errs = j["non2xx"] + j["err_connect"] + j["err_read"] + j["err_write"] + j["err_timeout"]
name = server if server == "pg_featureserv" else os.path.basename(server)
print(f"{name:16s} {lst:15s} req/s {j['rps']:9.1f}  p50 {j['p50_ms']:7.2f}  p99 {j['p99_ms']:7.2f} ms  "
      f"cpu {ticks / hz / n * 1e6:7.1f} µs/req  {j['bytes'] / n / 1024:6.1f} KiB/req  {enc:5s} errors {errs}")
PY
}

echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg); Accept-Encoding: ${ENCODING:-none}; $DURATION, $CONNS connections"
servers=("$@")
[ "${PEER:-1}" = 0 ] || [ "${ONE_PROCESS:-0}" = 1 ] || servers=(pg_featureserv "$@")
for _ in $(seq 1 "$ROUNDS"); do
  if [ "${ONE_PROCESS:-0}" = 1 ]; then
    for s in "${servers[@]}" $(printf '%s\n' "${servers[@]}" | tac); do
      start "$s"
      for list in $LISTS; do measure "$s" "$list" running; done
      kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
    done
    continue
  fi
  for list in $LISTS; do
    for s in "${servers[@]}"; do measure "$s" "$list"; done
    for ((i = ${#servers[@]} - 1; i >= 0; i--)); do measure "${servers[$i]}" "$list"; done
  done
done
