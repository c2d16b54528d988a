#!/usr/bin/env python3
"""Harder search queries for bench/server_scale.sh (issue 16's target covers misspelt full
names, common surnames, phones and documents; these are the other ways people type),
GENERATED from the stored records by code (not taken from any test file), fixed seed:

  initial          an initial and the surname ("J García")
  first_letter     one edit on a word's FIRST letter ("Ernández", "Kastillo")
  two_edits        one edit in each of two words
  swapped          surname before given name
  given_surname    a common given name and a common surname
  two_surnames     two common surnames, at times the same one twice
  short_prefix     the first two or three letters of a common surname
  single_letter    one letter alone (the broadest query there is)
  long_common      five to eight common names
  name_dob         a stored name with its date of birth
  upper            a stored name in capitals with its accents

  server_hard_queries.py RECORDS.jsonl OUT.tsv [PER_KIND]   (default 150 per kind)

OUT.tsv: as bench/server_queries.py, "kind<TAB>url-encoded query"; read by
bench/server_latency.py.
"""
import collections
import json
import random
import sys
import urllib.parse

records, out = sys.argv[1], sys.argv[2]
per_kind = int(sys.argv[3]) if len(sys.argv) > 3 else 150
rng = random.Random(20261203)
LETTERS = "abcdefghijklmnopqrstuvwxyz"

people, surnames, given = [], collections.Counter(), collections.Counter()
with open(records, encoding="utf-8") as f:
    for n, line in enumerate(f):
        p = json.loads(line)["properties"]
        first, last = p.get("firstName", [""])[0], p.get("lastName", [""])[0]
        surnames.update(w.lower() for w in last.split())
        given.update(w.lower() for w in first.split())
        if n % 211 == 0 and first and last:
            people.append((first, last, p.get("birthDate", [""])[0]))
common_s = [s for s, _ in surnames.most_common(40)]
common_g = [g for g, _ in given.most_common(40)]


def edit(word, at_start=False):
    if len(word) < 3:
        return word
    i = 0 if at_start else rng.randrange(len(word))
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + rng.choice(LETTERS) + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    return word[:i] + rng.choice(LETTERS) + word[i:]


def sample():
    return rng.sample(people, min(per_kind, len(people)))


queries = []
for first, last, _ in sample():
    queries.append(("initial", f"{first[0]} {last}"))
for first, last, _ in sample():
    words = f"{first} {last}".split()
    j = rng.randrange(len(words))
    words[j] = edit(words[j], at_start=True)
    queries.append(("first_letter", " ".join(words)))
for first, last, _ in sample():
    words = f"{first} {last}".split()
    for j in rng.sample(range(len(words)), min(2, len(words))):
        words[j] = edit(words[j])
    queries.append(("two_edits", " ".join(words)))
for first, last, _ in sample():
    queries.append(("swapped", f"{last} {first}"))
for _ in range(per_kind):
    queries.append(("given_surname", f"{rng.choice(common_g)} {rng.choice(common_s)}"))
for _ in range(per_kind):
    queries.append(("two_surnames", f"{rng.choice(common_s)} {rng.choice(common_s)}"))
for _ in range(per_kind):
    queries.append(("short_prefix", rng.choice(common_s)[: rng.choice([2, 3])]))
for _ in range(per_kind):
    queries.append(("single_letter", rng.choice(LETTERS)))
for _ in range(per_kind):
    n = rng.randrange(5, 9)
    queries.append(("long_common", " ".join(rng.choice(common_g + common_s) for _ in range(n))))
for first, last, born in sample():
    queries.append(("name_dob", f"{first} {last} {born}".strip()))
for first, last, _ in sample():
    queries.append(("upper", f"{first} {last}".upper()))
rng.shuffle(queries)
with open(out, "w", encoding="utf-8") as f:
    for kind, q in queries:
        f.write(f"{kind}\t{urllib.parse.quote(q)}\n")
print(f"{len(queries)} queries ({per_kind} per kind) into {out}", file=sys.stderr)
