#!/usr/bin/env python3
"""walk-feed.py FEED_URL TOKEN plain|coalesced — read a Socle change feed from TOKEN to its end,
pages of 10,000 (next links), and print seconds, bytes and entries, tab-separated."""
import json
import sys
import time
import urllib.parse
import urllib.request

url, token, mode = sys.argv[1], sys.argv[2], sys.argv[3]
params = {"since": token, "limit": "10000"}
if mode == "coalesced":
    params["coalesce"] = "true"
nxt = url + "?" + urllib.parse.urlencode(params)
entries = size = 0
t0 = time.monotonic()
while nxt:
    with urllib.request.urlopen(nxt) as resp:
        body = resp.read()
    size += len(body)
    page = json.loads(body)
    entries += len(page["changes"])
    nxt = next((l["href"] for l in page["links"] if l["rel"] == "next"), None)
print(f"{time.monotonic() - t0:.3f}\t{size}\t{entries}")
