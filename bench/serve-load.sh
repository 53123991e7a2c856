#!/usr/bin/env bash
# The bounded load test of `partner-roles serve` (examples/serve_load.rs): 2,000 check requests
# from eight clients, then 20 concurrent uploads of a generated 100k-row diverse roster to
# /api/classify; throughput, p50/p99 latency and the server's peak memory. Loopback only; it
# stops by itself.
#
#   bash bench/serve-load.sh            # CHECKS=2000 UPLOADS=20 ROWS=100000
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKS=${CHECKS:-2000}
UPLOADS=${UPLOADS:-20}
ROWS=${ROWS:-100000}
WORK=${WORK:-target/bench}
mkdir -p "$WORK"
cargo build --release --quiet --bin partner-roles --example generate_roster --example serve_load
roster="$WORK/roster-diverse-$ROWS.csv"
[ -s "$roster" ] || target/release/examples/generate_roster "$ROWS" diverse > "$roster" 2> /dev/null
echo "machine: $(nproc) cores; commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
target/release/examples/serve_load target/release/partner-roles "$roster" "$ROWS" "$CHECKS" "$UPLOADS"
