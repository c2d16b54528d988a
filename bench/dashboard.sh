#!/usr/bin/env bash
# Dashboard benchmark, run by hand: 10 years × 11 countries × 40 indicators with full
# breakdowns. First the rendering alone on the data set generated in memory
# (dashboard_render_bench, with the report's PDF); then the whole request: the data set
# loaded once into a real SQLite database (dashboard_bench load, kept in $DIR for later
# runs), and the dashboard page requested over HTTP with a session — store read,
# disclosure control, audit, charts and tables (dashboard_bench time).
# Target: the dashboard in under 300 ms.
#   bench/dashboard.sh            (DIR=/tmp/enlace-dashboard-bench by default)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${DIR:-/tmp/enlace-dashboard-bench}"
cargo build --release -p enlace --example dashboard_bench --example dashboard_render_bench
bin="${CARGO_TARGET_DIR:-target}/release/examples"
"$bin/dashboard_render_bench"
[ -f "$DIR/enlace.db" ] || "$bin/dashboard_bench" load "$DIR"
"$bin/dashboard_bench" time "$DIR"
