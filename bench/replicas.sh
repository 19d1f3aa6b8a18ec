#!/usr/bin/env bash
# bench/replicas.sh — Socle beyond one machine (issue 16), on this machine: a PostgreSQL 15
# primary and a streaming hot standby (two clusters of their own, in $WORK), Socle instances
# and HAProxy, all on 127.0.0.1; wrk drives the features and tiles lists.
#
#   one       one instance, everything on the primary: features list, then tiles list
#   two       two instances behind HAProxy reading from the standby (--database-read-url):
#             the same lists, while a writer changes the roads every second; the replica lag
#             is sampled from /readyz meanwhile (max bytes and seconds)
#   failover  two instances behind HAProxy, the features list under wrk for $FAILOVER_DURATION:
#             the primary stopped (fast) at 1/3, the standby promoted 2 s later; wrk's non-2xx
#             count and p99 are the figures that matter (the throughput of a 2-core machine
#             running everything is not)
#   summary   the figures of the three, as Markdown, on stdout and in $OUT_DIR/summary.md
#
# Env (defaults): STEPS ("one two failover summary"), DURATION (20s), FAILOVER_DURATION (30),
#   CONNS (8), THREADS (2), OUT_DIR (a new mktemp -d), WORK (a new mktemp -d under /tmp: the
#   clusters; removed at the end unless KEEP=1), PG_BIN (/usr/lib/postgresql/15/bin),
#   SOCLE_BIN (built from this repository into $WORK), TILE_ZOOM (14), SOCLE_FLAGS (extra
#   `socle serve` flags), ZOOM of the tiles list.
# Needs: PostgreSQL 15 with PostGIS, wrk, haproxy, python3, curl (Debian: postgresql-15
#   postgresql-15-postgis-3 wrk haproxy). As root, the clusters run as the user postgres.
# The data is the sample territory (fixtures/). Only 127.0.0.1 is contacted.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
STEPS="${STEPS:-one two failover summary}"
DURATION="${DURATION:-20s}"
FAILOVER_DURATION="${FAILOVER_DURATION:-30}"
CONNS="${CONNS:-8}"
THREADS="${THREADS:-2}"
TILE_ZOOM="${TILE_ZOOM:-14}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
SOCLE_FLAGS="${SOCLE_FLAGS:-}"
OUT_DIR="${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/socle-replicas-$(date -u +%Y%m%dT%H%M%SZ).XXXXXX")}"
WORK="${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/socle-replicas-work.XXXXXX")}"
mkdir -p "$OUT_DIR"
for tool in wrk haproxy python3 curl "$PG_BIN/initdb" "$PG_BIN/pg_basebackup"; do
  command -v "$tool" >/dev/null || { echo "bench/replicas.sh: $tool is missing" >&2; exit 2; }
done
RUN=()
if [ "$(id -u)" = 0 ]; then RUN=(runuser -u postgres --); chown postgres "$WORK"; fi
chmod 755 "$WORK"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for d in "$WORK/primary" "$WORK/standby"; do
    [ -f "$d/postmaster.pid" ] && "${RUN[@]}" "$PG_BIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
  done
  [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "[$(date -u +%T)] $*" | tee -a "$OUT_DIR/run.log" >&2; }

SOCLE_BIN="${SOCLE_BIN:-$WORK/socle}"
if [ ! -x "$SOCLE_BIN" ]; then
  log "building socle"
  (cd "$REPO" && go build -o "$SOCLE_BIN" ./cmd/socle)
fi

P_PORT=$(free_port); S_PORT=$(free_port)
# (Re)builds the topology: a fresh primary with the sample territory and a standby of it.
topology() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  PIDS=()
  for d in "$WORK/primary" "$WORK/standby"; do
    [ -f "$d/postmaster.pid" ] && "${RUN[@]}" "$PG_BIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$d"
  done
  "${RUN[@]}" "$PG_BIN/initdb" -D "$WORK/primary" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$WORK/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $P_PORT
unix_socket_directories = ''
max_connections = 100
shared_buffers = 128MB
wal_level = replica
max_wal_senders = 8
wal_keep_size = 256MB
hot_standby_feedback = on
EOF
  "${RUN[@]}" "$PG_BIN/pg_ctl" -D "$WORK/primary" -l "$WORK/primary.log" -w start >/dev/null
  "${RUN[@]}" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$P_PORT" -U postgres -D "$WORK/standby" -R -X stream >/dev/null
  cat >> "$WORK/standby/postgresql.conf" <<EOF
port = $S_PORT
primary_conninfo = 'host=127.0.0.1 port=$P_PORT user=postgres application_name=standby'
EOF
  "${RUN[@]}" "$PG_BIN/pg_ctl" -D "$WORK/standby" -l "$WORK/standby.log" -w start >/dev/null
  PRIMARY="postgres://postgres@127.0.0.1:$P_PORT,127.0.0.1:$S_PORT/socle?sslmode=disable&target_session_attrs=read-write&connect_timeout=2"
  READ="postgres://postgres@127.0.0.1:$S_PORT/socle?sslmode=disable&connect_timeout=2"
  export SOCLE_DATABASE_URL="$PRIMARY" SOCLE_LOG_LEVEL=warn
  psql_p -d postgres -c "CREATE DATABASE socle" >/dev/null
  (cd "$REPO" && "$SOCLE_BIN" import fixtures >/dev/null)
}
psql_p() { "$PG_BIN/psql" -h 127.0.0.1 -p "$P_PORT" -U postgres -X -q "$@"; }

# start_socle ADDR [--database-read-url URL]: a `socle serve`, waited for.
start_socle() {
  local addr=$1; shift
  (cd "$REPO" && exec "$SOCLE_BIN" serve --database-url "$PRIMARY" --addr "$addr" --rate-limit 0 --metrics open \
      --log-level warn $SOCLE_FLAGS "$@") >>"$OUT_DIR/socle-$addr.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -sf "http://$addr/readyz" >/dev/null && return 0; sleep 0.1; done
  echo "socle on $addr did not start" >&2; exit 1
}
start_haproxy() {
  local port=$1; shift
  sed -e "s/bind :8080/bind 127.0.0.1:$port/" -e '/^frontend stats/,$d' -e '/^    log stdout/d' -e '/server socle/d' \
      "$REPO/deploy/haproxy.cfg" > "$WORK/haproxy.cfg"
  local i=1
  for a in "$@"; do echo "    server socle$i $a check" >> "$WORK/haproxy.cfg"; i=$((i+1)); done
  haproxy -f "$WORK/haproxy.cfg" -db >>"$OUT_DIR/haproxy.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0; sleep 0.1; done
  echo "haproxy did not start" >&2; exit 1
}

# The request lists, from the served extent: features (bbox pages of addresses) and tiles.
lists() {
  local base=$1
  curl -sf "$base/collections/addresses" > "$WORK/addresses.json"
  python3 - "$WORK" "$TILE_ZOOM" <<'EOF'
import json, math, random, sys
work, z = sys.argv[1], int(sys.argv[2])
c = json.load(open(f"{work}/addresses.json"))
x0, y0, x1, y1 = c["extent"]["spatial"]["bbox"][0]
rnd = random.Random(16)
with open(f"{work}/features.txt", "w") as f:
    for _ in range(500):
        w, h = (x1 - x0) / 20, (y1 - y0) / 20
        a, b = x0 + rnd.random() * (x1 - x0 - w), y0 + rnd.random() * (y1 - y0 - h)
        f.write(f"/collections/addresses/items?limit=50&bbox={a:.5f},{b:.5f},{a+w:.5f},{b+h:.5f}\n")
def tile(lon, lat):
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
tx0, ty1 = tile(x0, y0)
tx1, ty0 = tile(x1, y1)
with open(f"{work}/tiles.txt", "w") as f:
    for x in range(tx0, tx1 + 1):
        for y in range(ty0, ty1 + 1):
            f.write(f"/tiles/WebMercatorQuad/{z}/{y}/{x}\n")
EOF
  cat > "$WORK/list.lua" <<'EOF'
local paths, i = {}, 0
init = function(args) for l in io.lines(args[1]) do paths[#paths + 1] = l end end
request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
EOF
}
# bench NAME BASE LIST [DURATION]: wrk with latency percentiles into $OUT_DIR/NAME.txt.
bench() {
  local name=$1 base=$2 list=$3 dur=${4:-$DURATION}
  log "wrk $name ($list, $dur, $CONNS connections)"
  wrk -t"$THREADS" -c"$CONNS" -d"$dur" --latency -s "$WORK/list.lua" "$base" -- "$WORK/$list.txt" > "$OUT_DIR/$name.txt" 2>&1 || true
}
# A writer that changes every road's name once a second, through the primary (the multi-host URL).
writer() {
  local n=0
  while :; do
    n=$((n+1))
    curl -sf "http://$1/collections/roads/items?limit=10000&crs=http://www.opengis.net/def/crs/EPSG/0/2154" |
      python3 -c "import json,sys; d=json.load(sys.stdin); [f['properties'].__setitem__('name', 'Voie %s' % $n) for f in d['features']]; json.dump({'type':'FeatureCollection','crs':{'type':'name','properties':{'name':'urn:ogc:def:crs:EPSG::2154'}},'features':d['features']}, open('$WORK/roads.geojson','w'))"
    (cd "$REPO" && SOCLE_MIGRATE=false "$SOCLE_BIN" import layer roads "$WORK/roads.geojson" >>"$OUT_DIR/writer.log" 2>&1) || true
    sleep 1
  done
}
# lag ADDR: samples /readyz every 200 ms into $OUT_DIR/lag.txt.
lag() { while :; do curl -s "http://$1/readyz" | grep '^replica' >> "$OUT_DIR/lag.txt" || true; sleep 0.2; done; }

for step in $STEPS; do
  case $step in
  one)
    topology
    A=127.0.0.1:$(free_port)
    start_socle "$A"
    lists "http://$A"
    bench one-features "http://$A" features
    bench one-tiles "http://$A" tiles
    ;;
  two)
    topology
    A=127.0.0.1:$(free_port); B=127.0.0.1:$(free_port); LB=$(free_port)
    start_socle "$A" --database-read-url "$READ"
    start_socle "$B" --database-read-url "$READ"
    start_haproxy "$LB" "$A" "$B"
    lists "http://127.0.0.1:$LB"
    : > "$OUT_DIR/lag.txt"
    writer "$A" & WPID=$!; lag "$A" & LPID=$!
    bench two-features "http://127.0.0.1:$LB" features
    bench two-tiles "http://127.0.0.1:$LB" tiles
    kill $WPID $LPID 2>/dev/null || true; wait $WPID $LPID 2>/dev/null || true
    "$PG_BIN/psql" -h 127.0.0.1 -p "$S_PORT" -U postgres -d socle -X -At \
      -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'socle-read'" > "$OUT_DIR/standby-readers.txt"
    curl -s "http://$A/metrics" > "$OUT_DIR/metrics-two.txt"
    ;;
  failover)
    topology
    A=127.0.0.1:$(free_port); B=127.0.0.1:$(free_port); LB=$(free_port)
    start_socle "$A" --database-read-url "$READ"
    start_socle "$B" --database-read-url "$READ"
    start_haproxy "$LB" "$A" "$B"
    lists "http://127.0.0.1:$LB"
    bench failover-features "http://127.0.0.1:$LB" features "${FAILOVER_DURATION}s" &
    BPID=$!
    sleep $((FAILOVER_DURATION / 3))
    log "stopping the primary"
    "${RUN[@]}" "$PG_BIN/pg_ctl" -D "$WORK/primary" -m fast -w stop >/dev/null
    sleep 2
    log "promoting the standby"
    "${RUN[@]}" "$PG_BIN/pg_ctl" -D "$WORK/standby" -w promote >/dev/null
    log "writes after the promotion"
    for _ in $(seq 50); do
      (cd "$REPO" && SOCLE_MIGRATE=false "$SOCLE_BIN" import fixtures >>"$OUT_DIR/writer.log" 2>&1) && { log "a write went through"; break; }
      sleep 0.2
    done
    wait $BPID || true
    curl -s "http://$A/readyz" > "$OUT_DIR/readyz-after-failover.txt" || true
    ;;
  summary)
    python3 - "$OUT_DIR" <<'EOF' | tee "$OUT_DIR/summary.md"
import os, re, sys
out = sys.argv[1]
def wrk(name):
    p = os.path.join(out, name + ".txt")
    if not os.path.exists(p):
        return None
    t = open(p).read()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
    n = re.search(r"(\d+) requests in", t)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    p99 = re.search(r"^\s+99%\s+(\S+)", t, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", t, re.M)
    return dict(rps=rps and rps.group(1), n=n and n.group(1), non2xx=non2xx.group(1) if non2xx else "0",
                sock=sum(map(int, sock.groups())) if sock else 0, p50=p50 and p50.group(1), p99=p99 and p99.group(1))
print("| run | requests | req/s | non-2xx | socket errors | p50 | p99 |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name in ["one-features", "one-tiles", "two-features", "two-tiles", "failover-features"]:
    r = wrk(name)
    if r:
        print(f"| {name} | {r['n']} | {r['rps']} | {r['non2xx']} | {r['sock']} | {r['p50']} | {r['p99']} |")
lag = os.path.join(out, "lag.txt")
if os.path.exists(lag):
    b = [int(m) for m in re.findall(r"lag (\d+) bytes", open(lag).read())]
    s = [float(m) for m in re.findall(r"bytes, ([\d.]+) s", open(lag).read())]
    if b:
        print(f"\nReplica lag sampled on /readyz every 200 ms during `two` ({len(b)} samples): max {max(b)} bytes, max {max(s):.3f} s.")
rd = os.path.join(out, "standby-readers.txt")
if os.path.exists(rd):
    print(f"Read connections on the standby after `two`: {open(rd).read().strip()}.")
EOF
    ;;
  *) echo "unknown step $step" >&2; exit 2 ;;
  esac
done
log "results in $OUT_DIR"
