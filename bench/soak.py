#!/usr/bin/env python3
"""Mixed load and resource sampling for bench/soak.sh (standard library only)."""
import argparse
import csv
import http.client
import json
import os
import random
import sys
import threading
import time
from urllib.parse import urlparse, quote

stop = threading.Event()
lock = threading.Lock()
counts = {}  # kind -> [ok, 4xx, 5xx, errors]


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
    return rss, fds, wal_size, db_size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--sample", type=float, default=60)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--tokens", nargs="+", required=True)
    a = ap.parse_args()
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
    with open(a.csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["minute", "rss_kib", "open_files", "wal_bytes", "db_bytes", "requests_ok", "requests_4xx", "requests_5xx", "errors"])
        while True:
            time.sleep(max(0.0, start + a.sample * (len(rows) + 1) - time.time()))
            rss, fds, wal, db = sample(a.pid, a.data)
            with lock:
                tot = [sum(c[i] for c in counts.values()) for i in range(4)]
            row = [round((time.time() - start) / 60, 2), rss, fds, wal, db] + tot
            rows.append(row)
            w.writerow(row)
            f.flush()
            print("soak:", dict(zip(["minute", "rss_kib", "open_files", "wal_bytes", "db_bytes", "ok", "4xx", "5xx", "errors"], row)), flush=True)
            if time.time() - start >= a.minutes * 60:
                break
    stop.set()
    print("soak: per kind [ok, 4xx, 5xx, errors]:", json.dumps(counts, sort_keys=True))
    # Growth from the first sample after warm-up (the second, or the first if only one).
    base = rows[1] if len(rows) > 2 else rows[0]
    growth = (rows[-1][1] - base[1]) / base[1] * 100
    print(f"soak: memory {base[1]} KiB -> {rows[-1][1]} KiB ({growth:+.1f}%), open files {base[2]} -> {rows[-1][2]}, "
          f"WAL max {max(r[3] for r in rows)} bytes; CSV in {a.csv}")
    if any(c[2] for c in counts.values()):
        print("soak: FAILED: server errors (5xx)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
