#!/usr/bin/env bash
# Matcher at scale, run by hand (not in CI): index build and `enlace match` whole-process on
# one thread and on every core, same generated files, F1 checked identical.
#
#   bench/match_scale.sh [PERSONS] [QUERIES]   e.g. bench/match_scale.sh 780000 5000 (~1M records)
# Environment: DATA (default /tmp/match-data/<PERSONS>), THREADS (default "1 <all cores>"),
# RUNS (timed `enlace match` runs per thread count, default 3: min and median printed).
# Each timed run holds the shared cargo lock so that no build runs meanwhile (other loads on
# the machine still count: check `uptime` before trusting a figure). Data never goes in git.
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS="${1:-780000}"
QUERIES="${2:-5000}"
DATA="${DATA:-/tmp/match-data/$PERSONS}"
THREADS="${THREADS:-1 $(nproc)}"
RUNS="${RUNS:-3}"
LOCK=/tmp/enlace-cargo.lock

flock "$LOCK" cargo build --release -p enlace-match --bin match-bench -p enlace --bin enlace
BENCH="${CARGO_TARGET_DIR:-target}/release/match-bench"
ENLACE="${CARGO_TARGET_DIR:-target}/release/enlace"
[ -f "$DATA/records.jsonl" ] || "$BENCH" gen --persons "$PERSONS" --queries "$QUERIES" --out "$DATA"

uptime
for t in $THREADS; do
  echo "== match-bench run, $t thread(s)"
  flock "$LOCK" "$BENCH" run --dir "$DATA" --threads "$t" --latency-sample 500 \
    --out "$DATA/bench.$t.matches.jsonl" | tee "$DATA/bench.$t.json"
  echo "== enlace match, $t thread(s), whole process, $RUNS runs"
  : > "$DATA/enlace.$t.runs"
  for r in $(seq "$RUNS"); do
    flock "$LOCK" /usr/bin/time -v "$ENLACE" match --records "$DATA/records.jsonl" \
      --queries "$DATA/queries.jsonl" --out "$DATA/enlace.$t.matches.jsonl" --threads "$t" \
      2> "$DATA/enlace.$t.time" || { cat "$DATA/enlace.$t.time"; exit 1; }
    grep -E "Elapsed|Maximum resident|Percent of CPU" "$DATA/enlace.$t.time" | tr '\n' ' '
    echo
    # Wall seconds and peak RSS (KiB) of this run.
    awk '/Elapsed/ {n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%s ", s}
         /Maximum resident/ {print $NF}' "$DATA/enlace.$t.time" >> "$DATA/enlace.$t.runs"
  done
  sort -n "$DATA/enlace.$t.runs" | awk '{w[NR] = $1; if ($2 > m) m = $2}
    END {printf "enlace match, %s thread(s): min %.2f s, median %.2f s, peak RSS %d MiB\n", "'"$t"'", w[1], w[int((NR + 1) / 2)], m / 1024}'
  "$BENCH" eval --truth "$DATA/truth.jsonl" --matches "$DATA/enlace.$t.matches.jsonl" --threshold 0.5
done
