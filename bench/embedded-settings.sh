#!/usr/bin/env bash
# embedded-settings.sh GPKG SETTING... — the embedded store under the kit's load with different
# runtime settings, one fresh `socle serve --data GPKG` per setting and round, the same lists each
# time (the kit's run-server.sh). A SETTING is environment assignments and `socle serve` flags,
# e.g. "GOGC=200 GOMEMLIMIT=700MiB" or "--max-conns 8" or "" (the defaults); settings run in the
# order given, ROUNDS times over (ABAB...), so that a drift of the machine weighs on all alike.
# Two words of a SETTING are the script's own: bin=PATH serves with another build (e.g. the one
# before a change), and a --database-url flag serves PostGIS instead of GPKG (the same lists
# against both stores, e.g. "--database-url postgres://postgres@127.0.0.1:5432/bench?sslmode=disable").
# Output: one table (setting, round, the kit's columns: req/s, p50, p99, non-2xx, peak RSS per list)
# in $OUT_DIR/settings.tsv, plus each run's files.
# Env: SOCLE_BIN (a build of this repository: go build -o ... ./cmd/socle), SCENARIOS (the kit's
# list names: items_bbox_l1000 items_bbox_l100 item_by_id filter_commune tiles_roads_z14 ...),
# ROUNDS (2), DURATION (15s), SOCLE_ADDR (127.0.0.1:8090), KIT (shared/bench beside the
# repository's directory), OUT_DIR (a new directory from mktemp -d).
# The GeoPackage is served as given: pass a copy (serve may write its change log).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KIT="${KIT:-$HERE/../../shared/bench}"
GPKG="${1:?usage: embedded-settings.sh GPKG SETTING...}"; shift
[ $# -gt 0 ] || { echo "no setting given (\"\" is the defaults)" >&2; exit 2; }
SOCLE_BIN="${SOCLE_BIN:?SOCLE_BIN: a socle binary}"
SCENARIOS="${SCENARIOS:-items_bbox_l1000 items_bbox_l100 item_by_id tiles_roads_z14 tiles_addresses_z16}"
ROUNDS="${ROUNDS:-2}"; export DURATION="${DURATION:-15s}"
SOCLE_ADDR="${SOCLE_ADDR:-127.0.0.1:8090}"
case "$SOCLE_ADDR" in 127.0.0.1:*) ;; *) echo "SOCLE_ADDR must be on 127.0.0.1" >&2; exit 2;; esac
OUT_DIR="${OUT_DIR:-$(mktemp -d -t "embedded-settings-$(date -u +%Y%m%dT%H%M%SZ).XXXXXX")}"
mkdir -p "$OUT_DIR"
printf 'setting\tround\tstartup_s\tscenario\tserver\trps\tp50_ms\tp99_ms\tmean_ms\tnon2xx\terrors\tbytes_per_req\tpeak_rss_mb\talive_after\n' > "$OUT_DIR/settings.tsv"
n=0
for round in $(seq 1 "$ROUNDS"); do
  for setting in "$@"; do
    n=$((n + 1))
    envs=(); flags=(); bin="$SOCLE_BIN"; data=(--data "$GPKG")
    value=""  # the next word is the value of the flag before it
    for w in $setting; do
      if [ -n "$value" ]; then flags+=("$w"); value=""; continue; fi
      case "$w" in bin=*) bin="${w#bin=}" ;; -*=*) flags+=("$w") ;; -*) flags+=("$w"); value=1 ;; *=*) envs+=("$w") ;; *) flags+=("$w") ;; esac
    done
    for f in "${flags[@]}"; do case "$f" in --database-url|-database-url|--database-url=*) data=() ;; esac; done
    if curl -fsS -o /dev/null "http://$SOCLE_ADDR/" 2>/dev/null; then echo "something already answers on $SOCLE_ADDR" >&2; exit 1; fi
    t0=$(date +%s.%N)
    env "${envs[@]}" "$bin" serve --addr "$SOCLE_ADDR" "${data[@]}" --log-level warn --rate-limit 0 \
      --tile-cache-bytes -1 "${flags[@]}" > "$OUT_DIR/serve-$n.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do curl -fsS -o /dev/null "http://$SOCLE_ADDR/readyz" 2>/dev/null && break; sleep 0.05; done
    up=$(echo "$(date +%s.%N) - $t0" | bc)
    echo "== [$setting] round $round: ready in ${up}s, load $(cut -d' ' -f1 /proc/loadavg)"
    BASE_URL="http://$SOCLE_ADDR" SERVER_PID="$pid" NAME="run-$n" OUT_DIR="$OUT_DIR/run-$n" SCENARIOS="$SCENARIOS" \
    ITEMS_TPL='/collections/{collection}/items?f=json&limit={limit}&bbox={bbox}' \
    ITEM_TPL='/collections/{collection}/items/{id}?f=json' \
    FILTER_TPL='/collections/{collection}/items?f=json&limit=100&commune_insee={insee}' \
    TILE_TPL='/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}' \
    ADDR_COLLECTION=addresses ROADS_LAYER=roads ADDR_LAYER=addresses \
      "$KIT/run-server.sh" > "$OUT_DIR/run-$n.log" 2>&1
    kill "$pid"; wait "$pid" 2>/dev/null || true
    tail -n +2 "$OUT_DIR/run-$n/results.tsv" | while IFS= read -r line; do
      printf '%s\t%s\t%.2f\t%s\n' "${setting:-defaults}" "$round" "$up" "$line"
    done | tee -a "$OUT_DIR/settings.tsv"
  done
done
echo "results in $OUT_DIR/settings.tsv"
