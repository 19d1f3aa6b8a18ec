#!/usr/bin/env python3
"""report-tiles.py OUT_DIR — Markdown summary of the tile and embedded-store steps of bench/run.sh:
pg_tileserv vs Socle (PostGIS and embedded stores, without and with the tile cache) on the kit's
tile lists, the embedded store vs PostGIS on the features scenarios, and the embedded start-up.
Each figure is the mean over the rounds of that configuration (rounds are listed)."""
import csv, glob, os, re, sys
from collections import defaultdict

out = sys.argv[1]


def rows(prefix):
    """scenario -> list of result rows, over every round dir OUT/prefix-N."""
    acc = defaultdict(list)
    for d in sorted(glob.glob(os.path.join(out, prefix + "-[0-9]*"))):
        p = os.path.join(d, "results.tsv")
        if not os.path.exists(p):
            continue
        with open(p) as f:
            for r in csv.DictReader(f, delimiter="\t"):
                acc[re.sub(r"^ts_", "tiles_", r["scenario"])].append(r)
    return acc


def mean(rs, k):
    v = [float(r[k]) for r in rs if r.get(k) not in (None, "", "-")]
    return sum(v) / len(v) if v else None


def fmt(x, d=1):
    return "–" if x is None else f"{x:.{d}f}"


def ratio(a, b):
    return "–" if a is None or not b else f"**{a / b:.2f}×**"


def rounds(rs, k="rps"):
    return ", ".join(fmt(float(r[k])) for r in rs)


pgts, pg_nc, pg_c = rows("pg_tileserv"), rows("socle_tiles_nocache"), rows("socle_tiles_cache")
em_nc, em_c, pg_items = rows("embedded_nocache"), rows("embedded_cache"), rows("socle")

if not (pgts or pg_nc or pg_c or em_nc or em_c):
    sys.exit(0)
print("### Tiles: pg_tileserv vs Socle\n")
print("req/s (mean of rounds; the rounds in brackets), p99 in ms, peak RSS in MB; non-2xx counts wrk's"
      " non-2xx answers and errors its socket errors (timeouts included).\n")
print("| tiles | pg_tileserv req/s | Socle PostGIS uncached | ratio | Socle PostGIS cached | cached/uncached |"
      " embedded uncached | ratio vs pg_tileserv | embedded cached | p99 pg_tileserv / Socle PG uncached / cached |"
      " peak RSS pg_tileserv / Socle PG cached / embedded cached | non-2xx+errors pgts / Socle |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|")
for z in (12, 14, 16):
    for layer in ("roads", "addresses"):
        s = f"tiles_{layer}_z{z}"
        a, b, c, d, e = pgts.get(s, []), pg_nc.get(s, []), pg_c.get(s, []), em_nc.get(s, []), em_c.get(s, [])
        ra, rb, rc, rd, re_ = (mean(x, "rps") for x in (a, b, c, d, e))
        bad = lambda xs: sum(int(r["non2xx"]) + int(r["errors"]) for r in xs)
        print(f"| {layer} z{z} | {fmt(ra)} ({rounds(a)}) | {fmt(rb)} ({rounds(b)}) | {ratio(rb, ra)} | {fmt(rc)} ({rounds(c)}) |"
              f" {ratio(rc, rb)} | {fmt(rd)} ({rounds(d)}) | {ratio(rd, ra)} | {fmt(re_)} |"
              f" {fmt(mean(a, 'p99_ms'))} / {fmt(mean(b, 'p99_ms'))} / {fmt(mean(c, 'p99_ms'))} |"
              f" {fmt(mean(a, 'peak_rss_mb'))} / {fmt(mean(c, 'peak_rss_mb'))} / {fmt(mean(e, 'peak_rss_mb'))} |"
              f" {bad(a)} / {bad(b) + bad(c) + bad(d) + bad(e)} |")
print("\nMean bytes per tile (pg_tileserv / Socle): " + "; ".join(
    f"{l} z{z} {fmt(mean(pgts.get(f'tiles_{l}_z{z}', []), 'bytes_per_req'), 0)} / "
    f"{fmt(mean(pg_nc.get(f'tiles_{l}_z{z}', []), 'bytes_per_req'), 0)}"
    for z in (12, 14, 16) for l in ("roads", "addresses")))

print("\n### Features: embedded store vs PostGIS store (Socle both)\n")
print("| scenario | PostGIS req/s | embedded req/s | ratio | p99 PostGIS / embedded ms | peak RSS PostGIS / embedded MB |")
print("|---|---:|---:|---:|---|---|")
for s in ("items_bbox_l1000", "items_bbox_l100", "item_by_id", "filter_commune"):
    a, b = pg_items.get(s, []), em_nc.get(s, [])
    ra, rb = mean(a, "rps"), mean(b, "rps")
    print(f"| {s} | {fmt(ra)} ({rounds(a)}) | {fmt(rb)} ({rounds(b)}) | {ratio(rb, ra)} |"
          f" {fmt(mean(a, 'p99_ms'))} / {fmt(mean(b, 'p99_ms'))} | {fmt(mean(a, 'peak_rss_mb'))} / {fmt(mean(b, 'peak_rss_mb'))} |")

st = os.path.join(out, "embedded-startup.tsv")
if os.path.exists(st):
    print("\n### Embedded start-up (process start to /readyz: open, load, index)\n")
    print("| round | start-up s | peak RSS after start MB |")
    print("|---|---:|---:|")
    for i, line in enumerate(open(st), 1):
        f = line.split("\t")
        print(f"| {i} | {f[1]} | {f[3].strip()} |")
g = os.path.join(out, "gpkg.log")
if os.path.exists(g):
    print("\n`socle copy` PostGIS → GeoPackage: " + " ".join(l.strip() for l in open(g) if l.startswith("socle copy:")))
