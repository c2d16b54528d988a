#!/usr/bin/env bash
# Soak test, run by hand: a server with demo data in a throwaway SQLite data folder under
# mixed load for MINUTES minutes (default 30): audited reads, searches, hit/no-hit checks,
# writes (case files, entities, imports, alerts) and live event streams that reconnect.
# Every SAMPLE seconds (default 60) it records the server's resident memory, open files
# and WAL size into a CSV, then prints the memory growth from the first sample after
# warm-up to the last (the target is under 10%) and any request that got a 5xx.
#
#   bench/soak.sh [MINUTES] [CSV]          (defaults 30 and target/soak.csv)
#
# ENLACE_BIN=path/to/enlace skips the build (default: cargo build --release -p enlace).
# ENLACE_SOAK_SAMPLE=SECONDS changes the sampling interval; ENLACE_SOAK_PORT the port
# (default 18091); ENLACE_SOAK_WORKERS the number of client threads (default 8);
# ENLACE_SOAK_WRITES_PER_MIN paces the writes across all workers (default 0: unpaced, about a
# fifth of all requests), the rest of the load staying the same; ENLACE_SOAK_WARMUP_MINUTES
# runs that long unpaced first (the database outgrows the page caches) and measures after it.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES="${1:-30}"
CSV="${2:-target/soak.csv}"
PORT="${ENLACE_SOAK_PORT:-18091}"
BIN="${ENLACE_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --release -p enlace
  BIN=target/release/enlace
fi
mkdir -p "$(dirname "$CSV")"
DATA="$(mktemp -d)"
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT

# The full-disk reserve is not what is measured here.
ENLACE_DISK_RESERVE_MB=0 "$BIN" serve --demo --data "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/server.log" 2>&1 &
PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 240); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "$BASE/healthz" >/dev/null
TOKENS=()
for u in officer.mx officer.gt officer.pa officer.cr; do
  TOKENS+=("$("$BIN" token create --data "$DATA" --user "$u" --name soak | tail -n 1)")
done
python3 bench/soak.py --base "$BASE" --pid "$PID" --data "$DATA" --minutes "$MINUTES" \
  --sample "${ENLACE_SOAK_SAMPLE:-60}" --workers "${ENLACE_SOAK_WORKERS:-8}" --csv "$CSV" \
  --writes-per-min "${ENLACE_SOAK_WRITES_PER_MIN:-0}" \
  --warmup-minutes "${ENLACE_SOAK_WARMUP_MINUTES:-0}" --tokens "${TOKENS[@]}"
