#!/usr/bin/env bash
# The project's single test command: ./scripts/test.sh
#
# Works on a fresh Debian 12 machine as root (installs what is missing) and on a
# machine that already has everything. Steps, in order, stopping at the first failure:
#   formatting, the domain crate's dependency rule, clippy, cargo tests (SQLite and
#   a throwaway PostgreSQL cluster; they include the crash harness, 10 SIGKILLs of the real
#   server, crates/enlace/tests/crash.rs, and the parsers' property tests at 256 cases), the debug build, the browser tests in e2e/, the
#   FollowTheMoney export check, and the API fuzzed against its OpenAPI document
#   (scripts/schemathesis.sh).
#
# Flags:
#   --pg-only   only start the throwaway PostgreSQL cluster, run `select 1`, stop it
#               (checks the cluster plumbing in isolation, no cargo involved).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

# section, die, SUDO, ensure_packages and free_port, shared with scripts/schemathesis.sh.
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

# ---------------------------------------------------------------- throwaway PostgreSQL

PG_DIR=""       # temp dir holding data/, the socket and the log; empty when not started
PG_BIN=""
PG_PORT=""

# Runs a PostgreSQL binary as the cluster owner: initdb refuses to run as root.
as_pg() {
    if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
    section "starting a throwaway PostgreSQL cluster"
    # Highest installed major version wins.
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -n "$PG_BIN" && -x "$PG_BIN/initdb" ]] || die "PostgreSQL binaries not found in /usr/lib/postgresql/*/bin"
    if [[ $EUID -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "the postgres system user is missing"
    fi

    # Under /tmp, not $TMPDIR: the postgres user must be able to reach it.
    PG_DIR=$(mktemp -d /tmp/enlace-pg.XXXXXX)
    # Trap before anything can fail half-way, so the directory never leaks.
    trap pg_stop EXIT
    [[ $EUID -eq 0 ]] && chown postgres: "$PG_DIR"

    local password
    password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')

    # Superuser: local socket with trust (only reachable through our private socket dir).
    # TCP: password auth, like a real deployment.
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }

    # A port can be taken between the check and the start: retry a few times.
    local attempt
    for attempt in 1 2 3; do
        PG_PORT=$(free_port)
        # fsync off: the data is thrown away, and it makes the many CREATE DATABASE calls fast.
        # More connections than the default 100: cargo runs test pools in parallel.
        if as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
            -o "-k $PG_DIR -h 127.0.0.1 -p $PG_PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            >/dev/null; then
            break
        fi
        [[ $attempt -eq 3 ]] && { cat "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
    done

    as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres \
        -c "CREATE ROLE enlace LOGIN CREATEDB PASSWORD '$password'"

    export ENLACE_TEST_DATABASE_URL="postgres://enlace:$password@127.0.0.1:$PG_PORT/postgres"
    echo "PostgreSQL listening on 127.0.0.1:$PG_PORT (ENLACE_TEST_DATABASE_URL set)"
}

pg_stop() {
    local rc=$?
    if [[ -n "$PG_DIR" && -d "$PG_DIR" ]]; then
        if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then
            as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$PG_DIR"
        PG_DIR=""
    fi
    return "$rc"
}

pg_only() {
    ensure_packages postgresql
    pg_start
    section "select 1 through ENLACE_TEST_DATABASE_URL"
    "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -At "$ENLACE_TEST_DATABASE_URL" -c 'select 1'
    # The tests create a database per test: prove the role may.
    "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q "$ENLACE_TEST_DATABASE_URL" \
        -c 'create database enlace_pg_only_check' -c 'drop database enlace_pg_only_check'
    echo "PostgreSQL check ok"
}

# ---------------------------------------------------------------- main

case "${1:-}" in
    --pg-only) pg_only; exit 0 ;;
    "") ;;
    *) die "unknown argument: $1 (only --pg-only is known)" ;;
esac

# openssl and curl: the TLS test makes a certificate and fetches over HTTPS.
ensure_packages postgresql chromium openssl curl ca-certificates poppler-utils

# rustup installs cargo in ~/.cargo/bin, which non-login shells (CI) may not have on PATH.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust (https://rustup.rs)"
command -v node >/dev/null 2>&1 || die "node not found: the browser tests need Node.js 20 or newer"
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    command -v rustup >/dev/null 2>&1 || die "cargo fmt / cargo clippy missing and rustup not found"
    rustup component add rustfmt clippy
fi

# CI logs are not terminals; keep cargo's output plain there.
if [[ "${CI:-}" == "true" ]]; then export CARGO_TERM_COLOR=never; fi

section "cargo fmt --all --check"
cargo fmt --all --check

section "enlace-domain does not depend on sqlx or axum"
# Listing the whole dependency tree avoids `cargo tree -i`, which errors out when the
# package is absent; a failure of cargo tree itself still fails the script.
domain_deps=$(cargo tree -p enlace-domain --prefix none --format '{p}')
if grep -Eq '^(sqlx|sqlx-[a-z-]+|axum|axum-core) v' <<<"$domain_deps"; then
    grep -E '^(sqlx|sqlx-[a-z-]+|axum|axum-core) v' <<<"$domain_deps" | sort -u >&2
    die "enlace-domain must not depend on sqlx or axum (see ARCHITECTURE.md)"
fi
echo "ok"

section "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

pg_start

LOG_DIR=$(mktemp -d /tmp/enlace-test-logs.XXXXXX)
# Chain the log cleanup after the cluster's.
trap 'rc=$?; pg_stop; rm -rf "$LOG_DIR"; exit $rc' EXIT

section "cargo test --workspace (SQLite and PostgreSQL)"
cargo test --workspace 2>&1 | tee "$LOG_DIR/cargo-test.log"

section "cargo build (target/debug/enlace)"
cargo build -p enlace

section "browser tests (e2e/)"
(
    cd "$ROOT/e2e"
    if [[ -f package-lock.json ]]; then
        npm ci --no-audit --no-fund
    else
        npm install --no-audit --no-fund
    fi
    # package.json uses the spec reporter, whose "ℹ pass N" / "ℹ fail N" lines we count below.
    npm test
) 2>&1 | tee "$LOG_DIR/e2e.log"

# The FollowTheMoney export must be accepted by the real `followthemoney` package (pinned,
# from PyPI, in a throwaway virtualenv): export every demo case Mexico's officer can see and
# check each entity and value with scripts/ftm_check.py.
section "FollowTheMoney export accepted by followthemoney (PyPI)"
FTM_VENV="${ENLACE_FTM_VENV:-$ROOT/target/ftm-venv}"
if [[ ! -x "$FTM_VENV/bin/python" ]]; then
    python3 -m venv "$FTM_VENV" 2>/dev/null || { ensure_packages python3-venv; python3 -m venv "$FTM_VENV"; }
fi
"$FTM_VENV/bin/pip" install -q --disable-pip-version-check "followthemoney==4.11.2" "feedparser==6.0.11"
FTM_DIR=$(mktemp -d)
FTM_PORT=$(free_port)
"$ROOT/target/debug/enlace" serve --demo --data "$FTM_DIR/data" --listen "127.0.0.1:$FTM_PORT" >"$FTM_DIR/server.log" 2>&1 &
FTM_PID=$!
for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$FTM_PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.5
done
FTM_TOKEN=$("$ROOT/target/debug/enlace" token create --data "$FTM_DIR/data" --user officer.mx)
curl -fsS -H "Authorization: Bearer $FTM_TOKEN" "http://127.0.0.1:$FTM_PORT/api/v1/cases?per_page=200" \
    | "$FTM_VENV/bin/python" -c 'import json,sys; print("\n".join(c["id"] for c in json.load(sys.stdin)["items"]))' \
    | while read -r case_id; do
        curl -fsS -H "Authorization: Bearer $FTM_TOKEN" "http://127.0.0.1:$FTM_PORT/api/v1/cases/$case_id/export"
    done >"$FTM_DIR/export.ftm"
# The public portal's Atom feeds, for feedparser below.
for lang in es en; do
    curl -fsS "http://127.0.0.1:$FTM_PORT/portal/$lang/feed.atom" >"$FTM_DIR/feed-$lang.atom"
done
# The statistics export as SDMX-CSV 2.0, as another country (Honduras) sees Mexico's and the
# others' demo figures, for pysdmx below.
STATS_TOKEN=$("$ROOT/target/debug/enlace" token create --data "$FTM_DIR/data" --user officer.hn)
curl -fsS -H "Authorization: Bearer $STATS_TOKEN" \
    "http://127.0.0.1:$FTM_PORT/api/v1/statistics/export?indicator=smuggled_migrants_detected&format=sdmx-csv" \
    >"$FTM_DIR/statistics.sdmx.csv"
kill "$FTM_PID" 2>/dev/null || true
wait "$FTM_PID" 2>/dev/null || true
"$FTM_VENV/bin/python" "$ROOT/scripts/ftm_check.py" "$FTM_DIR/export.ftm"
section "portal Atom feeds accepted by feedparser (PyPI)"
"$FTM_VENV/bin/python" "$ROOT/scripts/feed_check.py" "$FTM_DIR/feed-es.atom" "$FTM_DIR/feed-en.atom"
# The SDMX-CSV 2.0 export must be read by a real SDMX package (pysdmx, pinned, from PyPI, in
# its own throwaway virtualenv) with the promised columns and suppressed cells marked C.
section "statistics SDMX-CSV export read by pysdmx (PyPI)"
SDMX_VENV="${ENLACE_SDMX_VENV:-$ROOT/target/sdmx-venv}"
if [[ ! -x "$SDMX_VENV/bin/python" ]]; then
    python3 -m venv "$SDMX_VENV" 2>/dev/null || { ensure_packages python3-venv; python3 -m venv "$SDMX_VENV"; }
fi
"$SDMX_VENV/bin/pip" install -q --disable-pip-version-check "pysdmx[data]==1.21.0"
"$SDMX_VENV/bin/python" "$ROOT/scripts/sdmx_check.py" "$FTM_DIR/statistics.sdmx.csv"
rm -rf "$FTM_DIR"

# The JSON API must keep to its own OpenAPI document: schemathesis (pinned, from PyPI, in a
# throwaway virtualenv) fuzzes it as officer.mx, admin.mx and the secretariat, each against a
# fresh demo server, with a fixed seed. Runs by hand too, longer: see scripts/schemathesis.sh.
section "API against its OpenAPI document (schemathesis, PyPI)"
"$ROOT/scripts/schemathesis.sh" --binary "$ROOT/target/debug/enlace"

# Both steps passed, so this is a count of passing tests. Every cargo test binary and
# doc-test run prints "test result: ok. N passed; M failed; ...".
section "summary"
cargo_passed=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i) ~ /^passed;?$/) n += $(i-1) } END { print n + 0 }' "$LOG_DIR/cargo-test.log")
cargo_failed=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i) ~ /^failed;?$/) n += $(i-1) } END { print n + 0 }' "$LOG_DIR/cargo-test.log")
e2e_passed=$(sed -n 's/^ℹ pass \([0-9][0-9]*\)$/\1/p' "$LOG_DIR/e2e.log" | tail -n 1)
e2e_failed=$(sed -n 's/^ℹ fail \([0-9][0-9]*\)$/\1/p' "$LOG_DIR/e2e.log" | tail -n 1)
if [[ -n "$e2e_passed" && -n "$e2e_failed" ]]; then
    echo "cargo: $cargo_passed passed, $cargo_failed failed; browser: $e2e_passed passed, $e2e_failed failed"
    echo "$((cargo_passed + e2e_passed)) passed, $((cargo_failed + e2e_failed)) failed"
else
    echo "cargo: $cargo_passed passed, $cargo_failed failed; browser: see the summary above"
fi
