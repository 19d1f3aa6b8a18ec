#!/usr/bin/env python3
"""loadmon.py PHASE_FILE [INTERVAL_S] [--no-header] — machine load sampler for bench/run.sh (Linux /proc only).

Every INTERVAL_S (5) seconds prints one TSV line:
  utc  load1 load5 load15  cpu_busy_pct  bench_cpu_pct  others_cpu_pct  top_others  phase
cpu_busy_pct: share of all cores busy (whole machine, from /proc/stat). bench_cpu_pct: the share
used by the benchmark itself: wrk, pgbench, socle-bench, pg_featureserv, and the PostgreSQL backends
connected to a database whose name starts with "bench" (their process title names it), and the
kit's/bench's helper scripts (probe.py, walk-pages.py, psql on the bench database).
others_cpu_pct = busy − bench: what other users of the machine took meanwhile. Processes that
start and end between two samples are missed (short-lived helpers, backends of connections that
close), so bench is a lower bound and others an upper one.
top_others: the three busiest other processes of the interval (comm:pct).
The phase is read from PHASE_FILE (written by run.sh)."""
import os, sys, time

phase_file = sys.argv[1]
args = [a for a in sys.argv[2:] if a != "--no-header"]
interval = float(args[0]) if args else 5.0
HZ = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1
BENCH_COMM = ("wrk", "pgbench", "socle-bench", "pg_featureserv", "socle-prof")  # exact comm names


def cpu_total():
    f = open("/proc/stat").readline().split()[1:9]
    v = [int(x) for x in f]
    return sum(v), v[3] + v[4]


def procs():
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open(f"/proc/{pid}/stat").read()
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            rest = stat[stat.rindex(")") + 2:].split()
            ticks = int(rest[11]) + int(rest[12])
            if comm in BENCH_COMM:
                ours = True
            elif comm == "postgres":
                cmd = open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
                # "postgres: [cluster: ]user database host(port) state"
                ours = cmd.startswith("postgres: ") and any(t.startswith("bench") for t in cmd.split()[2:5])
            elif comm.startswith(("python", "psql", "curl")):
                # the kit's probe.py, bench/*.py, psql on a bench database, curl checks of run.sh
                cmd = open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
                ours = any(k in cmd for k in ("probe.py", "walk-pages.py", "loadmon.py", "127.0.0.1:8090", "127.0.0.1:9000", "-d bench", "/bench"))
            else:
                ours = False
            out[pid] = (comm, ticks, ours)
        except (OSError, ValueError, IndexError):
            pass
    return out


if "--no-header" not in sys.argv:
    print("utc\tload1\tload5\tload15\tcpu_busy_pct\tbench_cpu_pct\tothers_cpu_pct\ttop_others\tphase", flush=True)
pt, pi = cpu_total()
pp = procs()
while True:
    time.sleep(interval)
    ct, ci = cpu_total()
    cp = procs()
    tot = ct - pt
    busy = 100.0 * (tot - (ci - pi)) / tot if tot else 0.0
    bench, others = 0, {}
    for pid, (comm, ticks, ours) in cp.items():
        d = ticks - pp[pid][1] if pid in pp else ticks  # a new process: all its CPU is from this interval
        if ours:
            bench += d
        elif d > 0:
            others[comm] = others.get(comm, 0) + d
    span = interval * HZ * NCPU  # ticks available on all cores in the interval
    bench_pct = min(busy, 100.0 * bench / span)
    top = sorted(others.items(), key=lambda kv: -kv[1])[:3]
    try:
        phase = open(phase_file).read().strip()
    except OSError:
        phase = ""
    la = open("/proc/loadavg").read().split()[:3]
    print(f"{time.strftime('%H:%M:%S', time.gmtime())}\t{la[0]}\t{la[1]}\t{la[2]}\t{busy:.0f}\t{bench_pct:.0f}\t"
          f"{max(0.0, busy - bench_pct):.0f}\t{','.join(f'{c}:{100.0 * t / span:.0f}' for c, t in top)}\t{phase}", flush=True)
    pt, pi, pp = ct, ci, cp
