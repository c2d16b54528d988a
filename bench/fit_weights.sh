#!/usr/bin/env bash
# Refits the matcher's evidence weights on training corpora (seed 7, never the benchmark's
# seed 42), run by hand: bench/fit_weights.sh [PERSONS...] (default 78000 and 780000, about
# 100k and 1M records, fitted together so the prior's index-size term is identified).
# Prints a multiplier per evidence group; the constants in enlace-match are set from it.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${ENLACE_BENCH_VENV:-/tmp/enlace-bench-venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q numpy==2.4.6
cargo build --release -p enlace-match --bin match-bench
DIRS=()
for PERSONS in "${@:-78000 780000}"; do
  for P in $PERSONS; do
    OUT="target/bench/train-$P"
    [ -f "$OUT/records.jsonl" ] || target/release/match-bench gen --persons "$P" --queries 20000 --seed 7 --out "$OUT"
    target/release/match-bench features --dir "$OUT" --out "$OUT/features.csv"
    DIRS+=("$OUT")
  done
done
"$VENV/bin/python" bench/fit_weights.py "${DIRS[@]}"
