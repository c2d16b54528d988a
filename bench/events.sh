#!/usr/bin/env bash
# Live-stream benchmark: 1,000 concurrent event-stream connections and one alert to all
# members. Run by hand: bench/events.sh [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
# Each connection needs two descriptors in this one process (client and server side).
ulimit -n 8192
cargo run --release -p enlace --example events_bench -- "${1:-1000}"
