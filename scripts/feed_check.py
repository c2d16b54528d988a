"""Checks the public portal's Atom feeds with feedparser (the reference parser from PyPI):
each file must parse without error as Atom 1.0, carry a title, and hold entries that each
have an id, a title and a link to the portal.

    python scripts/feed_check.py FEED.atom [FEED.atom ...]
"""
import sys

import feedparser


def check(path: str) -> int:
    with open(path, "rb") as f:
        d = feedparser.parse(f.read())
    problems = []
    if d.bozo:
        problems.append(f"not well-formed: {d.bozo_exception!r}")
    if d.version != "atom10":
        problems.append(f"version {d.version!r}, expected atom10")
    if not d.feed.get("title"):
        problems.append("feed without a title")
    if not d.entries:
        problems.append("no entries")
    for e in d.entries:
        if not (e.get("id") and e.get("title") and "/portal/" in e.get("link", "")):
            problems.append(f"incomplete entry: {e.get('id')!r}")
    for p in problems:
        print(f"{path}: {p}")
    if not problems:
        print(f"{path}: Atom 1.0, {len(d.entries)} entries, ok")
    return len(problems)


if __name__ == "__main__":
    sys.exit(1 if sum(check(p) for p in sys.argv[1:]) else 0)
