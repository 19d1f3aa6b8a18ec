#!/usr/bin/env bash
# bench/sync.sh — the change feed and `socle sync` on the bench kit's territory (issue #17):
#
#   1. sync against full reload: Socle A serves the territory (PostGIS); B (a GeoPackage) syncs its
#      addresses whole (the full reload, timed), then after each batch changing 1 % of them on A
#      (one `socle import layer addresses` of 2,500 modified addresses) syncs again (timed); the
#      bytes are those the sync downloaded (its --report). ROUNDS rounds, ABAB.
#   2. feed throughput: one batch changing FEED_N addresses (100,000) on A, then its feed read to the
#      end by bench/walk-feed.py (pages of 10,000; plain, then coalesced), on PostGIS and, when
#      $GPKG exists (bench/run.sh's gpkg step), on the embedded store.
#
# Env (defaults): DB_NAME (bench_sync: a database of its own, made and loaded here), SCALE (1: the
#   kit's 250,000 addresses), KIT (shared/bench beside the repository's directory), CACHE_DIR
#   (${XDG_CACHE_HOME:-$HOME/.cache}/socle-bench), SOCLE_BIN ($CACHE_DIR/socle, rebuilt from the work
#   tree), ADDR_A (127.0.0.1:8091), ADDR_E (127.0.0.1:8092), OUT_DIR (a new mktemp -d directory),
#   ROUNDS (2), FEED_N (100000), GPKG ($CACHE_DIR/socle-bench.gpkg: copied, never changed).
# Only 127.0.0.1 is contacted. Results: $OUT_DIR/summary.md. 2 cores: nothing else heavy should run;
# the load is logged at every phase.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
KIT="${KIT:-$HERE/../../shared/bench}"
CACHE_DIR="${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/socle-bench}"
DB_NAME="${DB_NAME:-bench_sync}"
SCALE="${SCALE:-1}"
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
DB_URL="postgresql://postgres@127.0.0.1:5432/$DB_NAME"
SOCLE_BIN="${SOCLE_BIN:-$CACHE_DIR/socle}"
ADDR_A="${ADDR_A:-127.0.0.1:8091}"
ADDR_E="${ADDR_E:-127.0.0.1:8092}"
ROUNDS="${ROUNDS:-2}"
FEED_N="${FEED_N:-100000}"
GPKG="${GPKG:-$CACHE_DIR/socle-bench.gpkg}"
OUT_DIR="${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/socle-sync-bench-$(date -u +%Y%m%dT%H%M%SZ).XXXXXX")}"
[ -f "$KIT/territory.sql" ] || { echo "no bench kit at $KIT: set KIT to the kit's directory (territory.sql)" >&2; exit 2; }
mkdir -p "$CACHE_DIR" "$OUT_DIR"
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT_DIR/run.log"; }
phase() { log "phase $1 — uptime: $(uptime)"; }
row() { echo "$*" >> "$OUT_DIR/results.tsv"; }

serve() { # serve ADDR ARGS… : start socle serve, wait until ready
  local addr="$1"; shift
  "$SOCLE_BIN" serve --addr "$addr" --log-level warn --rate-limit 0 --rate-limit-address 0 --max-limit 10000 "$@" >> "$OUT_DIR/serve.log" 2>&1 &
  PIDS="$PIDS $!"
  for _ in $(seq 600); do curl -sf "http://$addr/readyz" >/dev/null && return 0; sleep 0.2; done
  log "socle serve on $addr never answered"; exit 1
}

# modified FILE N OFFSET: N addresses from OFFSET (by id) as a GeoJSON file in Lambert-93 with every
# property, their `source` changed, for `socle import layer addresses`.
modified() {
  psql -d "$DB_NAME" -Atq -v ON_ERROR_STOP=1 -c "COPY (
    SELECT json_build_object('type', 'FeatureCollection',
      'crs', json_build_object('type', 'name', 'properties', json_build_object('name', 'urn:ogc:def:crs:EPSG::2154')),
      'features', json_agg(json_build_object('type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(geom)::json,
        'properties', to_jsonb(a) - 'geom' - 'id' - 'batch' - 'fibre_status' - 'fibre_operator' - 'fibre_updated_at' - 'fibre_batch'
          || jsonb_build_object('source', CASE WHEN source = 'commune' THEN 'cadastre' ELSE 'commune' END))))
    FROM (SELECT * FROM socle.addresses ORDER BY id LIMIT $2 OFFSET $3) a) TO STDOUT" > "$1"
}

report_field() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); c=r["collections"][0]; print(c[sys.argv[2]])' "$@"; }

phase start
echo "commit $(git -C "$REPO" rev-parse --short HEAD), $(date -u +%FT%TZ), $(nproc) cores" > "$OUT_DIR/versions.txt"
(cd "$REPO" && go build -o "$SOCLE_BIN" ./cmd/socle)
printf 'what\tround\tseconds\tbytes\tentries\n' > "$OUT_DIR/results.tsv"

phase data
if ! psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
  createdb "$DB_NAME"
fi
log "loading the kit's territory (scale $SCALE) into $DB_NAME, then socle.*"
psql -d "$DB_NAME" -v ON_ERROR_STOP=1 -q -v scale="$SCALE" -f "$KIT/territory.sql" >> "$OUT_DIR/data.log"
"$SOCLE_BIN" migrate --database-url "$DB_URL" >> "$OUT_DIR/data.log" 2>&1
psql -d "$DB_NAME" -v ON_ERROR_STOP=1 -q -f "$HERE/load-bench-territory.sql" >> "$OUT_DIR/data.log"
psql -d "$DB_NAME" -q -c "VACUUM ANALYZE" >> "$OUT_DIR/data.log"
N_ADDR="$(psql -d "$DB_NAME" -Atc "SELECT count(*) FROM socle.addresses")"
ONE_PCT=$((N_ADDR / 100))
log "$N_ADDR addresses; 1 % = $ONE_PCT"

serve "$ADDR_A" --database-url "$DB_URL"
A="http://$ADDR_A"

sync_b() { # sync_b WHAT ROUND GPKG
  local t0 t1 rep="$OUT_DIR/$1-$2.json"
  t0=$(date +%s.%N)
  "$SOCLE_BIN" sync "$A" --collections addresses --data "$3" --log-level warn --report "$rep" >> "$OUT_DIR/sync.log" 2>&1
  t1=$(date +%s.%N)
  row "$1	$2	$(echo "$t1 - $t0" | bc)	$(report_field "$rep" bytes)	$(report_field "$rep" entries)"
  log "$1 round $2: $(echo "$t1 - $t0" | bc) s, $(report_field "$rep" bytes) bytes, mode $(report_field "$rep" mode)"
}

B="$OUT_DIR/b.gpkg"
for r in $(seq "$ROUNDS"); do
  phase "full-$r"
  rm -f "$B" "$OUT_DIR/full.gpkg"
  sync_b full "$r" "$B"
  phase "change-$r"
  modified "$OUT_DIR/change.geojson" "$ONE_PCT" $(( (r - 1) * ONE_PCT ))
  "$SOCLE_BIN" import layer addresses "$OUT_DIR/change.geojson" --database-url "$DB_URL" --log-level warn >> "$OUT_DIR/import.log" 2>&1
  phase "incremental-$r"
  sync_b incremental "$r" "$B"
done

feed() { # feed WHAT BASE
  local tok
  tok="$(curl -sf "$2/collections/addresses/changes?since=latest" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
  echo "$tok"
}

read_feed() { # read_feed WHAT BASE TOKEN
  for mode in plain coalesced; do
    out="$(python3 "$HERE/walk-feed.py" "$2/collections/addresses/changes" "$3" "$mode")"
    row "feed-$1-$mode	1	$(echo "$out" | cut -f1)	$(echo "$out" | cut -f2)	$(echo "$out" | cut -f3)"
    log "feed $1 $mode: $out (seconds, bytes, entries)"
  done
}

# updated REPORT: the features an import's --report says it updated.
updated() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["updated"])' "$1"; }

phase feed-postgis
tok="$(feed postgis "$A")"
# Addresses the rounds above did not change: the embedded store's file (a copy of the territory
# before them) then holds what A held before this batch too, and both feeds carry FEED_N entries.
# (From offset 0, the rounds' addresses whose source was `commune` came back to it and were
# unchanged on the embedded store: 98,969 entries for 100,000 in the first run.)
modified "$OUT_DIR/big.geojson" "$FEED_N" $((ROUNDS * ONE_PCT))
t0=$(date +%s.%N)
"$SOCLE_BIN" import layer addresses "$OUT_DIR/big.geojson" --database-url "$DB_URL" --log-level warn --report "$OUT_DIR/big-postgis.json" >> "$OUT_DIR/import.log" 2>&1
log "the batch of $FEED_N changes on PostGIS: $(echo "$(date +%s.%N) - $t0" | bc) s, $(updated "$OUT_DIR/big-postgis.json") updated"
read_feed postgis "$A" "$tok"

if [ -f "$GPKG" ]; then
  phase feed-embedded
  cp "$GPKG" "$OUT_DIR/e.gpkg"
  serve "$ADDR_E" --data "$OUT_DIR/e.gpkg"
  tok="$(feed embedded "http://$ADDR_E")"
  t0=$(date +%s.%N)
  "$SOCLE_BIN" import layer addresses "$OUT_DIR/big.geojson" --data "$OUT_DIR/e.gpkg" --log-level warn --report "$OUT_DIR/big-embedded.json" >> "$OUT_DIR/import.log" 2>&1
  log "the batch of $FEED_N changes on the embedded store: $(echo "$(date +%s.%N) - $t0" | bc) s, $(updated "$OUT_DIR/big-embedded.json") updated"
  read_feed embedded "http://$ADDR_E" "$tok"
else
  log "no $GPKG (bench/run.sh's gpkg step makes it): the embedded store's feed is not measured"
fi

phase report
python3 - "$OUT_DIR/results.tsv" > "$OUT_DIR/summary.md" <<'EOF'
import csv, sys, statistics
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def med(what, key):
    v = [float(r[key]) for r in rows if r["what"] == what]
    return statistics.median(v) if v else None
print("| | seconds (median) | bytes (median) | entries |")
print("|---|---:|---:|---:|")
for w in sorted({r["what"] for r in rows}):
    e = [r["entries"] for r in rows if r["what"] == w][0]
    print(f"| {w} | {med(w, 'seconds'):.2f} | {med(w, 'bytes'):,.0f} | {e} |")
f, i = med("full", "seconds"), med("incremental", "seconds")
fb, ib = med("full", "bytes"), med("incremental", "bytes")
if f and i:
    print(f"\nfull reload / sync after a 1 % change: **{f / i:.1f}× the time, {fb / ib:.1f}× the bytes**")
for w in sorted({r["what"] for r in rows if r["what"].startswith("feed-")}):
    s, e = med(w, "seconds"), med(w, "entries")
    print(f"\n{w}: {e / s:,.0f} entries/s")
EOF
cat "$OUT_DIR/summary.md"
log "done: $OUT_DIR"
