#!/usr/bin/env python3
"""report.py OUT_DIR — Markdown summary of one bench/run.sh run: per-scenario table of both
servers with Socle/pg_featureserv ratios, the PostGIS floors, first vs last page, machine load."""
import csv, json, os, sys
from collections import defaultdict

out = sys.argv[1]


def tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def probe(dirname, scenario):
    p = os.path.join(out, dirname, f"probe-{scenario}.txt")
    if not os.path.exists(p):
        return {}
    for line in open(p):
        if line.startswith("PROBE "):
            return json.loads(line[6:])
    return {}


def f(x, d=1):
    try:
        return f"{float(x):.{d}f}"
    except (TypeError, ValueError):
        return "–"


def ratio(a, b, d=2):
    try:
        return f"{float(a) / float(b):.{d}f}×"
    except (TypeError, ValueError, ZeroDivisionError):
        return "–"


print(f"# Socle vs pg_featureserv — run {os.path.basename(out.rstrip('/'))}\n")
if os.path.exists(os.path.join(out, "versions.txt")):
    print("```\n" + open(os.path.join(out, "versions.txt")).read().rstrip() + "\n```\n")

import glob, re


def rounds(prefix):
    """{round: {scenario: row}} from OUT_DIR/<prefix>-N/results.tsv (or OUT_DIR/<prefix>/)."""
    res = {}
    for d in sorted(glob.glob(os.path.join(out, prefix + "*"))):
        m = re.fullmatch(re.escape(prefix) + r"(?:-(\d+))?", os.path.basename(d))
        if not m or not os.path.isdir(d):
            continue
        rows = tsv(os.path.join(d, "results.tsv"))
        if rows:
            res[int(m.group(1) or 1)] = (os.path.basename(d), {r["scenario"].removeprefix("fs_"): r for r in rows})
    return res


def mean(xs):
    xs = [float(x) for x in xs if x not in (None, "", "-")]
    return sum(xs) / len(xs) if xs else None


FS, SO = rounds("pg_featureserv"), rounds("socle")
names = {"items_bbox_l1000": "items?bbox&limit=1000", "items_bbox_l100": "items?bbox&limit=100",
         "item_by_id": "items/{id}", "filter_commune": "items?commune_insee=…&limit=100"}
cols = ("rps", "p50_ms", "p99_ms", "mean_ms", "peak_rss_mb")
avg = {}
print("## HTTP scenarios (wrk, same request lists)\n")
print(f"Rounds: pg_featureserv {sorted(FS)}, Socle {sorted(SO)} (order of the run: see the phases in the load table). "
      "The **mean** rows average the rounds; non-2xx and errors are summed.\n")
print("| scenario | server | round | req/s | p50 ms | p99 ms | mean ms | non-2xx | errors | bytes/req | features/req | peak RSS MB | alive after |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for sc, label in names.items():
    for srv, R in (("pg_featureserv", FS), ("Socle", SO)):
        got = []
        for n in sorted(R):
            d, rows = R[n]
            r = rows.get(sc)
            if not r:
                continue
            got.append(r)
            pr = probe(d, ("fs_" + sc) if srv == "pg_featureserv" else sc)
            print(f"| {label} | {srv} | {n} | {f(r['rps'])} | {f(r['p50_ms'], 2)} | {f(r['p99_ms'], 2)} | {f(r['mean_ms'], 2)} | "
                  f"{r['non2xx']} | {r['errors']} | {r['bytes_per_req']} | {pr.get('mean_features', '–')} | {r['peak_rss_mb']} | {r['alive_after']} |")
        if got:
            a = {c: mean(r[c] for r in got) for c in cols}
            a["rps_all"] = [float(r["rps"]) for r in got]
            avg[(srv, sc)] = a
            print(f"| {label} | **{srv}** | **mean** | **{f(a['rps'])}** | **{f(a['p50_ms'], 2)}** | **{f(a['p99_ms'], 2)}** | "
                  f"{f(a['mean_ms'], 2)} | {sum(int(r['non2xx']) for r in got)} | {sum(int(r['errors']) for r in got)} | "
                  f"{got[0]['bytes_per_req']} | | {f(a['peak_rss_mb'])} | |")
print("\n### Ratios Socle / pg_featureserv (means of the rounds)\n")
print("| scenario | throughput (target ≥ 1.5×) | per-round range | p50 | p99 (target ≤ 1×) | peak RSS |")
print("|---|---:|---:|---:|---:|---:|")
for sc, label in names.items():
    a, b = avg.get(("Socle", sc)), avg.get(("pg_featureserv", sc))
    if a and b:
        rr = [x / y for x in a["rps_all"] for y in b["rps_all"] if y]
        rng = f"{min(rr):.2f}–{max(rr):.2f}×" if rr else "–"
        print(f"| {label} | {ratio(a['rps'], b['rps'])} | {rng} | {ratio(a['p50_ms'], b['p50_ms'])} | "
              f"{ratio(a['p99_ms'], b['p99_ms'])} | {ratio(a['peak_rss_mb'], b['peak_rss_mb'])} |")
print("\n(per-round range: Socle's rate of each round over pg_featureserv's of each round, lowest and highest.)")

UC = rounds("socle_uncached")
if UC:
    print("\n### Socle without the feature cache (`--feature-cache-bytes -1`: every feature read from PostgreSQL)\n")
    print("| scenario | round | req/s | p50 ms | p99 ms | non-2xx | errors | bytes/req | ÷ pg_featureserv mean req/s | p99 ÷ pg_featureserv's |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sc, label in names.items():
        got = []
        for n in sorted(UC):
            r = UC[n][1].get(sc)
            if r:
                got.append(r)
                b = avg.get(("pg_featureserv", sc))
                print(f"| {label} | {n} | {f(r['rps'])} | {f(r['p50_ms'], 2)} | {f(r['p99_ms'], 2)} | {r['non2xx']} | {r['errors']} | "
                      f"{r['bytes_per_req']} | {ratio(float(r['rps']), b['rps']) if b else '–'} | {ratio(float(r['p99_ms']), b['p99_ms']) if b else '–'} |")
        if len(got) > 1:
            b = avg.get(("pg_featureserv", sc))
            rps, p99 = mean(r["rps"] for r in got), mean(r["p99_ms"] for r in got)
            print(f"| {label} | **mean** | **{f(rps)}** | | **{f(p99, 2)}** | | | | **{ratio(rps, b['rps']) if b else '–'}** | "
                  f"**{ratio(p99, b['p99_ms']) if b else '–'}** |")

NP = rounds("pg_featureserv_np")
if NP:
    print("\n### pg_featureserv with max_parallel_workers_per_gather = 0 (Socle's session setting)\n")
    print("| scenario | round | req/s | p50 ms | p99 ms | non-2xx | errors | peak RSS MB | alive after | Socle mean req/s ÷ this |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for sc, label in names.items():
        for n in sorted(NP):
            r = NP[n][1].get(sc)
            if r:
                a = avg.get(("Socle", sc))
                print(f"| {label} | {n} | {f(r['rps'])} | {f(r['p50_ms'], 2)} | {f(r['p99_ms'], 2)} | {r['non2xx']} | {r['errors']} | "
                      f"{r['peak_rss_mb']} | {r['alive_after']} | {ratio(a['rps'], r['rps']) if a else '–'} |")

floor = tsv(os.path.join(out, "floor", "floor.tsv"))
if floor:
    print("\n## PostGIS floor (shared/bench/floor-postgis.sh: pg_featureserv's SQL, simple protocol)\n")
    print("| scenario | clients | tx/s | p50 ms | p99 ms | mean ms | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in floor:
        print(f"| {r['scenario']} | {r['clients']} | {r['tps']} | {r['p50_ms']} | {r['p99_ms']} | {r['mean_ms']} | {r['failed']} |")
fsoc = tsv(os.path.join(out, "floor", "floor-socle.tsv"))
if fsoc:
    print("\n## SQL of each server (bench/floor-socle.sh: prepared statements, bound values)\n")
    print("| scenario | clients | tx/s | p50 ms | p99 ms | mean ms | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in fsoc:
        print(f"| {r['scenario']} | {r['clients']} | {r['tps']} | {r['p50_ms']} | {r['p99_ms']} | {r['mean_ms']} | {r['failed']} |")

CQ = rounds("socle_cql2")
if CQ:
    print("\n### Socle, filter as CQL2 (`filter=commune_insee='…'`, the kit's template, as sent to pg_featureserv)\n")
    print("| round | req/s | p50 ms | p99 ms | non-2xx | errors | bytes/req | peak RSS MB | ÷ pg_featureserv mean |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sorted(CQ):
        r = CQ[n][1].get("filter_commune")
        if r:
            b = avg.get(("pg_featureserv", "filter_commune"))
            print(f"| {n} | {f(r['rps'])} | {f(r['p50_ms'], 2)} | {f(r['p99_ms'], 2)} | {r['non2xx']} | {r['errors']} | "
                  f"{r['bytes_per_req']} | {r['peak_rss_mb']} | {ratio(r['rps'], b['rps']) if b else '–'} |")

pages = tsv(os.path.join(out, "pages.tsv"))
if pages:
    print("\n## First page vs last page (addresses by id, limit 1000)\n")
    walk = os.path.join(out, "pages", "walk.txt")
    if os.path.exists(walk):
        for line in open(walk):
            if line.startswith("WALK "):
                w = json.loads(line[5:])
                print(f"Socle, walking the next links from the first page: {w['pages']} pages, {w['features']} features, "
                      f"ids {w['first_id']}…{w['last_id']} strictly increasing: {w['ids_sorted']}, {w['total_s']} s in all, "
                      f"slowest page {w['max_ms']} ms (the first, cold: {w['first_ms']} ms).\n")
    print("| URL | conns | requests | req/s | p50 ms | p99 ms | mean ms | non-2xx | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    by = {}
    for r in pages:
        by[(r["url"], r["conns"])] = r
        print(f"| {r['url']} | {r['conns']} | {r['requests']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['mean_ms']} | {r['non2xx']} | {r['errors']} |")
    print("\n| conns | Socle last/first p50 | pg_featureserv last/first p50 |")
    print("|---:|---:|---:|")
    for c in sorted({r["conns"] for r in pages}, key=int):
        s1, s2 = by.get(("socle_first", c)), by.get(("socle_last", c))
        p1, p2 = by.get(("pgfs_first", c)), by.get(("pgfs_last", c))
        print(f"| {c} | {ratio(s2['p50_ms'], s1['p50_ms']) if s1 and s2 else '–'} | "
              f"{ratio(p2['p50_ms'], p1['p50_ms']) if p1 and p2 else '–'} |")
    print("\nPaths:\n")
    seen = set()
    for r in pages:
        if r["url"] not in seen:
            seen.add(r["url"])
            print(f"- {r['url']}: `{r['path']}`")

load = tsv(os.path.join(out, "load.tsv"))
if load:
    print("\n## Machine load during the run (2 cores, shared; sampled every 5 s)\n")
    has_others = "others_cpu_pct" in load[0]
    print("| phase | samples | load1 min | load1 mean | load1 max | CPU busy % mean (whole machine) | max |"
          + (" benchmark's own CPU % mean | other users' CPU % mean | max |" if has_others else ""))
    print("|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|" if has_others else ""))
    g = defaultdict(list)
    order = []
    for r in load:
        ph = r.get("phase") or "?"
        if ph not in g:
            order.append(ph)
        g[ph].append(r)
    for ph in order:
        rs = g[ph]
        l1 = [float(r["load1"]) for r in rs]
        cpu = [float(r["cpu_busy_pct"]) for r in rs]
        line = f"| {ph} | {len(rs)} | {min(l1):.2f} | {sum(l1) / len(l1):.2f} | {max(l1):.2f} | {sum(cpu) / len(cpu):.0f} | {max(cpu):.0f} |"
        if has_others:
            b = [float(r["bench_cpu_pct"]) for r in rs]
            o = [float(r["others_cpu_pct"]) for r in rs]
            line += f" {sum(b) / len(b):.0f} | {sum(o) / len(o):.0f} | {max(o):.0f} |"
        print(line)
    if has_others:
        tops = defaultdict(float)
        for r in load:
            for kv in (r.get("top_others") or "").split(","):
                if ":" in kv:
                    c, v = kv.rsplit(":", 1)
                    tops[c] += float(v)
        top = sorted(tops.items(), key=lambda kv: -kv[1])[:5]
        print("\nBusiest other processes over the run (sum of their per-sample CPU %): "
              + ", ".join(f"{c} ({v:.0f})" for c, v in top) + ".")
