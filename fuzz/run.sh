#!/usr/bin/env bash
# Fuzz the roster reader and the rule loader, seeded from fixtures/, SECONDS each (default 60).
#   cargo install cargo-fuzz && bash fuzz/run.sh 300
# cargo fuzz wants a nightly compiler; RUSTC_BOOTSTRAP=1 lets the stable one accept its flags.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
mkdir -p fuzz/corpus/roster_reader fuzz/corpus/rule_loader
cp fixtures/*.csv fixtures/bad/*.csv fuzz/corpus/roster_reader/
cp rules/*.yaml fixtures/rules-bad/*.yaml fixtures/rules-lint/*.yaml fuzz/corpus/rule_loader/
export RUSTC_BOOTSTRAP=1
cargo fuzz run --fuzz-dir fuzz roster_reader fuzz/corpus/roster_reader -- -max_total_time="$seconds"
cargo fuzz run --fuzz-dir fuzz rule_loader fuzz/corpus/rule_loader -- -max_total_time="$seconds" -max_len=65536
