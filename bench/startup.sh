#!/usr/bin/env bash
# Start-up with a large database (issue 16), run by hand: starts `enlace serve` on an EXISTING
# data folder (a copy: the server writes into it), times `/healthz` and the first check that
# answers 200 (503 `index_warming` before), prints the server's peak RSS and its
# `check index ready` log line. The start-up phase of bench/server_scale.sh without the import.
#
#   bench/startup.sh BIN DATA [DATABASE_URL]
# CORPUS (default /tmp/server-data/gen/records.jsonl): its first person is the check's subject.
# Run it under the shared lock (flock /tmp/enlace-cargo.lock bench/startup.sh …).
set -euo pipefail
BIN=$1; DATA=$2; DB=${3:-}
PORT="${ENLACE_BENCH_PORT:-18391}"; BASE=http://127.0.0.1:$PORT
DBA=(); [ -n "$DB" ] && DBA=(--database "$DB")
PA="$("$BIN" token create --data "$DATA" "${DBA[@]}" --user prosecutor.pa --name st | tail -n 1)"
SUBJECT="$(head -n 1 "${CORPUS:-/tmp/server-data/gen/records.jsonl}" | python3 -c 'import json,sys; p=json.load(sys.stdin)["properties"]; print(json.dumps({"purpose":"Bench","case_reference":"B-1","subject":{"schema":"Person","properties":{k:p[k] for k in ("firstName","lastName","birthDate") if k in p}}}))')"
S=$(date +%s.%N)
ENLACE_LOG=info "$BIN" serve --data "$DATA" "${DBA[@]}" --listen 127.0.0.1:$PORT > "$DATA/st.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -fsS $BASE/healthz >/dev/null 2>&1; do sleep 0.02; done
H=$(date +%s.%N)
while :; do
  C="$(curl -s -o "$DATA/startup-answer.json" -w '%{http_code}' -H "Authorization: Bearer $PA" -H 'Content-Type: application/json' -d "$SUBJECT" $BASE/api/v1/checks)"
  [ "$C" = 200 ] && break; [ "$C" = 503 ] || { echo "check $C"; cat "$DATA/startup-answer.json"; exit 1; }; sleep 0.1
done
E=$(date +%s.%N)
echo "healthz $(python3 -c "print(round($H-$S,2))") s; first check $(python3 -c "print(round($E-$S,2))") s; peak $(awk '/^VmHWM/ {printf "%d MiB", $2/1024}' /proc/$PID/status)"
grep -o 'check index ready.*' "$DATA/st.log" | sed 's/\x1b\[[0-9;]*m//g'
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print("hits:", [r["country"] for r in a["results"] if r["hit"]])' "$DATA/startup-answer.json"
