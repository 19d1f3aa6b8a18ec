#!/usr/bin/env bash
# bench/run.sh — Socle against CrunchyData pg_featureserv 1.3.1 on the same data (the bench kit's
# territory, 250 000 addresses) and the same requests (the kit's requests/), in one sitting, with
# the kit's wrk settings. The bench kit ($KIT) is not in this repository (see bench/README.md).
# Everything from scratch and idempotent:
#
#   data    create the database if missing; load $KIT/territory.sql into public.* (skipped
#           when the four tables already hold the scale-1 counts); `socle migrate`; copy public.*
#           into socle.* (bench/load-bench-territory.sql: in the geometries' order, as Socle's
#           imports write rows; LOAD_ORDER=id for the kit's order); check ids and geometries are identical
#   build   go build Socle from this repo (-> $SOCLE_BIN); build pg_featureserv $PGFS_TAG from a
#           bare git dir ($PGFS_GIT, e.g. from the search tool's fetch) into $PGFS_DIR if missing
#   peers   $KIT/run-peers.sh: pg_featureserv, the four features scenarios (fresh process each)
#   peers_np  the same with max_parallel_workers_per_gather=0 on pg_featureserv's connections (Socle's
#           setting), optional
#   socle   start `socle serve` on $SOCLE_ADDR, $KIT/run-server.sh, the same four scenarios
#           (tile scenarios not run: this comparison is about Features); filter = Socle's simple
#           property filter
#   socle_cql2  Socle's filter scenario with the kit's CQL2 template instead, optional
#   socle_uncached  the socle step's bbox-limit-100 and items/{id} lists with Socle's feature cache
#           off (--feature-cache-bytes -1): every single feature read from PostgreSQL, as a first
#           visit is (issue 18), optional; e.g. STEPS="build peers socle_uncached socle_uncached peers report"
#   pages   first page vs last page of addresses sorted by id, limit 1000: Socle's last page reached
#           through its next links (bench/walk-pages.py), pg_featureserv's through offset=249000;
#           wrk on each single URL at 1 and 4 connections ($PAGE_DURATION each, fresh pg_featureserv)
#   floor   $KIT/floor-postgis.sh (features scenarios) and bench/floor-socle.sh
#   tileserv  pg_tileserv ($PGTS_TAG, built by `build` from $PGTS_GIT into $PGTS_DIR): the kit's tile
#           lists, roads and addresses at z12/z14/z16, a fresh process per scenario
#   socle_tiles  Socle on PostGIS, the same tile lists without its tile cache, then with it
#   gpkg    write the embedded store's GeoPackage ($GPKG) from socle.* with `socle copy`
#   embedded  Socle on $GPKG: start-up time and peak RSS, features scenarios and tiles without
#           cache, tiles with cache
#   report  bench/report.py -> $OUT_DIR/summary.md (features), bench/report-tiles.py -> tiles.md
# Steps run in the order STEPS lists them.
#
# Env (defaults): STEPS ("build data peers socle socle peers pages floor report"; a step may repeat:
#   each peers/socle round writes its own pg_featureserv-N/socle-N dir), DB_NAME (bench),
#   OUT_DIR (a new directory from mktemp -d in $TMPDIR, socle-bench-<UTC ts>.XXXXXX),
#   KIT (the bench kit: shared/bench beside the repository's directory, i.e. bench/../../shared/bench),
#   CACHE_DIR (${XDG_CACHE_HOME:-$HOME/.cache}/socle-bench: what is kept from one run to the next),
#   SOCLE_BIN ($CACHE_DIR/socle), SOCLE_ADDR (127.0.0.1:8090), PGFS_DIR ($CACHE_DIR/pgfs),
#   PGFS_TAG (v1.3.1), PGFS_GIT (none: a bare git directory of github.com/CrunchyData/pg_featureserv,
#   needed to build it when $PG_FEATURESERV_BIN is missing), PG_FEATURESERV_BIN ($PGFS_DIR/pg_featureserv),
#   THREADS 2 CONNS 32 DURATION 25s WARMUP 5s (the kit's, the same for both servers), PAGE_DURATION 10s,
#   FLOOR_DURATION 15, SOCLE_FLAGS (extra `socle serve` flags, e.g. --max-conns 4), PGTS_DIR ($CACHE_DIR/pgts),
#   PGTS_TAG (v1.0.11), PGTS_GIT (none: a bare git directory of github.com/CrunchyData/pg_tileserv; without
#   it pg_tileserv is not built), GPKG ($CACHE_DIR/socle-bench.gpkg), TILE_CACHE_BYTES (268435456, Socle's default),
#   TILE_SCENARIOS (the six tile lists) and EMB_FEATURE_SCENARIOS (the four features lists): what the tile and
#   embedded steps run, e.g. a subset when comparing settings. Socle inherits the environment (GOGC, GOMEMLIMIT).
# Socle runs with --rate-limit 0: wrk's thousands of requests a second from one address are what
# its per-address limit is there to refuse.
# Only 127.0.0.1 is ever contacted. Nothing is written in the repo but the summary you copy by hand.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
KIT="${KIT:-$HERE/../../shared/bench}"
CACHE_DIR="${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/socle-bench}"
# Default: ABBA order (pg_featureserv, Socle, Socle, pg_featureserv) so that a drift of the machine's
# load over the run weighs on both servers alike; report.py averages the rounds.
STEPS="${STEPS:-build data peers socle socle peers pages floor report}"
DB_NAME="${DB_NAME:-bench}"
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
# DB_URL_QUERY: parameters added to the URL both servers get, e.g. sslmode=disable (without it, pgx
# in pg_featureserv negotiates TLS on the loopback and Socle does not: see README, --database-url).
export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$DB_NAME${DB_URL_QUERY:+?$DB_URL_QUERY}"
SOCLE_BIN="${SOCLE_BIN:-$CACHE_DIR/socle}"
SOCLE_ADDR="${SOCLE_ADDR:-127.0.0.1:8090}"
case "$SOCLE_ADDR" in 127.0.0.1:*) ;; *) echo "SOCLE_ADDR must be on 127.0.0.1" >&2; exit 2;; esac
PGFS_DIR="${PGFS_DIR:-$CACHE_DIR/pgfs}"; PGFS_TAG="${PGFS_TAG:-v1.3.1}"
PGFS_GIT="${PGFS_GIT:-}"
export PG_FEATURESERV_BIN="${PG_FEATURESERV_BIN:-$PGFS_DIR/pg_featureserv}"
export PG_FEATURESERV_ASSETS="${PG_FEATURESERV_ASSETS:-$PGFS_DIR/assets}"
PGTS_DIR="${PGTS_DIR:-$CACHE_DIR/pgts}"; PGTS_TAG="${PGTS_TAG:-v1.0.11}"
PGTS_GIT="${PGTS_GIT:-}"
export PG_TILESERV_BIN="${PG_TILESERV_BIN:-$PGTS_DIR/pg_tileserv}"
export PG_TILESERV_ASSETS="${PG_TILESERV_ASSETS:-$PGTS_DIR/assets}"
GPKG="${GPKG:-$CACHE_DIR/socle-bench.gpkg}"
TILE_CACHE_BYTES="${TILE_CACHE_BYTES:-268435456}"
export THREADS="${THREADS:-2}" CONNS="${CONNS:-32}" DURATION="${DURATION:-25s}" WARMUP="${WARMUP:-5s}"
PAGE_DURATION="${PAGE_DURATION:-10s}"
export FLOOR_DURATION="${FLOOR_DURATION:-15}"
# Every step but build, gpkg and report reads the kit: check it is there before anything starts.
for st in $STEPS; do
  case "$st" in build|gpkg|report) ;; *)
    [ -f "$KIT/cycle.lua" ] && [ -d "$KIT/requests" ] || {
      echo "no bench kit at $KIT (step $st needs it): set KIT to the kit's directory (cycle.lua, requests/, run-server.sh, run-peers.sh, territory.sql)" >&2
      exit 2
    }
    KIT="$(cd "$KIT" && pwd)"; break ;;
  esac
done
mkdir -p "$CACHE_DIR" "$(dirname "$SOCLE_BIN")" "$(dirname "$GPKG")"
OUT_DIR="${OUT_DIR:-$(mktemp -d -t "socle-bench-$(date -u +%Y%m%dT%H%M%SZ).XXXXXX")}"
mkdir -p "$OUT_DIR"
FS_PORT=9000
SOCLE_PID=""; PGFS_PID=""; LOAD_PID=""
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT_DIR/run.log"; }

cleanup() {
  for p in $SOCLE_PID $PGFS_PID $LOAD_PID; do kill "$p" 2>/dev/null || true; done
  for p in $SOCLE_PID $PGFS_PID $LOAD_PID; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# Machine load, sampled every 5 s for the whole run (bench/loadmon.py): load averages, CPU busy
# share of the whole machine, and the part of it taken by other users' processes.
phase() { echo "$1" > "$OUT_DIR/.phase"; log "phase $1 — uptime: $(uptime)"; }
phase start
# appended to, so that a second invocation on the same OUT_DIR (e.g. STEPS=peers_np) keeps the first's
if [ -s "$OUT_DIR/load.tsv" ]; then
  python3 "$HERE/loadmon.py" "$OUT_DIR/.phase" 5 --no-header >> "$OUT_DIR/load.tsv" & LOAD_PID=$!
else
  python3 "$HERE/loadmon.py" "$OUT_DIR/.phase" 5 > "$OUT_DIR/load.tsv" & LOAD_PID=$!
fi

wait_http() { for _ in $(seq 1 150); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done; echo "no answer from $1" >&2; return 1; }
port_free() { ! curl -s -o /dev/null -m 2 "http://$1/" 2>/dev/null; }

# ------------------------------------------------------------------------------------- versions
{
  echo "date_utc: $(date -u +%FT%TZ)"
  echo "host: $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/Mem:/{print $2}') GiB RAM, kernel $(uname -r)"
  echo "go: $(go version)"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "postgres: $(psql -d postgres -Atc 'SHOW server_version')"
  echo "postgres settings: $(psql -d postgres -Atc "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers','work_mem','jit','max_parallel_workers_per_gather','max_connections','random_page_cost','effective_cache_size')")"
  echo "socle: $(git -C "$REPO" rev-parse --short HEAD)$([ -z "$(git -C "$REPO" status --porcelain -- . ':!bench' ':!docs' 2>/dev/null)" ] || echo " + uncommitted or untracked files in the work tree: $(git -C "$REPO" status --porcelain -- . ':!bench' ':!docs' | wc -l)")"
  [ -x "$SOCLE_BIN" ] && echo "socle binary at start: $SOCLE_BIN, built $(date -u -r "$SOCLE_BIN" +%FT%TZ) (the build step, if any, rebuilds it)"
  echo "pg_featureserv: $PGFS_TAG ($PG_FEATURESERV_BIN)"
  echo "settings: THREADS=$THREADS CONNS=$CONNS DURATION=$DURATION WARMUP=$WARMUP PAGE_DURATION=$PAGE_DURATION FLOOR_DURATION=$FLOOR_DURATION SOCLE_FLAGS=${SOCLE_FLAGS:-}"
  echo "steps: $STEPS"
  echo
} >> "$OUT_DIR/versions.txt"

# ------------------------------------------------------------------------------------- data
step_data() {
  phase data
  if ! psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    createdb "$DB_NAME"
  fi
  counts="$(psql -d "$DB_NAME" -Atc "SELECT (SELECT count(*) FROM public.communes) || ' ' || (SELECT count(*) FROM public.roads) || ' ' || (SELECT count(*) FROM public.addresses) || ' ' || (SELECT count(*) FROM public.landcover)" 2>/dev/null || true)"
  if [ "$counts" != "40 120000 250000 60000" ]; then
    log "loading $KIT/territory.sql (scale 1)"
    psql -d "$DB_NAME" -v ON_ERROR_STOP=1 -q -f "$KIT/territory.sql" >> "$OUT_DIR/data.log"
  fi
  # What autovacuum would have done by now, for the peers' tables too (see load-bench-territory.sql).
  for t in communes roads addresses landcover; do psql -d "$DB_NAME" -q -c "VACUUM ANALYZE public.$t"; done
  [ -x "$SOCLE_BIN" ] || (cd "$REPO" && go build -o "$SOCLE_BIN" ./cmd/socle)
  "$SOCLE_BIN" migrate --database-url "$DATABASE_URL" >> "$OUT_DIR/data.log" 2>&1
  log "copying public.* into socle.*"
  psql -d "$DB_NAME" -v ON_ERROR_STOP=1 -v order="${LOAD_ORDER:-geom}" -q -f "$HERE/load-bench-territory.sql" >> "$OUT_DIR/data.log"
  diff="$(psql -d "$DB_NAME" -Atc "
    SELECT (SELECT count(*) FROM public.addresses a FULL JOIN socle.addresses s USING (id) WHERE a.geom::bytea IS DISTINCT FROM s.geom::bytea)
         + (SELECT count(*) FROM public.roads a FULL JOIN socle.roads s USING (id) WHERE a.geom::bytea IS DISTINCT FROM s.geom::bytea)
         + (SELECT count(*) FROM public.landcover a FULL JOIN socle.land_cover s USING (id) WHERE a.geom::bytea IS DISTINCT FROM s.geom::bytea)
         + (SELECT count(*) FROM public.communes a FULL JOIN socle.communes s USING (insee) WHERE a.geom::bytea IS DISTINCT FROM s.geom::bytea)")"
  [ "$diff" = 0 ] || { log "public.* and socle.* differ in $diff rows"; exit 1; }
  log "data ready: public.* and socle.* hold identical ids and geometries"
}

# ------------------------------------------------------------------------------------- build
step_build() {
  phase build
  (cd "$REPO" && go build -o "$SOCLE_BIN" ./cmd/socle)
  log "built $SOCLE_BIN from $(git -C "$REPO" rev-parse --short HEAD) and the work tree"
  echo "socle binary rebuilt at $(date -u +%FT%TZ) from $(git -C "$REPO" rev-parse --short HEAD) and the work tree" >> "$OUT_DIR/versions.txt"
  if [ ! -x "$PG_FEATURESERV_BIN" ]; then
    [ -n "$PGFS_GIT" ] && [ -d "$PGFS_GIT" ] || { echo "no pg_featureserv binary at $PG_FEATURESERV_BIN: set PGFS_GIT to a bare git directory of github.com/CrunchyData/pg_featureserv to build it" >&2; exit 1; }
    rm -rf "$PGFS_DIR"; mkdir -p "$PGFS_DIR"
    git --git-dir="$PGFS_GIT" archive "$PGFS_TAG" | tar -x -C "$PGFS_DIR"
    (cd "$PGFS_DIR" && go build -o "$PG_FEATURESERV_BIN" .)
    log "built pg_featureserv $PGFS_TAG"
  fi
  if [ ! -x "$PG_TILESERV_BIN" ] && [ -n "$PGTS_GIT" ] && [ -d "$PGTS_GIT" ]; then
    rm -rf "$PGTS_DIR"; mkdir -p "$PGTS_DIR"
    git --git-dir="$PGTS_GIT" archive "$PGTS_TAG" | tar -x -C "$PGTS_DIR"
    (cd "$PGTS_DIR" && go build -o "$PG_TILESERV_BIN" .)
    log "built pg_tileserv $PGTS_TAG"
  fi
}

# ------------------------------------------------------------------------------------- peers
PEERS_ROUND=0; SOCLE_ROUND=0
step_peers() {
  PEERS_ROUND=$((PEERS_ROUND + 1))
  phase "peers-$PEERS_ROUND"
  port_free "127.0.0.1:$FS_PORT" || { echo "something already answers on 127.0.0.1:$FS_PORT" >&2; exit 1; }
  SCENARIOS="fs_items_bbox_l1000 fs_items_bbox_l100 fs_item_by_id fs_filter_commune" \
  PG_TILESERV_BIN="" OUT_DIR="$OUT_DIR/pg_featureserv-$PEERS_ROUND" FS_PORT=$FS_PORT \
    "$KIT/run-peers.sh" 2>&1 | tee "$OUT_DIR/peers-$PEERS_ROUND.log"
}

# peers_np: the same pg_featureserv scenarios with Socle's session setting
# max_parallel_workers_per_gather = 0 (a runtime parameter in the connection URL, which pgx passes
# on), to separate that PostgreSQL setting from the servers' own work. Not in the default STEPS.
NP_ROUND=0
step_peers_np() {
  NP_ROUND=$((NP_ROUND + 1))
  phase "peers_np-$NP_ROUND"
  port_free "127.0.0.1:$FS_PORT" || { echo "something already answers on 127.0.0.1:$FS_PORT" >&2; exit 1; }
  SCENARIOS="fs_items_bbox_l1000 fs_items_bbox_l100 fs_item_by_id fs_filter_commune" \
  DATABASE_URL="$DATABASE_URL$(if [ -n "${DB_URL_QUERY:-}" ]; then echo '&'; else echo '?'; fi)max_parallel_workers_per_gather=0" \
  PG_TILESERV_BIN="" OUT_DIR="$OUT_DIR/pg_featureserv_np-$NP_ROUND" FS_PORT=$FS_PORT \
    "$KIT/run-peers.sh" 2>&1 | tee "$OUT_DIR/peers_np-$NP_ROUND.log"
}

# ------------------------------------------------------------------------------------- socle
start_socle() {
  port_free "$SOCLE_ADDR" || { echo "something already answers on $SOCLE_ADDR" >&2; exit 1; }
  # shellcheck disable=SC2086
  "$SOCLE_BIN" serve --addr "$SOCLE_ADDR" --database-url "$DATABASE_URL" --log-level warn --rate-limit 0 ${SOCLE_FLAGS:-} \
    > "$OUT_DIR/socle.log" 2>&1 &
  SOCLE_PID=$!
  wait_http "http://$SOCLE_ADDR/readyz"
}
stop_socle() { [ -n "$SOCLE_PID" ] && { kill "$SOCLE_PID"; wait "$SOCLE_PID" 2>/dev/null || true; SOCLE_PID=""; }; }
step_socle() {
  SOCLE_ROUND=$((SOCLE_ROUND + 1))
  phase "socle-$SOCLE_ROUND"
  start_socle
  BASE_URL="http://$SOCLE_ADDR" SERVER_PID="$SOCLE_PID" NAME=socle OUT_DIR="$OUT_DIR/socle-$SOCLE_ROUND" \
  ITEMS_TPL='/collections/{collection}/items?f=json&limit={limit}&bbox={bbox}' \
  ITEM_TPL='/collections/{collection}/items/{id}?f=json' \
  FILTER_TPL='/collections/{collection}/items?f=json&limit=100&commune_insee={insee}' \
  TILE_TPL='/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt' \
  ADDR_COLLECTION=addresses ROADS_LAYER=roads ADDR_LAYER=addresses \
  SCENARIOS="items_bbox_l1000 items_bbox_l100 item_by_id filter_commune" \
    "$KIT/run-server.sh" 2>&1 | tee "$OUT_DIR/socle-run-$SOCLE_ROUND.log"
  echo "socle RSS after the run: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$SOCLE_PID/status")" >> "$OUT_DIR/socle-run-$SOCLE_ROUND.log"
  stop_socle
}

# socle_uncached: the bbox-limit-100 and single-feature scenarios without the feature cache, which
# would otherwise answer the kit's 200 repeated ids from memory. Not in the default STEPS.
UNCACHED_ROUND=0
step_socle_uncached() {
  UNCACHED_ROUND=$((UNCACHED_ROUND + 1))
  phase "socle_uncached-$UNCACHED_ROUND"
  SOCLE_FLAGS="${SOCLE_FLAGS:-} --feature-cache-bytes -1" start_socle
  BASE_URL="http://$SOCLE_ADDR" SERVER_PID="$SOCLE_PID" NAME=socle OUT_DIR="$OUT_DIR/socle_uncached-$UNCACHED_ROUND" \
  ITEMS_TPL='/collections/{collection}/items?f=json&limit={limit}&bbox={bbox}' \
  ITEM_TPL='/collections/{collection}/items/{id}?f=json' \
  ADDR_COLLECTION=addresses SCENARIOS="items_bbox_l100 item_by_id" \
    "$KIT/run-server.sh" 2>&1 | tee "$OUT_DIR/socle-uncached-$UNCACHED_ROUND.log"
  stop_socle
}

# socle_cql2: the filter scenario with the kit's own CQL2 template (filter=commune_insee='…'), i.e.
# the very request pg_featureserv gets, now that Socle has CQL2 filters. Not in the default STEPS.
CQL2_ROUND=0
step_socle_cql2() {
  CQL2_ROUND=$((CQL2_ROUND + 1))
  phase "socle_cql2-$CQL2_ROUND"
  start_socle
  BASE_URL="http://$SOCLE_ADDR" SERVER_PID="$SOCLE_PID" NAME=socle OUT_DIR="$OUT_DIR/socle_cql2-$CQL2_ROUND" \
  FILTER_TPL="/collections/{collection}/items?f=json&limit=100&filter=commune_insee%3D%27{insee}%27" \
  ADDR_COLLECTION=addresses SCENARIOS="filter_commune" \
    "$KIT/run-server.sh" 2>&1 | tee "$OUT_DIR/socle-cql2-$CQL2_ROUND.log"
  stop_socle
}

# ------------------------------------------------------------------------------------- tiles
# tileserv: pg_tileserv ($PG_TILESERV_BIN, built by `build` from $PGTS_GIT) on the kit's tile lists
# (roads and addresses at z12, z14, z16), a fresh process per scenario.
TS_ROUND=0
step_tileserv() {
  TS_ROUND=$((TS_ROUND + 1))
  phase "tileserv-$TS_ROUND"
  SCENARIOS="ts_roads_z12 ts_addresses_z12 ts_roads_z14 ts_addresses_z14 ts_roads_z16 ts_addresses_z16" \
  PG_FEATURESERV_BIN="" OUT_DIR="$OUT_DIR/pg_tileserv-$TS_ROUND" \
    "$KIT/run-peers.sh" 2>&1 | tee "$OUT_DIR/tileserv-$TS_ROUND.log"
}
TILE_SCENARIOS="${TILE_SCENARIOS:-tiles_roads_z12 tiles_addresses_z12 tiles_roads_z14 tiles_addresses_z14 tiles_roads_z16 tiles_addresses_z16}"
# run_socle_scenarios DIR SCENARIOS: the kit's run-server.sh against the running Socle.
run_socle_scenarios() {
  BASE_URL="http://$SOCLE_ADDR" SERVER_PID="$SOCLE_PID" NAME="$(basename "$1")" OUT_DIR="$1" \
  ITEMS_TPL='/collections/{collection}/items?f=json&limit={limit}&bbox={bbox}' \
  ITEM_TPL='/collections/{collection}/items/{id}?f=json' \
  FILTER_TPL='/collections/{collection}/items?f=json&limit=100&commune_insee={insee}' \
  TILE_TPL='/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}' \
  ADDR_COLLECTION=addresses ROADS_LAYER=roads ADDR_LAYER=addresses SCENARIOS="$2" \
    "$KIT/run-server.sh" 2>&1 | tee "$1.log"
  echo "RSS after the run: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$SOCLE_PID/status"), peak $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' "/proc/$SOCLE_PID/status")" >> "$1.log"
}
# socle_tiles: Socle on PostGIS, the same tile lists without its tile cache (every tile built by
# PostGIS), then with it (the kit's probe and warm-up fill it first: the measured run is hits).
SOCLE_TILES_ROUND=0
step_socle_tiles() {
  SOCLE_TILES_ROUND=$((SOCLE_TILES_ROUND + 1))
  phase "socle_tiles-$SOCLE_TILES_ROUND"
  SOCLE_FLAGS="${SOCLE_FLAGS:-} --tile-cache-bytes -1" start_socle
  run_socle_scenarios "$OUT_DIR/socle_tiles_nocache-$SOCLE_TILES_ROUND" "$TILE_SCENARIOS"
  stop_socle
  SOCLE_FLAGS="${SOCLE_FLAGS:-} --tile-cache-bytes $TILE_CACHE_BYTES" start_socle
  run_socle_scenarios "$OUT_DIR/socle_tiles_cache-$SOCLE_TILES_ROUND" "$TILE_SCENARIOS"
  stop_socle
}
# gpkg: the embedded store's GeoPackage of the same territory, written by `socle copy` from socle.*.
step_gpkg() {
  phase gpkg
  rm -f "$GPKG"
  /usr/bin/time -f "socle copy: %e s, peak RSS %M KB" "$SOCLE_BIN" copy --database-url "$DATABASE_URL" --log-level warn "$GPKG" \
    2>&1 | tee "$OUT_DIR/gpkg.log"
  ls -l "$GPKG" | tee -a "$OUT_DIR/gpkg.log"
}
# embedded: Socle on the GeoPackage (no database server): start-up time (process start to /readyz,
# i.e. open, load and index every collection) and peak RSS after it, then the features scenarios and
# the tile lists without cache, then the tiles with the cache.
EMB_ROUND=0
EMB_FEATURE_SCENARIOS="${EMB_FEATURE_SCENARIOS:-items_bbox_l1000 items_bbox_l100 item_by_id filter_commune}"
start_embedded() {
  port_free "$SOCLE_ADDR" || { echo "something already answers on $SOCLE_ADDR" >&2; exit 1; }
  local t0; t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$SOCLE_BIN" serve --addr "$SOCLE_ADDR" --data "$GPKG" --log-level warn --rate-limit 0 $1 > "$OUT_DIR/socle-embedded.log" 2>&1 &
  SOCLE_PID=$!
  for _ in $(seq 1 600); do curl -fsS -o /dev/null "http://$SOCLE_ADDR/readyz" 2>/dev/null && break; sleep 0.05; done
  local t1; t1=$(date +%s.%N)
  printf 'startup_s\t%.2f\tpeak_rss_mb\t%s\n' "$(echo "$t1 - $t0" | bc)" \
    "$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$SOCLE_PID/status")" | tee -a "$OUT_DIR/embedded-startup.tsv"
}
step_embedded() {
  EMB_ROUND=$((EMB_ROUND + 1))
  phase "embedded-$EMB_ROUND"
  start_embedded "--tile-cache-bytes -1"
  run_socle_scenarios "$OUT_DIR/embedded_nocache-$EMB_ROUND" "$EMB_FEATURE_SCENARIOS $TILE_SCENARIOS"
  stop_socle
  start_embedded "--tile-cache-bytes $TILE_CACHE_BYTES"
  run_socle_scenarios "$OUT_DIR/embedded_cache-$EMB_ROUND" "$TILE_SCENARIOS"
  stop_socle
}

# ------------------------------------------------------------------------------------- pages
# wrk_one NAME BASE PATH CONNS -> one line of pages.tsv
wrk_one() {
  local name="$1" base="$2" path="$3" c="$4" f="$OUT_DIR/pages/$1-c$4"
  printf '%s\n' "$path" > "$f.path"
  WRK_PATHS="$f.path" wrk -t1 -c1 -d2s --timeout 60s -s "$KIT/cycle.lua" "$base" > /dev/null   # warm-up
  WRK_PATHS="$f.path" wrk -t"$(( c < 2 ? 1 : 2 ))" -c"$c" -d"$PAGE_DURATION" --timeout 60s --latency -s "$KIT/cycle.lua" "$base" > "$f.wrk"
  python3 - "$name" "$c" "$path" "$(sed -n 's/^WRKJSON //p' "$f.wrk")" >> "$OUT_DIR/pages.tsv" <<'PY'
import json, sys
name, c, path, j = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
errs = j["err_connect"] + j["err_read"] + j["err_write"] + j["err_timeout"]
print(f'{name}\t{c}\t{j["requests"]}\t{j["rps"]:.1f}\t{j["p50_ms"]:.2f}\t{j["p99_ms"]:.2f}\t{j["mean_ms"]:.2f}\t{j["non2xx"]}\t{errs}\t{path}')
PY
  tail -1 "$OUT_DIR/pages.tsv"
}
start_pgfs() {
  port_free "127.0.0.1:$FS_PORT" || { echo "something already answers on 127.0.0.1:$FS_PORT" >&2; exit 1; }
  cat > "$OUT_DIR/pages/pg_featureserv.toml" <<EOF
[Server]
HttpHost = "127.0.0.1"
HttpPort = $FS_PORT
UrlBase = "http://127.0.0.1:$FS_PORT"
AssetsPath = "$PG_FEATURESERV_ASSETS"
[Database]
DbConnection = "$DATABASE_URL"
EOF
  "$PG_FEATURESERV_BIN" --config "$OUT_DIR/pages/pg_featureserv.toml" >> "$OUT_DIR/pages/pg_featureserv.log" 2>&1 &
  PGFS_PID=$!
  wait_http "http://127.0.0.1:$FS_PORT/collections.json"
}
stop_pgfs() { [ -n "$PGFS_PID" ] && { kill "$PGFS_PID"; wait "$PGFS_PID" 2>/dev/null || true; PGFS_PID=""; }; }
step_pages() {
  phase pages
  mkdir -p "$OUT_DIR/pages"
  printf 'url\tconns\trequests\trps\tp50_ms\tp99_ms\tmean_ms\tnon2xx\terrors\tpath\n' > "$OUT_DIR/pages.tsv"
  start_socle
  first='/collections/addresses/items?f=json&limit=1000'
  python3 "$HERE/walk-pages.py" "http://$SOCLE_ADDR" "$first" 2> "$OUT_DIR/pages/walk.log" | tee "$OUT_DIR/pages/walk.txt"
  last="$(sed -n 's/^WALK //p' "$OUT_DIR/pages/walk.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_path"])')"
  for c in 1 4; do
    wrk_one socle_first "http://$SOCLE_ADDR" "$first" $c
    wrk_one socle_last  "http://$SOCLE_ADDR" "$last" $c
  done
  stop_socle
  pfirst='/collections/public.addresses/items.json?limit=1000&sortby=id'
  plast='/collections/public.addresses/items.json?limit=1000&sortby=id&offset=249000'
  # a fresh pg_featureserv process per measurement (its pool can deadlock when wrk drops requests)
  for c in 1 4; do
    start_pgfs; wrk_one pgfs_first "http://127.0.0.1:$FS_PORT" "$pfirst" $c; stop_pgfs
    start_pgfs; wrk_one pgfs_last  "http://127.0.0.1:$FS_PORT" "$plast" $c; stop_pgfs
  done
}

# ------------------------------------------------------------------------------------- floor
step_floor() {
  phase floor
  SCENARIOS="pg_items_bbox_l1000 pg_items_bbox_l1000_fc pg_items_bbox_l100 pg_item_by_id pg_filter_commune" \
  OUT_DIR="$OUT_DIR/floor" "$KIT/floor-postgis.sh" 2>&1 | tee "$OUT_DIR/floor.log"
  KIT="$KIT" OUT_DIR="$OUT_DIR/floor" "$HERE/floor-socle.sh" 2>&1 | tee "$OUT_DIR/floor-socle.log"
}

step_report() {
  python3 "$HERE/report.py" "$OUT_DIR" > "$OUT_DIR/summary.md"
  cat "$OUT_DIR/summary.md"
  python3 "$HERE/report-tiles.py" "$OUT_DIR" > "$OUT_DIR/tiles.md"
  cat "$OUT_DIR/tiles.md"
}

# ------------------------------------------------------------------------------------- main
# Steps run in the order STEPS lists them (e.g. "socle peers" to measure Socle first).
for st in $STEPS; do
  case "$st" in data|build|peers|peers_np|socle|socle_uncached|socle_cql2|pages|floor|tileserv|socle_tiles|gpkg|embedded) "step_$st" ;; report) phase end; step_report ;;
    *) echo "unknown step $st" >&2; exit 2 ;; esac
done
phase end
log "results in $OUT_DIR"
