#!/usr/bin/env bash
# Junk-import memory benchmark, run by hand: a release server with demo data in a throwaway
# data folder, an API token for officer.mx, then SIZE_MB of one-character lines ("x\n",
# generated on the fly, never written to disk) streamed to POST /api/v1/import into one of
# Mexico's case files. Prints the server's peak RSS (VmHWM) before and after, the time, and
# the answer's size and totals. Every line is rejected, so the answer must stay small and the
# server's memory must not grow with the upload.
#
#   bench/junk_import.sh [SIZE_MB]        (default 1024: 1 GiB, 536,870,912 lines)
#
# ENLACE_BIN=path/to/enlace skips the build (default: cargo build --release -p enlace).
# ENLACE_BENCH_PORT picks the port (default 18089).
set -euo pipefail
cd "$(dirname "$0")/.."
MB="${1:-1024}"
PORT="${ENLACE_BENCH_PORT:-18089}"
BIN="${ENLACE_BIN:-}"
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

"$BIN" serve --demo --data "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/server.log" 2>&1 &
PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "$BASE/healthz" >/dev/null

TOKEN="$("$BIN" token create --data "$DATA" --user officer.mx --name junk-bench | tail -n 1)"
CASE="$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/cases?per_page=200" |
  python3 -c 'import json, sys; print(next(c["id"] for c in json.load(sys.stdin)["items"] if c["owner_country"] == "mx"))')"

hwm() { awk '/^VmHWM/ {print $2}' "/proc/$PID/status"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$PID/status"; }
BEFORE_HWM="$(hwm)"
BEFORE_RSS="$(rss)"
echo "server pid $PID, case $CASE; before: VmHWM ${BEFORE_HWM} kB, VmRSS ${BEFORE_RSS} kB"

START="$(date +%s.%N)"
# One-character lines, generated as they are sent (`yes` ends on SIGPIPE once `head` has
# its fill, which pipefail would count as a failure). `-T -` streams stdin as a chunked
# upload; `--data-binary @-` would first read it all into curl's memory, and refuses 1 GiB.
STATUS="$({ yes x || true; } | head -c "$((MB * 1024 * 1024))" |
  curl -sS -o "$DATA/answer.json" -w '%{http_code}' \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/x-ndjson' \
    -X POST -T - "$BASE/api/v1/import?case_id=$CASE")"
END="$(date +%s.%N)"

AFTER_HWM="$(hwm)"
AFTER_RSS="$(rss)"
SIZE="$(stat -c %s "$DATA/answer.json")"
TOTALS="$(python3 - "$DATA/answer.json" <<'PY' 2>/dev/null || head -c 300 "$DATA/answer.json"
import json, sys
r = json.load(open(sys.argv[1]))
print("accepted %s, rejected_total %s, rejected listed %d, ids listed %d"
      % (r.get("accepted"), r.get("rejected_total"), len(r.get("rejected", [])), len(r.get("ids", []))))
PY
)"
echo "upload: ${MB} MiB of one-character lines in $(echo "$END - $START" | bc) s, HTTP $STATUS"
echo "answer: $SIZE bytes; $TOTALS"
echo "after:  VmHWM ${AFTER_HWM} kB, VmRSS ${AFTER_RSS} kB"
echo "peak RSS growth: $(( (AFTER_HWM - BEFORE_HWM) / 1024 )) MiB (VmHWM after - before)"
[ "$STATUS" = 200 ]
