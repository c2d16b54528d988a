#!/usr/bin/env python3
"""Mixed load and resource sampling for bench/soak.sh (standard library only)."""
import argparse
import csv
import http.client
import json
import os
import random
import sqlite3
import sys
import threading
import time
from urllib.parse import urlparse, quote

stop = threading.Event()
lock = threading.Lock()
counts = {}  # kind -> [ok, 4xx, 5xx, errors]
# Writes allowed per minute across all workers (0 = no limit). A worker whose write would
# exceed the pace does a read instead, so the load stays mixed at a realistic write rate.
write_pace = {"per_min": 0, "next": 0.0}


def may_write():
    if write_pace["per_min"] <= 0:
        return True
    with lock:
        now = time.time()
        if now < write_pace["next"]:
            return False
        write_pace["next"] = max(now, write_pace["next"]) + 60.0 / write_pace["per_min"]
        return True


def count(kind, status):
    with lock:
        c = counts.setdefault(kind, [0, 0, 0, 0])
        if status is None:
            c[3] += 1
        elif status >= 500:
            c[2] += 1
        elif status >= 400:
            c[1] += 1
        else:
            c[0] += 1


class Client:
    def __init__(self, base, token):
        u = urlparse(base)
        self.host, self.port, self.token = u.hostname, u.port, token
        self.conn = None

    def call(self, kind, method, path, body=None, ctype="application/json"):
        for _ in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                headers = {"Authorization": "Bearer " + self.token}
                data = None
                if body is not None:
                    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
                    headers["Content-Type"] = ctype
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                raw = r.read()
                count(kind, r.status)
                try:
                    return r.status, json.loads(raw) if raw else None
                except ValueError:
                    return r.status, None
            except (OSError, http.client.HTTPException):
                self.conn = None
        count(kind, None)
        return None, None


def worker(base, token, country, n):
    c = Client(base, token)
    rnd = random.Random(n)
    st, v = c.call("write", "POST", "/api/v1/cases",
                   {"title": f"Caso de resistencia {country} {n}", "distribution": {"level": "members"}})
    case = v["id"] if st == 201 else None
    entities = []
    i = 0
    while not stop.is_set():
        i += 1
        r = rnd.random()
        if r >= 0.80 and not may_write():
            r = rnd.random() * 0.80
        if r < 0.35 and entities:
            c.call("read", "GET", f"/api/v1/entities/{rnd.choice(entities)}")
        elif r < 0.45:
            c.call("read", "GET", "/api/v1/cases?per_page=20")
        elif r < 0.65:
            q = rnd.choice(["Ficticia", "Red", "Hernandez", "Lopez", "5555", "Maria Perez"])
            c.call("search", "GET", f"/api/v1/search?q={quote(q)}")
        elif r < 0.80:
            c.call("check", "POST", "/api/v1/checks", {
                "purpose": "Prueba de resistencia", "case_reference": f"SOAK-{n}",
                "subject": {"schema": "Person", "properties": {
                    "name": [rnd.choice(["Eduardo Xicara", "Maria Lopez", "Jose Hernandez"])],
                    "birthDate": ["1975-02-14"]}}})
        elif r < 0.93 and case:
            st, v = c.call("write", "POST", "/api/v1/entities", {
                "case_id": case, "schema": "Person",
                "properties": {"name": [f"Persona Ficticia {country} {n} {i}"], "birthDate": ["1980-01-02"]}})
            if st == 201 and len(entities) < 500:
                entities.append(v["id"])
        elif r < 0.97 and case:
            lines = "\n".join(json.dumps(x) for x in [
                {"id": "p", "schema": "Person", "properties": {"name": [f"Importada {n} {i}"]}},
                {"id": "o", "schema": "Organization", "properties": {"name": [f"Red ficticia {n} {i}"]}},
                {"id": "m", "schema": "Membership", "properties": {"member": ["p"], "organization": ["o"]}},
            ])
            c.call("write", "POST", f"/api/v1/import?case_id={case}", lines, "application/x-ndjson")
        else:
            c.call("write", "POST", "/api/v1/alerts", {
                "kind": "other", "title": f"Alerta de resistencia {n} {i}", "recipients": "members"})


def stream(base, token):
    """A live event stream, reconnected every 30-90 s (connection churn)."""
    u = urlparse(base)
    rnd = random.Random(token)
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
            conn.request("GET", "/api/v1/events", headers={"Authorization": "Bearer " + token,
                                                          "Accept": "text/event-stream"})
            r = conn.getresponse()
            count("stream", r.status)
            until = time.time() + rnd.uniform(30, 90)
            while not stop.is_set() and time.time() < until:
                try:
                    if not r.fp.readline():
                        break
                except OSError:
                    pass  # read timeout: no event in 5 s
            conn.close()
        except (OSError, http.client.HTTPException):
            count("stream", None)
            time.sleep(1)


def sample(pid, data):
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    wal = os.path.join(data, "enlace.db-wal")
    wal_size = os.path.getsize(wal) if os.path.exists(wal) else 0
    db_size = os.path.getsize(os.path.join(data, "enlace.db"))
    # Stored entities: the check index in memory grows with them, which is data, not a leak.
    try:
        con = sqlite3.connect(f"file:{os.path.join(data, 'enlace.db')}?mode=ro", uri=True, timeout=10)
        entities = con.execute("SELECT count(*) FROM entities").fetchone()[0]
        con.close()
    except sqlite3.Error:
        entities = -1
    return rss, fds, wal_size, db_size, entities


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--sample", type=float, default=60)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--writes-per-min", type=int, default=0)
    # Unpaced writes first, so the database outgrows the page caches (their bound is reached)
    # before the measured window; the baseline is the first sample after the warm-up.
    ap.add_argument("--warmup-minutes", type=float, default=0)
    ap.add_argument("--tokens", nargs="+", required=True)
    a = ap.parse_args()
    write_pace["per_min"] = 0 if a.warmup_minutes > 0 else a.writes_per_min
    countries = ["mx", "gt", "pa", "cr"]
    threads = []
    for n in range(a.workers):
        k = n % len(a.tokens)
        threads.append(threading.Thread(target=worker, args=(a.base, a.tokens[k], countries[k], n), daemon=True))
    for k in range(len(a.tokens) * 2):
        threads.append(threading.Thread(target=stream, args=(a.base, a.tokens[k % len(a.tokens)]), daemon=True))
    for t in threads:
        t.start()
    start = time.time()
    rows = []
    warm_rows = 0
    with open(a.csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["minute", "rss_kib", "open_files", "wal_bytes", "db_bytes", "entities", "requests_ok", "requests_4xx", "requests_5xx", "errors"])
        while True:
            time.sleep(max(0.0, start + a.sample * (len(rows) + 1) - time.time()))
            rss, fds, wal, db, ents = sample(a.pid, a.data)
            with lock:
                tot = [sum(c[i] for c in counts.values()) for i in range(4)]
            row = [round((time.time() - start) / 60, 2), rss, fds, wal, db, ents] + tot
            rows.append(row)
            w.writerow(row)
            f.flush()
            print("soak:", dict(zip(["minute", "rss_kib", "open_files", "wal_bytes", "db_bytes", "entities", "ok", "4xx", "5xx", "errors"], row)), flush=True)
            if write_pace["per_min"] != a.writes_per_min and time.time() - start >= a.warmup_minutes * 60:
                write_pace["per_min"] = a.writes_per_min
                warm_rows = len(rows)
                print("soak: warm-up over, measuring", flush=True)
            if time.time() - start >= (a.warmup_minutes + a.minutes) * 60:
                break
    stop.set()
    print("soak: per kind [ok, 4xx, 5xx, errors]:", json.dumps(counts, sort_keys=True))
    # Growth from the first sample after warm-up (the second, or the first if only one).
    base = rows[min(warm_rows, len(rows) - 1)] if a.warmup_minutes > 0 else (rows[1] if len(rows) > 2 else rows[0])
    growth = (rows[-1][1] - base[1]) / base[1] * 100
    print(f"soak: memory {base[1]} KiB -> {rows[-1][1]} KiB ({growth:+.1f}%), open files {base[2]} -> {rows[-1][2]}, "
          f"WAL max {max(r[3] for r in rows)} bytes; CSV in {a.csv}")
    if rows[-1][5] > base[5] >= 0:
        per = (rows[-1][1] - base[1]) * 1024 / (rows[-1][5] - base[5])
        print(f"soak: entities {base[5]} -> {rows[-1][5]}: {per:.0f} bytes of memory growth per entity stored")
    if any(c[2] for c in counts.values()):
        print("soak: FAILED: server errors (5xx)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
