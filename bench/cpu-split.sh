#!/usr/bin/env bash
# cpu-split.sh BASE_URL PATHS_FILE SERVER_PID [DURATION] — where the CPU of one load run goes:
# the server process and the PostgreSQL backends of the bench database(s), in CPU
# milliseconds per request (from /proc/PID/stat utime+stime). On a 2-core machine shared by the
# server, PostgreSQL and the load generator, throughput is bounded by the sum, so this says which
# part to make cheaper (wrk's own share is not measured). Warm-up (4 connections, 3 s) first; then wrk -t2 -c32 for DURATION (15s).
# Backends that start during the run are counted from zero; a backend that ends is counted up to
# its last 0.5 s sample.
# Env: KIT (the bench kit, for its cycle.lua: shared/bench beside the repository's directory, i.e.
# bench/../../shared/bench). Scratch files go to a directory from mktemp -d, removed at exit.
set -euo pipefail
BASE="${1:?BASE_URL}"; PATHS="${2:?PATHS_FILE}"; PID="${3:?SERVER_PID}"; DUR="${4:-15s}"
KIT="${KIT:-$(dirname "$0")/../../shared/bench}"
[ -f "$KIT/cycle.lua" ] || { echo "no bench kit at $KIT: set KIT to the kit's directory (cycle.lua)" >&2; exit 2; }
TMP="$(mktemp -d -t cpu-split.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
case "$BASE" in http://127.0.0.1*) ;; *) echo "BASE_URL must be on 127.0.0.1" >&2; exit 2;; esac
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_backends() { # "pid ticks" of backends connected to a bench* database
  for p in $(pgrep -x postgres); do
    if { tr '\0' ' ' < "/proc/$p/cmdline"; } 2>/dev/null | awk '{for (i=3;i<=5;i++) if ($i ~ /^bench/) f=1} END{exit !f}'; then
      echo "$p $(ticks "$p")"
    fi
  done
}
WRK_PATHS="$PATHS" wrk -t2 -c4 -d3s -s "$KIT/cycle.lua" "$BASE" > /dev/null
s0=$(ticks "$PID"); pg_backends > "$TMP/before"
# Backends are sampled every 0.5 s during the run: a server may close connections whose request
# was cancelled when wrk stops, and their CPU would be lost if only read at the end.
WRK_PATHS="$PATHS" wrk -t2 -c32 -d"$DUR" --timeout 30s -s "$KIT/cycle.lua" "$BASE" > "$TMP/wrk" 2>&1 &
wpid=$!
: > "$TMP/after"
while kill -0 "$wpid" 2>/dev/null; do pg_backends >> "$TMP/after"; sleep 0.5; done
wait "$wpid" || true
out=$(cat "$TMP/wrk")
s1=$(ticks "$PID"); pg_backends >> "$TMP/after"
req=$(printf '%s\n' "$out" | sed -n 's/^WRKJSON //p' | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["requests"], round(j["rps"],1), j["non2xx"])')
pg=$(awk 'NR==FNR {b[$1]=$2; next} {if ($2 > m[$1]) m[$1]=$2} END{for (p in m) {d=m[p]-((p in b)?b[p]:0); if (d>0) s+=d}; print s+0}' \
  "$TMP/before" "$TMP/after")
hz=$(getconf CLK_TCK)
read -r n rps non2xx <<< "$req"
awk -v n="$n" -v rps="$rps" -v bad="$non2xx" -v s=$((s1 - s0)) -v pg="$pg" -v hz="$hz" 'BEGIN{
  printf "requests=%d rps=%.1f non2xx=%d server_cpu_ms_per_req=%.3f postgres_cpu_ms_per_req=%.3f server_cpu_s=%.1f postgres_cpu_s=%.1f\n",
    n, rps, bad, 1000*s/hz/n, 1000*pg/hz/n, s/hz, pg/hz }'
