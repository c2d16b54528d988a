#!/usr/bin/env bash
# Refits the matcher's evidence weights on a training corpus (seed 7, never the benchmark's
# seed 42), run by hand: bench/fit_weights.sh [PERSONS] (default 780000, about 1M records).
# Prints a multiplier per evidence group; the constants in enlace-match are set from it.
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS="${1:-780000}"
VENV="${ENLACE_BENCH_VENV:-/tmp/enlace-bench-venv}"
OUT="target/bench/train-$PERSONS"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q numpy==2.4.6
cargo build --release -p enlace-match --bin match-bench
[ -f "$OUT/records.jsonl" ] || target/release/match-bench gen --persons "$PERSONS" --queries 20000 --seed 7 --out "$OUT"
target/release/match-bench features --dir "$OUT" --out "$OUT/features.csv"
"$VENV/bin/python" bench/fit_weights.py "$OUT/features.csv" "$OUT/truth.jsonl"
