#!/usr/bin/env bash
# The server at a million persons (issue 16), run by hand against a release binary:
#  1. import: the matching benchmark's generated corpus (`match-bench gen --persons 780000
#     --seed 7`: ~1M FollowTheMoney persons with names, dates of birth, nationalities,
#     passports and phones) through `POST /api/v1/import` as a Guatemalan officer, in chunks
#     of 100,000 lines alternately into a case shared with all members and one kept to
#     Guatemala; each chunk timed, so the rate as the database grows shows;
#  2. start-up: the server is stopped and started again on that database; the time until
#     `/healthz` answers and until the first check answers 200 (503 `index_warming` before);
#  3. once the server has read its search term sizes (logged a few seconds after the check
#     index is ready), search as a Mexican analyst (visibility and audit on) with GENERATED queries
#     (bench/server_queries.py: misspelt full names, common surnames alone, phones and
#     passports typed another way): one connection (p50/p90/p99 per kind), then wrk at 16.
#
#   bench/server_scale.sh                 SQLite in $WORK/sqlite
#   ENLACE_BENCH_DATABASE=postgres://…/server1m bench/server_scale.sh   (an empty database)
#
# ENLACE_BIN (default target/release/enlace), MATCH_BENCH (default target/release/match-bench),
# WORK (default /tmp/server-data), ENLACE_BENCH_LOCK=FILE holds that lock (flock) over each
# timed phase so no build runs meanwhile; SECS (wrk duration, default 20).
# ONLY_IMPORT=1 stops after phase 1 (import alone, on a fresh database each run).
# SPLIT_DIR (default $WORK/gen) holds the 100,000-line chunks, so a read-only corpus works.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${ENLACE_BIN:-target/release/enlace}"
MB="${MATCH_BENCH:-target/release/match-bench}"
WORK="${WORK:-/tmp/server-data}"
PORT="${ENLACE_BENCH_PORT:-18190}"
SECS="${SECS:-20}"
BASE="http://127.0.0.1:$PORT"
GEN="$WORK/gen"
lock() { if [ -n "${ENLACE_BENCH_LOCK:-}" ]; then exec 9>"$ENLACE_BENCH_LOCK"; flock 9; fi; }
unlock() { if [ -n "${ENLACE_BENCH_LOCK:-}" ]; then flock -u 9; fi; }
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
# SKIP_IMPORT=1 DATA=FOLDER (a COPY: the server writes audit rows into it) [CORPUS=records.jsonl]:
# only the search phase (step 3) against that data, once the check index has warmed;
# HARD=1 then also times bench/server_hard_queries.py's kinds (initials, short prefixes,
# repeated words, single letters…: outside the issue's target, measured for the tail).
if [ -n "${SKIP_IMPORT:-}" ]; then
  : "${DATA:?SKIP_IMPORT needs DATA=an existing data folder}"
  DBA=(); [ -n "${ENLACE_BENCH_DATABASE:-}" ] && DBA=(--database "$ENLACE_BENCH_DATABASE")
  ENLACE_LOG=info "$BIN" serve --data "$DATA" "${DBA[@]}" --listen "127.0.0.1:$PORT" >"$DATA/server-search.log" 2>&1 &
  SPID=$!; trap 'kill $SPID 2>/dev/null || true' EXIT
  until grep -q "check index ready" "$DATA/server-search.log"; do kill -0 $SPID || exit 1; sleep 0.5; done
  # and the search term sizes read (a few seconds after): the server as it runs from then on
  until grep -q "search term sizes read" "$DATA/server-search.log"; do kill -0 $SPID || exit 1; sleep 0.5; done
  grep -o 'search term sizes read.*' "$DATA/server-search.log"
  TA=(--data "$DATA" "${DBA[@]}")
  MX="$("$BIN" token create "${TA[@]}" --user analyst.mx --name scale | tail -n 1)"
  [ -f "$WORK/queries.tsv" ] || python3 bench/server_queries.py "${CORPUS:-$GEN/records.jsonl}" "$WORK/queries.tsv" 500
  echo "== search only, $DATA ${ENLACE_BENCH_DATABASE:+(postgres)} as analyst.mx"; uptime
  lock; python3 bench/server_latency.py "$BASE" "$MX" "$WORK/queries.tsv"; unlock
  lock; TOKEN="$MX" QUERIES="$WORK/queries.tsv" wrk -t2 -c16 -d"${SECS}s" --latency -s bench/server_search.lua "$BASE"; unlock
  if [ -n "${HARD:-}" ]; then
    [ -f "$WORK/hard.tsv" ] || python3 bench/server_hard_queries.py "${CORPUS:-$GEN/records.jsonl}" "$WORK/hard.tsv"
    echo "== harder queries (initials, short prefixes, repeated words…), one connection"
    lock; python3 bench/server_latency.py "$BASE" "$MX" "$WORK/hard.tsv"; unlock
  fi
  awk '/^VmHWM/ {printf "server peak %d MiB\n", $2/1024}' "/proc/$SPID/status"; exit 0
fi

[ -f "$GEN/records.jsonl" ] || "$MB" gen --persons 780000 --queries 1000 --seed 7 --out "$GEN"
SPLIT="${SPLIT_DIR:-$GEN}"
if [ ! -f "$SPLIT/chunk.00" ]; then
  mkdir -p "$SPLIT"
  split -d -l 100000 "$GEN/records.jsonl" "$SPLIT/chunk."
fi

ENGINE=sqlite
DATA="$WORK/sqlite"
DB_ARGS=()
STORE_ARGS=(--data "$DATA")
if [ -n "${ENLACE_BENCH_DATABASE:-}" ]; then
  ENGINE=postgres
  DATA="$WORK/postgres"
  DB_ARGS=(--database "$ENLACE_BENCH_DATABASE")
  STORE_ARGS=(--data "$DATA" --database "$ENLACE_BENCH_DATABASE")
fi
rm -rf "$DATA"
mkdir -p "$DATA"
PID=""
cleanup() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; }
trap cleanup EXIT
hwm() { awk '/^VmHWM/ {printf "%d MiB", $2/1024}' "/proc/$PID/status"; }
# The server's bytes written to disk so far, in MiB (WAL, checkpoints, database file).
cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / t}' "/proc/$PID/stat"; }
written() { awk '/^write_bytes/ {printf "%d", $2/1048576}' "/proc/$PID/io"; }
wait_health() { for _ in $(seq 1 600); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && return; sleep 0.05; done; }

ENLACE_LOG=info "$BIN" serve --demo --data "$DATA" "${DB_ARGS[@]}" --listen "127.0.0.1:$PORT" >"$DATA/server.log" 2>&1 &
PID=$!
wait_health
GT="$("$BIN" token create "${STORE_ARGS[@]}" --user officer.gt --name scale | tail -n 1)"
MX="$("$BIN" token create "${STORE_ARGS[@]}" --user analyst.mx --name scale | tail -n 1)"
PA="$("$BIN" token create "${STORE_ARGS[@]}" --user prosecutor.pa --name scale | tail -n 1)"
case_of() {
  curl -fsS -H "Authorization: Bearer $GT" -H 'Content-Type: application/json' \
    -d "{\"title\":\"Escala $1\",\"distribution\":{\"level\":\"$1\"}}" "$BASE/api/v1/cases" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
SHARED="$(case_of members)"
OWN="$(case_of country)"

echo "== import ($ENGINE): chunks of 100,000 lines"
lock
TOTAL=0
T0="$(now)"
i=0
for chunk in "$SPLIT"/chunk.*; do
  CASE="$SHARED"; [ $((i % 2)) -eq 1 ] && CASE="$OWN"
  S="$(now)"
  W0="$(written)"
  curl -fsS -o "$DATA/import.json" -H "Authorization: Bearer $GT" -H 'Content-Type: application/x-ndjson' \
    -X POST -T "$chunk" "$BASE/api/v1/import?case_id=$CASE"
  E="$(now)"
  N="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accepted"])' "$DATA/import.json")"
  TOTAL=$((TOTAL + N))
  echo "chunk $i: $N entities in $(secs "$S" "$E") s = $(python3 -c "print(round($N/($E-$S)))")/s (stored so far $TOTAL; $(( $(written) - W0 )) MiB written; RSS peak $(hwm))"
  i=$((i + 1))
done
T1="$(now)"
unlock
echo "import total: $TOTAL entities in $(secs "$T0" "$T1") s = $(python3 -c "print(round($TOTAL/($T1-$T0)))")/s; server peak $(hwm), server CPU $(cpu) s"
if [ -n "${ONLY_IMPORT:-}" ]; then exit 0; fi

SUBJECT="$(head -n 1 "$SPLIT/chunk.00" | python3 -c 'import json,sys; p=json.load(sys.stdin)["properties"]; print(json.dumps({"purpose":"Bench","case_reference":"B-1","subject":{"schema":"Person","properties":{k:p[k] for k in ("firstName","lastName","birthDate") if k in p}}}))')"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""

echo "== start-up ($ENGINE) with $TOTAL entities stored"
lock
S="$(now)"
ENLACE_LOG=info "$BIN" serve --data "$DATA" "${DB_ARGS[@]}" --listen "127.0.0.1:$PORT" >"$DATA/server2.log" 2>&1 &
PID=$!
wait_health
H="$(now)"
WARMING=0
while :; do
  CODE="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $PA" -H 'Content-Type: application/json' -d "$SUBJECT" "$BASE/api/v1/checks")"
  [ "$CODE" = 200 ] && break
  [ "$CODE" = 503 ] || { echo "check answered $CODE" >&2; exit 1; }
  WARMING=$((WARMING + 1))
  sleep 0.1
done
C="$(now)"
unlock
echo "healthz after $(secs "$S" "$H") s; first check 200 after $(secs "$S" "$C") s ($WARMING answers 503 index_warming before); server peak $(hwm)"
grep -o 'check index ready.*' "$DATA/server2.log" || true
# The search term sizes are read in the background once the check index is ready.
for _ in $(seq 1 600); do grep -q "search term sizes read" "$DATA/server2.log" && break; sleep 0.2; done
grep -o 'search term sizes read.*' "$DATA/server2.log" || true

echo "== search ($ENGINE) as analyst.mx, generated queries"
python3 bench/server_queries.py "$GEN/records.jsonl" "$WORK/queries.tsv" 500
lock
python3 bench/server_latency.py "$BASE" "$MX" "$WORK/queries.tsv"
unlock
lock
echo "-- wrk, 16 connections, ${SECS}s"
TOKEN="$MX" QUERIES="$WORK/queries.tsv" wrk -t2 -c16 -d"${SECS}s" --latency -s bench/server_search.lua "$BASE"
unlock
echo "server peak $(hwm)"
