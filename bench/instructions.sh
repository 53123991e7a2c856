#!/usr/bin/env bash
# Instruction counts of whole runs (valgrind's callgrind), beside the floor's: unlike times, they
# do not move with the machine's other load, so they compare two commits on a shared machine.
# One classifying thread (--threads 1), so the count is the same from run to run; about 70M of
# each figure is start-up (mostly compiling the rules).
#
#   bash bench/instructions.sh            # needs valgrind (apt-get install valgrind)
#   BIN=/path/to/other/partner-roles bash bench/instructions.sh   # another build, same rosters
#
# The rosters are the first rows of the 1M-row benchmark rosters of bench/run.sh (generated
# here when missing): 50k diverse, the same 50k rows as exported (every cell quoted, CRLF),
# 30k all-new, 200k repetitive.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind > /dev/null || { echo "bench/instructions.sh needs valgrind (apt-get install valgrind)"; exit 1; }
WORK=${WORK:-target/bench}
mkdir -p "$WORK"
cargo build --release --quiet --bin partner-roles --example generate_roster --example csv_copy
BIN=${BIN:-target/release/partner-roles}
for mix in diverse all-new repetitive exported; do
  full="$WORK/roster-$mix-1000000.csv"
  if [ "$mix" = exported ]; then gen="diverse exported"; else gen=$mix; fi
  # shellcheck disable=SC2086 # two arguments on purpose
  [ -s "$full" ] || target/release/examples/generate_roster 1000000 $gen > "$full" 2> "$WORK/stats-$mix-1000000.txt"
done
head -50001 "$WORK/roster-diverse-1000000.csv" > "$WORK/head-diverse-50k.csv"
head -50001 "$WORK/roster-exported-1000000.csv" > "$WORK/head-exported-50k.csv"
head -30001 "$WORK/roster-all-new-1000000.csv" > "$WORK/head-all-new-30k.csv"
head -200001 "$WORK/roster-repetitive-1000000.csv" > "$WORK/head-repetitive-200k.csv"

count() { # command line -> millions of instructions
  valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" "$@" > /dev/null 2> /dev/null
  awk '/^summary:/ { printf "%.0fM", $2 / 1e6 }' "$WORK/callgrind.out"
}

echo "binary: $BIN (commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown) in this tree)"
echo
echo "| roster | command | instructions | floor (csv_copy) |"
echo "|---|---|---:|---:|"
for roster in head-diverse-50k head-exported-50k head-all-new-30k head-repetitive-200k; do
  file="$WORK/$roster.csv"
  floor=$(count target/release/examples/csv_copy "$file")
  for cmd in "classify --format csv" "classify --format jsonl" "audit --format csv --fail-on never"; do
    # shellcheck disable=SC2086 # the command is split on purpose
    echo "| $roster | $cmd | $(count "$BIN" ${cmd%% *} "$file" ${cmd#* } -q --threads 1) | $floor |"
  done
done
