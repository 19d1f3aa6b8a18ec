#!/usr/bin/env bash
# gc-windows.sh LIST GPKG BIN... — how much of a list's tail latency the garbage collector's cycles
# account for: each BIN (a build of this repository) serves a copy of GPKG with GODEBUG=gctrace=1
# under one of the kit's lists (LIST: tiles_addresses_z12, item_by_id, ...), loaded by
# bench/latclient, which times every request; the cycles' start and length come from the trace.
# One line per run: requests a second, p50 and p99, the cycles in the measured window, the share of
# time they lasted, and the rate of requests started inside a cycle against outside (1.00: the
# collector costs nothing that shows). BINs run in turn, ROUNDS times over (ABAB).
# Env: ROUNDS (2), DURATION (10s), WARMUP (3s), CONNS (32), KIT (shared/bench beside the
# repository's directory), SOCLE_ADDR (127.0.0.1:8090). Scratch files in a directory from mktemp -d.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KIT="${KIT:-$HERE/../../shared/bench}"
LIST="${1:?usage: gc-windows.sh LIST GPKG BIN...}"; GPKG="${2:?GPKG}"; shift 2
[ $# -gt 0 ] || { echo "no build given" >&2; exit 2; }
ROUNDS="${ROUNDS:-2}"; DURATION="${DURATION:-10s}"; WARMUP="${WARMUP:-3s}"; CONNS="${CONNS:-32}"
SOCLE_ADDR="${SOCLE_ADDR:-127.0.0.1:8090}"
case "$SOCLE_ADDR" in 127.0.0.1:*) ;; *) echo "SOCLE_ADDR must be on 127.0.0.1" >&2; exit 2;; esac
TMP="$(mktemp -d -t gc-windows.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
TILE_TPL='/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}' \
ITEMS_TPL='/collections/{collection}/items?f=json&limit={limit}&bbox={bbox}' \
ITEM_TPL='/collections/{collection}/items/{id}?f=json' \
FILTER_TPL='/collections/{collection}/items?f=json&limit=100&commune_insee={insee}' \
ADDR_COLLECTION=addresses ROADS_LAYER=roads ADDR_LAYER=addresses \
  bash "$KIT/make-paths.sh" "$TMP/paths" > /dev/null
[ -s "$TMP/paths/$LIST.txt" ] || { echo "no list $LIST in the kit" >&2; exit 2; }
(cd "$HERE/.." && go build -o "$TMP/latclient" ./bench/latclient)
for round in $(seq 1 "$ROUNDS"); do
  for bin in "$@"; do
    if curl -fsS -o /dev/null "http://$SOCLE_ADDR/" 2>/dev/null; then echo "something already answers on $SOCLE_ADDR" >&2; exit 1; fi
    cp "$GPKG" "$TMP/run.gpkg"
    t0=$(date +%s%N)
    GODEBUG=gctrace=1 "$bin" serve --addr "$SOCLE_ADDR" --data "$TMP/run.gpkg" --log-level warn --rate-limit 0 \
      --tile-cache-bytes -1 > "$TMP/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do curl -fsS -o /dev/null "http://$SOCLE_ADDR/readyz" 2>/dev/null && break; sleep 0.05; done
    "$TMP/latclient" -base "http://$SOCLE_ADDR" -paths "$TMP/paths/$LIST.txt" -c "$CONNS" -d "$WARMUP" > /dev/null
    "$TMP/latclient" -base "http://$SOCLE_ADDR" -paths "$TMP/paths/$LIST.txt" -c "$CONNS" -d "$DURATION" -o "$TMP/lat.tsv" > "$TMP/client.out"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    python3 - "$bin" "$round" "$t0" "$TMP/client.out" "$TMP/serve.log" "$TMP/lat.tsv" "${DURATION%s}" <<'PY'
import re, sys
bin, rnd, t0, client, trace, lat, dur = sys.argv[1:]
dur = float(dur)
out = open(client).read().split()
start = int(out[out.index("start_unix_ns") + 1])
off = (start - int(t0)) / 1e9  # the run's start, in the trace's clock (the process's start, to a few ms)
cycles = []
for line in open(trace):
    m = re.match(r"gc \d+ @([\d.]+)s \d+%: ([\d.]+)\+([\d.]+)\+([\d.]+) ms clock", line)
    if m:
        s = float(m.group(1)) - off
        if 0 <= s <= dur:
            cycles.append((s, s + sum(float(m.group(i)) for i in (2, 3, 4)) / 1000))
rows = [tuple(map(float, l.split())) for l in open(lat)]
lats = sorted(r[1] for r in rows)
inside = sum(1 for r in rows if any(a <= r[0] <= b for a, b in cycles))
t_in = sum(b - a for a, b in cycles)
rate_in = inside / t_in if t_in else float("nan")
rate_out = (len(rows) - inside) / (dur - t_in)
print("%s\tround %s\treq/s %.0f\tp50 %.2f ms\tp99 %.2f ms\tcycles %d\tin cycles %.1f %%\trate in/out %.2f"
      % (bin, rnd, len(rows) / dur, lats[len(lats) // 2], lats[int(len(lats) * 0.99)], len(cycles), 100 * t_in / dur, rate_in / rate_out))
PY
  done
done
