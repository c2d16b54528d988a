"""A rapidfuzz baseline with the same blocking idea as enlace-match: candidates share a pair
of name-token keys, a token key and the birth year, or the full date of birth; each
candidate is scored with rapidfuzz (token-set ratio on names, Jaro-Winkler per token)
plus date-of-birth agreement. Writes matches in the `enlace match` format."""
import argparse
import json
import os
import sys
import time
from collections import defaultdict
from multiprocessing import Pool

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

sys.path.insert(0, os.path.dirname(__file__))
from common import peak_memory_mib, read_entities  # noqa: E402

RECORDS = []
INDEX = defaultdict(list)


def key(t):
    return t[:4]


def keys(r, query):
    ks = set()
    toks = [key(t) for t in r["given"] + r["surnames"] if len(t) > 1]
    years = [r["year"]] if r["year"] else []
    if query and r["year"].isdigit():
        y = int(r["year"])
        years = [str(y - 1), str(y), str(y + 1)]
    for i, a in enumerate(toks):
        for b in toks[i + 1:]:
            if a != b:
                ks.add(("p",) + tuple(sorted((a, b))))
        for y in years:
            ks.add(("ty", a, y))
    if len(r["dob"]) == 10:
        ks.add(("d", r["dob"]))
    return ks


def dob_sim(a, b):
    if not a or not b:
        return 0.5
    if a == b:
        return 1.0
    if len(a) == 10 and len(b) == 10:
        if a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
            return 0.9
        if sum(x != y for x, y in zip(a, b)) == 1:
            return 0.85
        return 0.0
    return 0.8 if a[:4] == b[:4] else 0.0


def score(q, r):
    name = fuzz.token_set_ratio(q["full"], r["full"]) / 100.0
    sur = max((JaroWinkler.similarity(a, b) for a in q["surnames"] for b in r["surnames"]), default=0.0)
    giv = max((JaroWinkler.similarity(a, b) for a in q["given"] for b in r["given"]), default=0.0)
    s = 0.4 * name + 0.2 * sur + 0.15 * giv + 0.25 * dob_sim(q["dob"], r["dob"])
    if q["nationality"] and r["nationality"] and q["nationality"] != r["nationality"]:
        s -= 0.03
    if q["gender"] and r["gender"] and q["gender"] != r["gender"]:
        s -= 0.1
    return s


def match(q, limit=10, floor=0.5, max_cands=300):
    counts = defaultdict(int)
    for k in keys(q, True):
        for i in INDEX.get(k, ()):
            counts[i] += 1
    cands = sorted(counts, key=counts.get, reverse=True)[:max_cands]
    scored = sorted(((score(q, RECORDS[i]), i) for i in cands), reverse=True)[:limit]
    return [(RECORDS[i]["id"], s) for s, i in scored if s >= floor]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threshold", type=float, default=0.85)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--latency-sample", type=int, default=500)
    a = ap.parse_args()
    t = time.time()
    RECORDS.extend(read_entities(os.path.join(a.dir, "records.jsonl")))
    for i, r in enumerate(RECORDS):
        for k in keys(r, False):
            INDEX[k].append(i)
    build = time.time() - t
    queries = read_entities(os.path.join(a.dir, "queries.jsonl"))
    lat = []
    for q in queries[: a.latency_sample]:
        t0 = time.perf_counter()
        match(q)
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    t = time.time()
    # fork: workers share the index copy-on-write.
    with Pool(a.workers) as pool:
        results = pool.map(match, queries, chunksize=64)
    batch = time.time() - t
    with open(a.out, "w") as f:
        for q, ms in zip(queries, results):
            f.write(json.dumps({"query_id": q["id"], "matches": [{"id": i, "score": round(s, 4)} for i, s in ms]}) + "\n")
    print(json.dumps({
        "peer": "rapidfuzz",
        "records": len(RECORDS), "queries": len(queries),
        "build_seconds": round(build, 2),
        "latency_ms_p50": round(lat[len(lat) // 2], 3) if lat else 0,
        "latency_ms_p99": round(lat[int(len(lat) * 0.99) - 1], 3) if lat else 0,
        "batch_seconds": round(batch, 2),
        "batch_queries_per_second": round(len(queries) / batch, 1),
        "workers": a.workers,
        "peak_memory_mib": peak_memory_mib(),
    }, indent=2))


if __name__ == "__main__":
    main()
