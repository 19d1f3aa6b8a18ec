#!/usr/bin/env python3
"""walk-pages.py BASE_URL FIRST_PATH — follow the rel=next links of an OGC API Features items
page from FIRST_PATH to the end, as a client paging through a whole collection would.

Prints one line per page to stderr every 25 pages, then on stdout:
  WALK {"pages":..,"features":..,"first_id":..,"last_id":..,"ids_sorted":..,"total_s":..,
        "first_ms":..,"last_ms":..,"max_ms":..,"last_path":".."}
last_path is the path (with query) of the last page, to benchmark it directly. Only 127.0.0.1."""
import json, sys, time, urllib.parse, urllib.request

base, first = sys.argv[1].rstrip("/"), sys.argv[2]
if not base.startswith(("http://127.0.0.1", "http://localhost")):
    sys.exit("BASE_URL must be on 127.0.0.1")
url, pages, feats, ms, ids, prev_last = base + first, 0, 0, [], [], None
ok_sorted, t_all = True, time.perf_counter()
last_path = first
while url and pages < 100000:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        body = json.loads(r.read())
    ms.append((time.perf_counter() - t0) * 1000)
    pages += 1
    fs = body.get("features", [])
    feats += len(fs)
    if fs:
        page_ids = [int(f["id"]) for f in fs]
        if page_ids != sorted(page_ids) or (prev_last is not None and page_ids[0] <= prev_last):
            ok_sorted = False
        if not ids:
            ids.append(page_ids[0])
        prev_last = page_ids[-1]
    u = urllib.parse.urlsplit(url)
    last_path = u.path + ("?" + u.query if u.query else "")
    nxt = [l["href"] for l in body.get("links", []) if l.get("rel") == "next"]
    url = nxt[0] if nxt else None
    if url and not url.startswith(base):  # keep the walk on the server under test
        u2 = urllib.parse.urlsplit(url)
        url = base + u2.path + ("?" + u2.query if u2.query else "")
    if pages % 25 == 0:
        print(f"page {pages}: {feats} features, {ms[-1]:.1f} ms", file=sys.stderr)
print("WALK " + json.dumps({
    "pages": pages, "features": feats, "first_id": ids[0] if ids else None, "last_id": prev_last,
    "ids_sorted": ok_sorted, "total_s": round(time.perf_counter() - t_all, 2),
    "first_ms": round(ms[0], 1), "last_ms": round(ms[-1], 1), "max_ms": round(max(ms), 1),
    "last_path": last_path}))
