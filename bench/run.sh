#!/usr/bin/env bash
# Whole-process benchmark of partner-roles against a floor measured in the same run: a plain
# csv-crate read and write of the same file (examples/csv_copy.rs). For each roster size it
# times every command RUNS times, interleaved with the floor, and reports the median wall time,
# the median ratio to the floor of the same round, rows per second, the median CPU time (user +
# system, all threads) and the median peak memory (max RSS).
#
#   bash bench/run.sh                 # 10k, 100k and 1M rows, 5 runs each
#   RUNS=9 SIZES="1000000" bash bench/run.sh
#
# Outputs are written to files in OUT (default /dev/shm, a tmpfs, when there is one): writing
# costs the same system calls and page copies as on a disk, without the disk's writeback, which
# throttles a writer once a few GB are dirty and would make the figures measure the disk (the
# classify outputs are 7 to 9 times the size of the floor's). OUT=target/bench measures a disk;
# OUT=/dev/null sends every output there, as the speed issue's first figures were taken (the
# writes then cost no copy into the page cache).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SIZES=${SIZES:-"10000 100000 1000000"}
# The rosters (examples/generate_roster.rs): diverse (a long tail, the default series),
# repetitive (a few hundred patterns: the caches do the work) and all-new (nearly every row a
# pattern never seen). Each figure is printed with the roster's distinct pattern counts.
# `descriptions` is the diverse roster with a ~150-character Description in every row: it times
# classify with text reading (the default) beside the same run with `--evidence columns`, so the
# cost of reading the descriptions is the difference of the two.
# `exported` is the diverse roster as CRM exports and Python's csv module with QUOTE_ALL write
# it: every cell quoted, CRLF line ends.
MIXES=${MIXES:-"diverse repetitive all-new descriptions exported"}
WORK=${WORK:-target/bench}
mkdir -p "$WORK"
if [ -z "${OUT:-}" ]; then
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then OUT=$(mktemp -d /dev/shm/partner-roles-bench.XXXXXX); else OUT=$WORK; fi
fi
[ "$OUT" = /dev/null ] || mkdir -p "$OUT"
# The file each command writes (every one /dev/null when OUT is).
out() { if [ "$OUT" = /dev/null ]; then echo /dev/null; else echo "$OUT/$1"; fi; }
trap 'case "$OUT" in /dev/shm/*) rm -rf "$OUT" ;; esac' EXIT
cargo build --release --quiet --bin partner-roles --example generate_roster --example csv_copy
BIN=target/release/partner-roles
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench needs GNU time (apt-get install time)"; exit 1; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), runs per figure: $RUNS, outputs in $OUT"
echo

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# The commands, as name|output file|command line. The floor comes first.
commands() { # roster mix
  echo "floor|$(out out-floor.csv)|target/release/examples/csv_copy $1"
  [ "$2" != descriptions ] || echo "classify-csv-no-text|$(out out.csv)|$BIN classify $1 --format csv -q --evidence columns"
  echo "classify-csv|$(out out.csv)|$BIN classify $1 --format csv -q"
  echo "classify-jsonl|$(out out.jsonl)|$BIN classify $1 --format jsonl -q"
  echo "audit|$(out out-audit.csv)|$BIN audit $1 --format csv -q --fail-on never"
  echo "report-html|$(out out.html)|$BIN report $1 --format html -q -o /dev/stdout"
}

for mix in $MIXES; do
for n in $SIZES; do
  roster="$WORK/roster-$mix-$n.csv"
  stats="$WORK/stats-$mix-$n.txt"
  case "$mix" in
    descriptions | exported) gen="diverse $mix" ;;
    *) gen=$mix ;;
  esac
  # shellcheck disable=SC2086 # two arguments on purpose
  [ -s "$roster" ] && [ -s "$stats" ] || target/release/examples/generate_roster "$n" $gen > "$roster" 2> "$stats"
  rm -f "$WORK"/runs-*.txt
  # Runs are interleaved (floor, then each command, then again), so a slow moment of the
  # machine hits the floor and the commands alike; each run's ratio is to the floor of its round.
  for _ in $(seq "$RUNS"); do
    floor_wall=
    while IFS='|' read -r name out cmd; do
      start=$(date +%s%N)
      # shellcheck disable=SC2086 # the command line is split on purpose
      $TIME -f "%U %S %M" -o "$WORK/time.txt" $cmd > "$out" 2>/dev/null
      end=$(date +%s%N)
      read -r u s m < <(tail -n 1 "$WORK/time.txt")
      wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
      [ -n "$floor_wall" ] || floor_wall=$wall
      echo "$wall $(awk -v w="$wall" -v f="$floor_wall" 'BEGIN { printf "%.4f", w / f }') $(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') $m" >> "$WORK/runs-$name.txt"
    done < <(commands "$roster" "$mix")
  done
  echo "### $n rows, $mix ($(du -h "$roster" | cut -f1) roster, $RUNS interleaved runs)"
  echo
  echo "$(cat "$stats")"
  echo
  echo "| command | median wall (s) | median x floor | rows/s | median CPU (s) | median peak RSS (MiB) |"
  echo "|---|---:|---:|---:|---:|---:|"
  while IFS='|' read -r name _ _; do
    f="$WORK/runs-$name.txt"
    t=$(cut -d' ' -f1 "$f" | median); r=$(cut -d' ' -f2 "$f" | median)
    c=$(cut -d' ' -f3 "$f" | median); m=$(cut -d' ' -f4 "$f" | median)
    awk -v name="$name" -v t="$t" -v r="$r" -v m="$m" -v c="$c" -v n="$n" \
      'BEGIN { printf "| %s | %.3f | %.2f | %.0f | %.2f | %.1f |\n", name, t, r, (t > 0 ? n / t : 0), c, m / 1024 }'
  done < <(commands "$roster" "$mix")
  echo
  if [ "$mix" = descriptions ]; then
    # The cost of reading the descriptions: per round, classify with text reading minus the same
    # run without it, in floors of that round.
    d=$(paste -d' ' <(cut -d' ' -f2 "$WORK/runs-classify-csv.txt") <(cut -d' ' -f2 "$WORK/runs-classify-csv-no-text.txt") | awk '{print $1 - $2}' | median)
    echo "reading the descriptions (classify-csv minus classify-csv-no-text, per round): median $d x floor"
    echo
  fi
done
done

# One partner from flags: start-up included.
times=()
for _ in $(seq 21); do
  s=$(date +%s%N); "$BIN" check --transacts partner --earns margin > /dev/null; e=$(date +%s%N)
  times+=("$(( (e - s) / 1000 ))")
done
echo "check (one partner, whole process): median $(printf '%s\n' "${times[@]}" | median) us over 21 runs"
