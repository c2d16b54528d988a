#!/usr/bin/env python3
"""Search queries for bench/server_scale.sh, GENERATED from the stored records by code (not
taken from any test file): misspelt full names (one random edit — substitution, deletion,
insertion or transposition — in one word), single common surnames, phones typed another way,
and passport numbers typed another way. Fixed seed, so every run asks the same.

  server_queries.py RECORDS.jsonl OUT.tsv [PER_KIND]      (default 500 per kind)

OUT.tsv: one line per query, "kind<TAB>url-encoded query".
"""
import collections
import json
import random
import sys
import urllib.parse

records, out = sys.argv[1], sys.argv[2]
per_kind = int(sys.argv[3]) if len(sys.argv) > 3 else 500
rng = random.Random(20261201)
LETTERS = "abcdefghijklmnopqrstuvwxyzáéíóúñ"


def misspell(word):
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + rng.choice(LETTERS) + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    if kind == 2:
        return word[:i] + rng.choice(LETTERS) + word[i:]
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


names, phones, passports = [], [], []
surnames = collections.Counter()
with open(records, encoding="utf-8") as f:
    for n, line in enumerate(f):
        p = json.loads(line)["properties"]
        first, last = p.get("firstName", [""])[0], p.get("lastName", [""])[0]
        if last:
            surnames[last.split()[0].lower()] += 1
        # Reservoir-ish sampling: every 97th record is a candidate.
        if n % 97 == 0:
            if first and last:
                names.append(f"{first} {last}")
            if p.get("phone"):
                phones.append(p["phone"][0])
            if p.get("passportNumber"):
                passports.append(p["passportNumber"][0])

queries = []
for full in rng.sample(names, min(per_kind, len(names))):
    words = full.split()
    j = rng.randrange(len(words))
    words[j] = misspell(words[j])
    queries.append(("name_misspelt", " ".join(words)))
common = [s for s, _ in surnames.most_common(50)]
for _ in range(per_kind):
    queries.append(("surname_common", rng.choice(common)))
for ph in rng.sample(phones, min(per_kind, len(phones))):
    digits = "".join(c for c in ph if c.isdigit())
    style = rng.randrange(3)
    local = digits[-8:]
    typed = (local if style == 0 else f"({digits[:3]}) {local[:4]} {local[4:]}" if style == 1
             else f"00{digits[:3]}{local}")
    queries.append(("phone", typed))
for pp in rng.sample(passports, min(per_kind, len(passports))):
    compact = pp.replace("-", "").upper()
    typed = compact if rng.random() < 0.5 else f"{compact[:1]} {compact[1:]}".lower()
    queries.append(("document", typed))
rng.shuffle(queries)
with open(out, "w", encoding="utf-8") as f:
    for kind, q in queries:
        f.write(f"{kind}\t{urllib.parse.quote(q)}\n")
print(f"{len(queries)} queries ({per_kind} per kind) into {out}", file=sys.stderr)
