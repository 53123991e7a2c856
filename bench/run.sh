#!/usr/bin/env bash
# Whole-process benchmark of partner-roles against a floor measured in the same run: a plain
# csv-crate read and write of the same file (examples/csv_copy.rs). For each roster size it
# times every command RUNS times and reports the median wall time, the ratio to the floor's
# median, rows per second, the median CPU time (user + system, all threads) and the median peak
# memory (max RSS).
#
#   bash bench/run.sh                 # 10k, 100k and 1M rows, 5 runs each
#   RUNS=9 SIZES="1000000" bash bench/run.sh
#
# Output goes to files on the same disk for every command (a roster is written as it would be).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SIZES=${SIZES:-"10000 100000 1000000"}
WORK=${WORK:-target/bench}
mkdir -p "$WORK"
cargo build --release --quiet --bin partner-roles --example generate_roster --example csv_copy
BIN=target/release/partner-roles
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench needs GNU time (apt-get install time)"; exit 1; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), runs per figure: $RUNS"
echo

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

measure() { # name, output file, command...
  local name=$1 out=$2; shift 2
  local times=() mems=() cpus=()
  for _ in $(seq "$RUNS"); do
    local e u s m
    $TIME -f "%e %U %S %M" -o "$WORK/time.txt" "$@" > "$out" 2>/dev/null
    read -r e u s m < <(tail -n 1 "$WORK/time.txt")
    times+=("$e"); mems+=("$m"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
  done
  local t m c
  t=$(printf '%s\n' "${times[@]}" | median)
  m=$(printf '%s\n' "${mems[@]}" | median)
  c=$(printf '%s\n' "${cpus[@]}" | median)
  echo "$name $t $m $c"
}

for n in $SIZES; do
  roster="$WORK/roster-$n.csv"
  [ -s "$roster" ] || target/release/examples/generate_roster "$n" > "$roster"
  results=()
  results+=("$(measure floor "$WORK/out-floor.csv" target/release/examples/csv_copy "$roster")")
  results+=("$(measure "classify-csv" "$WORK/out.csv" "$BIN" classify "$roster" --format csv -q)")
  results+=("$(measure "classify-jsonl" "$WORK/out.jsonl" "$BIN" classify "$roster" --format jsonl -q)")
  results+=("$(measure "audit" "$WORK/out-audit.csv" "$BIN" audit "$roster" --format csv -q --fail-on never)")
  results+=("$(measure "report-html" "$WORK/out.html" "$BIN" report "$roster" --format html -q -o /dev/stdout)")
  floor=$(echo "${results[0]}" | awk '{print $2}')
  echo "### $n rows ($(du -h "$roster" | cut -f1) roster)"
  echo
  echo "| command | median wall (s) | x floor | rows/s | median CPU (s) | median peak RSS (MiB) |"
  echo "|---|---:|---:|---:|---:|---:|"
  for r in "${results[@]}"; do
    read -r name t m c <<< "$r"
    awk -v name="$name" -v t="$t" -v m="$m" -v c="$c" -v f="$floor" -v n="$n" \
      'BEGIN { printf "| %s | %.2f | %.2f | %.0f | %.2f | %.1f |\n", name, t, (f > 0 ? t / f : 0), (t > 0 ? n / t : 0), c, m / 1024 }'
  done
  echo
done

# One partner from flags: start-up included.
times=()
for _ in $(seq 21); do
  s=$(date +%s%N); "$BIN" check --transacts partner --earns margin > /dev/null; e=$(date +%s%N)
  times+=("$(( (e - s) / 1000 ))")
done
echo "check (one partner, whole process): median $(printf '%s\n' "${times[@]}" | median) us over 21 runs"
