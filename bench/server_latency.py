#!/usr/bin/env python3
"""One connection, one search at a time: p50/p90/p99 per kind of query.

  server_latency.py BASE TOKEN QUERIES.tsv
  SLOWEST=N also lists the N slowest queries (kind, time, query).
"""
import os
import http.client
import sys
import time
import urllib.parse

base, token, path = sys.argv[1], sys.argv[2], sys.argv[3]
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port)
times = {}
slow = []
with open(path, encoding="utf-8") as f:
    rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
for kind, q in rows:
    t = time.perf_counter()
    conn.request("GET", f"/api/v1/search?q={q}", headers={"Authorization": f"Bearer {token}"})
    r = conn.getresponse()
    r.read()
    ms = (time.perf_counter() - t) * 1000
    if r.status != 200:
        print(f"{kind} {q}: {r.status}", file=sys.stderr)
    times.setdefault(kind, []).append(ms)
    times.setdefault("all", []).append(ms)
    slow.append((ms, kind, q))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


for kind, xs in sorted(times.items()):
    print(f"{kind:16} n={len(xs):5}  p50 {pct(xs, .5):7.1f} ms  p90 {pct(xs, .9):7.1f} ms  p99 {pct(xs, .99):7.1f} ms  max {max(xs):7.1f} ms")

for ms, kind, q in sorted(slow, reverse=True)[: int(os.environ.get("SLOWEST", "0"))]:
    print(f"  {ms:7.1f} ms  {kind:16} {urllib.parse.unquote(q)}")
