#!/usr/bin/env bash
# Fuzzes the JSON API against its own OpenAPI document with schemathesis (pinned, from PyPI, in a
# throwaway virtualenv), once per kind of caller: a country officer (officer.mx), a country admin
# (admin.mx) and the secretariat. Called by scripts/test.sh after the FollowTheMoney check; runs
# on its own too:
#
#   scripts/schemathesis.sh [--binary PATH] [--max-examples N] [--seed S] [--phases LIST]
#                           [--user NAME]... [--workers N]
#
#   --binary PATH      the enlace binary (default target/debug/enlace)
#   --max-examples N   test cases per operation in the fuzzing phase, and scenarios in the
#                      stateful phase (default 10: all three runs take a few minutes on 2 cores)
#   --seed S           random seed (default 20240601): the same seed, binary and document give
#                      the same requests, so a failure in CI reproduces by hand
#   --phases LIST      default examples,coverage,fuzzing,stateful (every phase)
#   --user NAME        run only as this user (repeatable; default officer.mx, admin.mx, secretariat)
#   --workers N        concurrent schemathesis workers (default 1: keeps runs reproducible)
#
# Environment: ENLACE_ST_VENV (virtualenv, default target/st-venv), ENLACE_ST_REPORT_DIR
# (default target/schemathesis: per user the console log, a JUnit XML and an NDJSON event file).
#
# What a run does (phases: all four; modes: positive and negative; checks: all of them, which is
# schemathesis's default, plus max_response_time at 10 s. Not `--checks all`: in 4.32.5 a check
# named on the command line overrides `enabled = false` in the config file, which would void
# every entry of scripts/schemathesis-exemptions.toml):
# - its own demo server and data directory per user: the admin run may reset or disable
#   officer.mx (which revokes its tokens) and the secretariat run may do the same to admin.mx,
#   so runs sharing a server would depend on their order; and each user's hourly quota of 60
#   hit/no-hit checks (429 past it) starts at zero;
# - scripts/schemathesis_setup.py seeds an alert and an information request (the demo has
#   none), collects the ids the user can see and offers them for path parameters (otherwise
#   most operations on one record only ever answer 404), and gives the event stream a 2 s
#   timeout (it never ends: schemathesis reads it until then and validates what arrived);
# - scripts/schemathesis_hooks.py serializes application/x-ndjson bodies (POST /import) and
#   redirects any DELETE of the run's own token to a spare one (the stateful phase links
#   GET /tokens to DELETE /tokens/{id}); the script also checks afterwards that the token still
#   works, so a run can never pass by answering 401 to everything;
# - base URL: --origin, i.e. this server's scheme/host/port plus the path of the document's
#   first `servers` entry ("/" without one), so it is right whether the document has
#   `servers: [{url: /api/v1}]` and relative paths or no servers and /api/v1/... paths.
#
# Long runs by hand (the CI run is a smoke test; a deeper search finds more):
#
#   scripts/schemathesis.sh --max-examples 200                   # ~20x more fuzzing cases
#   scripts/schemathesis.sh --max-examples 100 --seed "$RANDOM"  # a different sample each time
#   scripts/schemathesis.sh --user officer.mx --phases fuzzing,stateful --max-examples 500
#   ENLACE_ST_EXTRA="--generation-maximize response_time --max-response-time 2" \
#       scripts/schemathesis.sh --max-examples 300               # extra `st run` options
#
# A single failure reproduces with the curl line schemathesis prints (put a real token in the
# Authorization header: the log masks it), or with the same --seed and --user.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

ST_VERSION=4.32.5
BIN="$ROOT/target/debug/enlace"
MAX_EXAMPLES=10
SEED=20240601
PHASES=examples,coverage,fuzzing,stateful
WORKERS=1
USERS=()
ST_VENV="${ENLACE_ST_VENV:-$ROOT/target/st-venv}"
REPORT_ROOT="${ENLACE_ST_REPORT_DIR:-$ROOT/target/schemathesis}"
# Word-split on purpose: extra `st run` options for runs by hand.
read -r -a EXTRA <<<"${ENLACE_ST_EXTRA:-}"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --binary) BIN="${2:?--binary needs a path}"; shift 2 ;;
        --max-examples) MAX_EXAMPLES="${2:?--max-examples needs a number}"; shift 2 ;;
        --seed) SEED="${2:?--seed needs a number}"; shift 2 ;;
        --phases) PHASES="${2:?--phases needs a list}"; shift 2 ;;
        --user) USERS+=("${2:?--user needs a name}"); shift 2 ;;
        --workers) WORKERS="${2:?--workers needs a number}"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
[[ ${#USERS[@]} -gt 0 ]] || USERS=(officer.mx admin.mx secretariat)
[[ "$MAX_EXAMPLES" =~ ^[1-9][0-9]*$ ]] || die "--max-examples must be a positive integer"
[[ "$SEED" =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer"
[[ "$BIN" == /* ]] || BIN="$ROOT/$BIN"
[[ -x "$BIN" ]] || die "no enlace binary at $BIN (cargo build -p enlace, or pass --binary PATH)"

command -v curl >/dev/null 2>&1 || ensure_packages curl ca-certificates

section "schemathesis $ST_VERSION (PyPI) in $ST_VENV"
if [[ ! -x "$ST_VENV/bin/python" ]]; then
    python3 -m venv "$ST_VENV" 2>/dev/null || { ensure_packages python3-venv; python3 -m venv "$ST_VENV"; }
fi
"$ST_VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$ST_VERSION"
PY="$ST_VENV/bin/python"
ST="$ST_VENV/bin/st"
"$ST" --version

DIR=$(mktemp -d /tmp/enlace-st.XXXXXX)
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
cleanup() {
    local rc=$?
    stop_server
    rm -rf "$DIR" || true
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "schemathesis.sh: interrupted" >&2; exit 130' INT TERM
# Says where a failing command stopped the script (set -e alone exits silently).
set -o errtrace
trap 'echo "schemathesis.sh: line $LINENO: \`$BASH_COMMAND\` failed (exit $?)" >&2' ERR

# Starts a fresh demo server on $1 (a data directory); sets SERVER_PID and BASE.
start_server() {
    local data=$1 log=$2 port i
    port=$(free_port)
    "$BIN" serve --demo --data "$data" --listen "127.0.0.1:$port" >"$log" 2>&1 &
    SERVER_PID=$!
    BASE="http://127.0.0.1:$port"
    for i in $(seq 1 240); do
        curl -fsS "$BASE/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.5
    done
    tail -n 30 "$log" >&2
    die "the demo server did not answer $BASE/healthz"
}

declare -A RESULT=() SECONDS_TAKEN=() FINAL_LINE=()
FAILED=0

run_as() {
    local user=$1 slug work report token seed_token status code started rc final
    slug=${user//[^A-Za-z0-9._-]/_}
    work="$DIR/$slug"
    report="$REPORT_ROOT/$slug"
    mkdir -p "$work"
    rm -rf "$report"
    mkdir -p "$report"

    section "schemathesis as $user"
    start_server "$work/data" "$work/server.log"
    token=$("$BIN" token create --data "$work/data" --user "$user" --name schemathesis)
    "$BIN" token create --data "$work/data" --user "$user" --name schemathesis-spare >/dev/null
    seed_token=$("$BIN" token create --data "$work/data" --user officer.gt --name schemathesis-seed)
    ST_TOKEN=$token ST_SEED_TOKEN=$seed_token \
        "$PY" "$ROOT/scripts/schemathesis_setup.py" "$BASE" "$work/schemathesis.toml" "$work/token-ids.json"
    cp "$work/schemathesis.toml" "$report/schemathesis.toml"

    local cmd=(
        "$ST" --config-file "$work/schemathesis.toml" run "$BASE/api/v1/openapi.json"
        --origin "$BASE"
        --header "Authorization: Bearer $token"
        --max-response-time 10
        --phases "$PHASES"
        --mode all
        --max-examples "$MAX_EXAMPLES"
        --seed "$SEED"
        --generation-database none
        --workers "$WORKERS"
        --request-timeout 10
        --continue-on-failure
        --report junit,ndjson
        --report-junit-path "$report/junit.xml" --report-ndjson-path "$report/events.ndjson"
        --no-color
        "${EXTRA[@]}"
    )
    # The command as run, token masked (the log is public).
    printf 'SCHEMATHESIS_HOOKS=scripts/schemathesis_hooks.py st'
    printf ' %q' "${cmd[@]:1}" | sed "s|$token|***|g"
    echo
    started=$(date +%s)
    rc=0
    # The working directory holds no schemathesis.toml, so only the generated one applies.
    (cd "$work" && SCHEMATHESIS_HOOKS="$ROOT/scripts/schemathesis_hooks.py" \
        ENLACE_ST_TOKEN_IDS="$work/token-ids.json" "${cmd[@]}") 2>&1 | tee "$report/console.log" || rc=$?
    SECONDS_TAKEN[$user]=$(($(date +%s) - started))
    final=$(grep -E '^=+ .* =+$' "$report/console.log" | tail -n 1 | sed -E 's/^=+ //; s/ =+$//' || true)
    FINAL_LINE[$user]=${final:-"(no summary line)"}
    status=ok
    [[ $rc -eq 0 ]] || status="failed (st exit $rc)"

    # A run whose token stopped working tested nothing past that point.
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$BASE/api/v1/me" || true)
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        status="failed (the server died)"
        tail -n 30 "$work/server.log" >&2
    elif [[ "$code" != 200 ]]; then
        status="failed (the run's token answers $code after the run: results are not trustworthy)"
    fi
    stop_server
    cp "$work/server.log" "$report/server.log"
    if grep -q 'panicked' "$work/server.log"; then
        status="failed (the server panicked: see $report/server.log)"
    fi
    [[ "$status" == ok ]] || FAILED=1
    RESULT[$user]=$status
}

for user in "${USERS[@]}"; do
    run_as "$user"
done

section "schemathesis summary (seed $SEED, $MAX_EXAMPLES examples per operation, phases $PHASES)"
for user in "${USERS[@]}"; do
    printf '  %-12s %-8s %4ss  %s\n' "$user" "${RESULT[$user]%% *}" "${SECONDS_TAKEN[$user]}" "${FINAL_LINE[$user]}"
    [[ "${RESULT[$user]}" == ok ]] || printf '  %-12s %s\n' "" "${RESULT[$user]}"
done
echo "  logs and reports: $REPORT_ROOT/<user>/ (console.log, junit.xml, events.ndjson, schemathesis.toml, server.log)"
if [[ $FAILED -ne 0 ]]; then
    die "the API does not conform to its OpenAPI document (see the failures above)"
fi
echo "schemathesis: every run passed"
