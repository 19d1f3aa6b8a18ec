#!/usr/bin/env bash
# bench/formats.sh — the feature formats and the PMTiles export on the bench kit's territory (issue #19):
#
#   1. items?bbox&limit=1000 of addresses (the kit's bboxes, cycled by wrk) as GeoJSON, FlatGeobuf and
#      CSV: requests per second, p50 and p99 (wrk -t2 -c$CONNS, $DURATION measured after a warm-up), in
#      ABBA order over ROUNDS rounds; and the bytes of an answer, plain and gzipped (curl over the first
#      20 bboxes, mean per answer).
#   2. `socle export pmtiles` of the territory (zooms MINZOOM to MAXZOOM): wall time, CPU, peak RSS
#      (/usr/bin/time -v), tiles written, archive size.
#
# Env (defaults): DB_NAME (bench_formats: a database of its own, made and loaded here; SKIP_DATA=1 keeps
#   what it holds), SCALE (1: the kit's 250,000 addresses), KIT (shared/bench beside the repository's
#   directory), CACHE_DIR (${XDG_CACHE_HOME:-$HOME/.cache}/socle-bench), SOCLE_BIN ($CACHE_DIR/socle,
#   rebuilt from the work tree), ADDR (127.0.0.1:8093), OUT_DIR (a new mktemp -d directory), ROUNDS (2),
#   DURATION (15s), CONNS (4), MINZOOM (0), MAXZOOM (16), FORMATS ("json fgb csv").
# Only 127.0.0.1 is contacted. Results: $OUT_DIR/summary.md. 2 cores: nothing else heavy should run;
# the load is logged at every phase.
#
# A small check of the script itself (not a measurement):
#   SCALE=0.02 ROUNDS=1 DURATION=2s MAXZOOM=12 bench/formats.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
KIT="${KIT:-$HERE/../../shared/bench}"
CACHE_DIR="${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/socle-bench}"
DB_NAME="${DB_NAME:-bench_formats}"
SCALE="${SCALE:-1}"
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
DB_URL="postgresql://postgres@127.0.0.1:5432/$DB_NAME"
SOCLE_BIN="${SOCLE_BIN:-$CACHE_DIR/socle}"
ADDR="${ADDR:-127.0.0.1:8093}"
ROUNDS="${ROUNDS:-2}"
DURATION="${DURATION:-15s}"
CONNS="${CONNS:-4}"
MINZOOM="${MINZOOM:-0}"
MAXZOOM="${MAXZOOM:-16}"
FORMATS="${FORMATS:-json fgb csv}"
OUT_DIR="${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/socle-formats-bench-$(date -u +%Y%m%dT%H%M%SZ).XXXXXX")}"
[ -f "$KIT/territory.sql" ] || { echo "no bench kit at $KIT: set KIT to the kit's directory (territory.sql)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is needed" >&2; exit 2; }
mkdir -p "$CACHE_DIR" "$OUT_DIR"
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT_DIR/run.log"; }
phase() { log "phase $1 — uptime: $(uptime)"; }

phase start
echo "commit $(git -C "$REPO" rev-parse --short HEAD), $(date -u +%FT%TZ), $(nproc) cores, $(wrk -v 2>&1 | head -1)" > "$OUT_DIR/versions.txt"
(cd "$REPO" && go build -o "$SOCLE_BIN" ./cmd/socle)

if [ "${SKIP_DATA:-0}" != 1 ]; then
  phase data
  if ! psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    createdb "$DB_NAME"
  fi
  log "loading the kit's territory (scale $SCALE) into $DB_NAME, then socle.*"
  psql -d "$DB_NAME" -v ON_ERROR_STOP=1 -q -v scale="$SCALE" -f "$KIT/territory.sql" >> "$OUT_DIR/data.log"
  "$SOCLE_BIN" migrate --database-url "$DB_URL" >> "$OUT_DIR/data.log" 2>&1
  psql -d "$DB_NAME" -v ON_ERROR_STOP=1 -q -f "$HERE/load-bench-territory.sql" >> "$OUT_DIR/data.log"
  psql -d "$DB_NAME" -q -c "VACUUM ANALYZE" >> "$OUT_DIR/data.log"
fi
N_ADDR="$(psql -d "$DB_NAME" -Atc "SELECT count(*) FROM socle.addresses")"
log "$N_ADDR addresses"

"$SOCLE_BIN" serve --addr "$ADDR" --database-url "$DB_URL" --log-level warn --rate-limit 0 --rate-limit-address 0 \
  --max-limit 10000 --feature-cache-bytes -1 >> "$OUT_DIR/serve.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 600); do curl -sf "http://$ADDR/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "http://$ADDR/readyz" >/dev/null || { log "socle serve never answered"; exit 1; }
BASE="http://$ADDR"

# One paths file per format: the kit's bboxes, limit 1000.
for f in $FORMATS; do
  sed "s|^|/collections/addresses/items?limit=1000\&f=$f\&bbox=|" "$KIT/requests/bboxes.txt" > "$OUT_DIR/paths-$f.txt"
done

# Bytes of an answer, plain and gzipped, mean over the first 20 bboxes; and the features returned.
printf 'format\tmean_bytes\tmean_bytes_gzip\tmean_features\n' > "$OUT_DIR/bytes.tsv"
for f in $FORMATS; do
  plain=0 gz=0 feats=0 n=0
  while read -r p; do
    plain=$((plain + $(curl -sf -o /dev/null -w '%{size_download}' "$BASE$p")))
    gz=$((gz + $(curl -sf -o /dev/null -H 'Accept-Encoding: gzip' -w '%{size_download}' "$BASE$p")))
    feats=$((feats + $(curl -sf "$BASE${p/f=$f/f=json}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["numberReturned"])')))
    n=$((n + 1))
  done < <(head -20 "$OUT_DIR/paths-$f.txt")
  printf '%s\t%d\t%d\t%d\n' "$f" $((plain / n)) $((gz / n)) $((feats / n)) >> "$OUT_DIR/bytes.tsv"
  log "$f: $((plain / n)) bytes an answer ($((gz / n)) gzipped), $((feats / n)) features"
done

printf 'format\tround\trps\tp50_ms\tp99_ms\tnon2xx\n' > "$OUT_DIR/throughput.tsv"
measure() { # measure FORMAT ROUND
  local f="$1" out="$OUT_DIR/wrk-$1-$2.txt"
  WRK_PATHS="$OUT_DIR/paths-$f.txt" wrk -t1 -c1 -d2s --timeout 60s -s "$KIT/cycle.lua" "$BASE" > /dev/null
  WRK_PATHS="$OUT_DIR/paths-$f.txt" wrk -t"$(( CONNS < 2 ? 1 : 2 ))" -c"$CONNS" -d"$DURATION" --timeout 60s --latency -s "$KIT/cycle.lua" "$BASE" > "$out"
  grep '^WRKJSON' "$out" | sed 's/^WRKJSON //' | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("\t".join([sys.argv[1], sys.argv[2], "%.1f" % r["rps"], "%.1f" % r["p50_ms"], "%.1f" % r["p99_ms"], str(r["non2xx"])]))' "$f" "$2" >> "$OUT_DIR/throughput.tsv"
  log "$f round $2: $(tail -1 "$OUT_DIR/throughput.tsv")"
}
for r in $(seq "$ROUNDS"); do
  phase "round-$r"
  order="$FORMATS"
  if [ $((r % 2)) = 0 ]; then order="$(echo "$FORMATS" | tr ' ' '\n' | tac | tr '\n' ' ')"; fi
  for f in $order; do measure "$f" "$r"; done
done

phase pmtiles
/usr/bin/time -v "$SOCLE_BIN" export pmtiles "$OUT_DIR/territoire.pmtiles" --database-url "$DB_URL" --log-level warn \
  --minzoom "$MINZOOM" --maxzoom "$MAXZOOM" > "$OUT_DIR/export.out" 2> "$OUT_DIR/export.time"
cat "$OUT_DIR/export.out" | tee -a "$OUT_DIR/run.log"
wall="$(grep 'Elapsed (wall clock)' "$OUT_DIR/export.time" | awk '{print $NF}')"
user="$(grep 'User time' "$OUT_DIR/export.time" | awk '{print $NF}')"
sys="$(grep 'System time' "$OUT_DIR/export.time" | awk '{print $NF}')"
rss="$(grep 'Maximum resident' "$OUT_DIR/export.time" | awk '{print $NF}')"
size="$(stat -c %s "$OUT_DIR/territoire.pmtiles")"
phase end

{
  echo "# Feature formats and PMTiles export — $(cat "$OUT_DIR/versions.txt")"
  echo
  echo "$N_ADDR addresses (scale $SCALE); items?bbox&limit=1000 over the kit's bboxes; wrk -c$CONNS, $DURATION, $ROUNDS rounds (ABBA)."
  echo
  echo "| format | round | req/s | p50 ms | p99 ms | non-2xx |"
  echo "|---|---:|---:|---:|---:|---:|"
  tail -n +2 "$OUT_DIR/throughput.tsv" | awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}'
  echo
  echo "| format | bytes an answer | gzipped | features an answer |"
  echo "|---|---:|---:|---:|"
  tail -n +2 "$OUT_DIR/bytes.tsv" | awk -F'\t' '{printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4}'
  echo
  echo "PMTiles export, zooms $MINZOOM–$MAXZOOM: wall $wall, CPU ${user}s user + ${sys}s sys, peak RSS ${rss} KB, $size bytes."
  echo "$(cat "$OUT_DIR/export.out")"
  echo
  echo "Load during the run: see run.log (uptime at every phase)."
} > "$OUT_DIR/summary.md"
log "summary: $OUT_DIR/summary.md"
