#!/usr/bin/env bash
# Intelligence benchmark, run by hand: import throughput, search latency with the visibility
# predicate, graph of a 500-entity network. bench/intel.sh [ENTITIES] (default 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -p enlace --example intel_bench -- "${1:-1000000}"
