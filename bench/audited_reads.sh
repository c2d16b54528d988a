#!/usr/bin/env bash
# Audited-read throughput, run by hand: a release server with demo data in a throwaway data
# folder (SQLite, or PostgreSQL with ENLACE_BENCH_DATABASE=postgres://…), then wrk (Debian's
# package) at CONNS connections for SECS seconds against `GET /healthz` (no database write)
# and against `GET /api/v1/entities/{id}` as officer.mx on one of Mexico's entities: every
# such read writes its audit row durably before it answers. Prints requests/s and latency
# percentiles for both.
#
#   bench/audited_reads.sh [CONNS] [SECS]      (defaults 64 and 20)
#
# ENLACE_BIN=path/to/enlace skips the build (default: cargo build --release -p enlace).
# ENLACE_BENCH_PORT picks the port (default 18090).
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS="${1:-64}"
SECS="${2:-20}"
PORT="${ENLACE_BENCH_PORT:-18090}"
BIN="${ENLACE_BIN:-}"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
if [ -z "$BIN" ]; then
  cargo build --release -p enlace
  BIN=target/release/enlace
fi
DATA="$(mktemp -d)"
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT

DB_ARGS=()
STORE_ARGS=(--data "$DATA")
if [ -n "${ENLACE_BENCH_DATABASE:-}" ]; then
  DB_ARGS=(--database "$ENLACE_BENCH_DATABASE")
  STORE_ARGS=(--database "$ENLACE_BENCH_DATABASE")
fi
"$BIN" serve --demo --data "$DATA" "${DB_ARGS[@]}" --listen "127.0.0.1:$PORT" >"$DATA/server.log" 2>&1 &
PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "$BASE/healthz" >/dev/null

TOKEN="$("$BIN" token create "${STORE_ARGS[@]}" --user officer.mx --name read-bench | tail -n 1)"
CASE="$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/cases?owner=mx&per_page=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
ENTITY="$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/cases/$CASE/entities?per_page=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"

echo "== healthz: $CONNS connections, ${SECS}s"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$BASE/healthz"
echo
echo "== audited read GET /api/v1/entities/$ENTITY: $CONNS connections, ${SECS}s"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/entities/$ENTITY"
echo
echo "audit entries written: $("$BIN" audit verify "${STORE_ARGS[@]}" 2>&1 | tail -n 1)"
