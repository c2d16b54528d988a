"""Shared reading and name folding for the peer baselines (same files as match-bench)."""
import json
import re
import unicodedata


def fold(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("'", "")
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


PARTICLES = {"de", "del", "la", "las", "los", "y", "da", "dos", "das", "do", "di", "du", "van", "von", "le", "bin", "ben", "al", "el"}


def tokens(s):
    return [t for t in fold(s).split() if t not in PARTICLES]


def split_name(props):
    """(given tokens, surname tokens) from firstName/lastName, "SURNAME, Given", capitals,
    or the Hispanic convention (last two words are surnames)."""
    first = props.get("firstName") or []
    last = props.get("lastName") or []
    if first and last:
        return tokens(first[0]), tokens(last[0])
    names = props.get("name") or [""]
    full = names[0]
    if "," in full:
        sur, given = full.split(",", 1)
        return tokens(given), tokens(sur)
    words = full.split()
    caps = [w for w in words if len(w) > 1 and w.isupper()]
    if caps and len(caps) < len(words):
        return tokens(" ".join(w for w in words if w not in caps)), tokens(" ".join(caps))
    t = tokens(full)
    if len(t) >= 3:
        return t[:-2], t[-2:]
    return t[:1], t[1:]


def read_entities(path):
    out = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            p = e.get("properties", {})
            given, sur = split_name(p)
            dob = (p.get("birthDate") or [""])[0]
            out.append({
                "id": e["id"],
                "given": given,
                "surnames": sur,
                "full": " ".join(given + sur),
                "dob": dob,
                "year": dob[:4] if dob else "",
                "nationality": (p.get("nationality") or [""])[0],
                "gender": (p.get("gender") or [""])[0],
            })
    return out


def peak_memory_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0
