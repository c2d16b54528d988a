#!/usr/bin/env bash
# Matching benchmark, run by hand (not in CI): enlace-match and its peers (rapidfuzz,
# splink) side by side on the same generated files, in the same run.
#
#   bench/run.sh [PERSONS] [QUERIES]      e.g. bench/run.sh 78000 10000   (~100k records)
#                                              bench/run.sh 780000 20000  (~1M records)
# Environment: ENLACE_BENCH_VENV (default /tmp/enlace-bench-venv), SKIP_SPLINK=1,
# SKIP_RAPIDFUZZ=1. Outputs go to target/bench/<PERSONS>/ (never committed).
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS="${1:-78000}"
QUERIES="${2:-10000}"
VENV="${ENLACE_BENCH_VENV:-/tmp/enlace-bench-venv}"
OUT="target/bench/$PERSONS"
mkdir -p "$OUT"

# Pinned peers, installed into a throw-away venv.
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q rapidfuzz==3.14.6 splink==4.0.17 duckdb==2.0.1 pandas==3.1.1

cargo build --release -p enlace-match --bin match-bench
BENCH=target/release/match-bench

[ -f "$OUT/records.jsonl" ] || "$BENCH" gen --persons "$PERSONS" --queries "$QUERIES" --out "$OUT"

echo "== enlace-match"
"$BENCH" run --dir "$OUT" --out "$OUT/enlace.matches.jsonl" | tee "$OUT/enlace.json"

if [ -z "${SKIP_RAPIDFUZZ:-}" ]; then
  echo "== rapidfuzz"
  "$VENV/bin/python" bench/peers/rapidfuzz_baseline.py --dir "$OUT" --out "$OUT/rapidfuzz.matches.jsonl" | tee "$OUT/rapidfuzz.json"
  "$BENCH" eval --truth "$OUT/truth.jsonl" --matches "$OUT/rapidfuzz.matches.jsonl" --threshold 0.85 | tee "$OUT/rapidfuzz.eval.json"
fi

if [ -z "${SKIP_SPLINK:-}" ]; then
  echo "== splink"
  "$VENV/bin/python" bench/peers/splink_baseline.py --dir "$OUT" --out "$OUT/splink.matches.jsonl" | tee "$OUT/splink.json"
  "$BENCH" eval --truth "$OUT/truth.jsonl" --matches "$OUT/splink.matches.jsonl" --threshold 0.5 | tee "$OUT/splink.eval.json"
fi
