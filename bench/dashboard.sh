#!/usr/bin/env bash
# Dashboard benchmark, run by hand: 10 years × 11 countries × 40 indicators with full
# breakdowns, submitted through the statistics use case into a throwaway SQLite database,
# then the dashboard page timed over HTTP for every indicator over the whole ten years, and
# the quarterly report's PDF. Target: the dashboard renders in under 300 ms.
#   bench/dashboard.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -p enlace --example dashboard_render_bench
