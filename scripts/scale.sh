#!/usr/bin/env bash
# The scale run: synthetic children from file to full report, at 1x, 2x and
# 4x a country (a million children, about twelve million events), to show
# how time and memory grow with the events. Prints a table (and writes it
# to DIR/scale.md); docs/scale.md has the figures measured and how to read
# them.
#
#   scripts/scale.sh [--children N] [--sizes "1 2 4"] [--repeat R] [--dir DIR] [--keep]
#
# --children  children at 1x (default 1000000)
# --sizes     multiples of --children to run (default "1 2 4")
# --repeat    runs of each command at each size (default 2): the machine may
#             be shared, so the load average is printed beside each run
# --dir       where the generated events and the report go (default
#             target/scale; about 1.5 GB of events a million children)
# --keep      keep the events and reports (they are deleted by default)
#
# The events are `duly gen --seed 1 --from 2024-04-01 --to 2026-03-31`, run
# as of 2026-03-31 with the example council's rules (and its plugins), and
# `duly run` once more with the national library alone: the
# same bytes, and the same work, on every machine. Each command runs under
# /usr/bin/time for its peak memory (install it with `apt-get install time`).
# `duly run --format json` writes about 5 GB a million children: it goes to
# /dev/null, its size counted by the run's own totals, not written to disk.
set -euo pipefail
cd "$(dirname "$0")/.."

children=1000000
sizes="1 2 4"
repeat=2
dir=target/scale
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --children) children=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    *) echo "unknown option \`$1\`: see the top of $0" >&2; exit 2 ;;
  esac
done
if [ ! -x /usr/bin/time ]; then
  echo "this needs /usr/bin/time for peak memory: apt-get install time" >&2
  exit 2
fi

cargo build --release -q -p duly-cli --bin duly
duly=target/release/duly
rules=rules/local/example-council
as_of=2026-03-31
mkdir -p "$dir"
table="$dir/scale.md"

{
  echo "# Scale run $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1)"
  echo "- events: \`duly gen --children N --seed 1 --from 2024-04-01 --to 2026-03-31\`"
  echo "- as of $as_of, rules \`$rules\` (the last command: the national library alone, no scripts)"
  echo
  echo "| size | children | events | command | run | seconds | events/s | CPU s | peak memory | load before |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$table"
cat "$table"

# One timed command: appends a row to the table.
measure() {
  local size=$1 n=$2 events=$3 name=$4 run=$5 out=$6
  shift 6
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time" "$@" > "$out" 2> "$dir/stderr" || {
    echo "\`$name\` failed:" >&2
    tail -5 "$dir/stderr" >&2
    exit 1
  }
  read -r wall user sys kb < "$dir/time"
  awk -v size="$size" -v n="$n" -v events="$events" -v name="$name" -v run="$run" \
    -v wall="$wall" -v user="$user" -v sys="$sys" -v kb="$kb" -v load="$load" 'BEGIN {
      printf "| %sx | %d | %d | `%s` | %d | %.1f | %.2f M | %.1f | %.0f MiB | %s |\n",
        size, n, events, name, run, wall, events / wall / 1e6, user + sys, kb / 1024, load
    }' | tee -a "$table"
}

for size in $sizes; do
  n=$((children * size))
  events_file="$dir/events-$n.jsonl"
  if [ ! -s "$events_file" ]; then
    "$duly" gen --children "$n" --seed 1 --from 2024-04-01 --to "$as_of" --out "$events_file" 2> "$dir/gen.log"
  fi
  events=$(wc -l < "$events_file")
  for run in $(seq "$repeat"); do
    measure "$size" "$n" "$events" "duly report --format json" "$run" "$dir/report-$n.json" \
      "$duly" report --rules "$rules" --events "$events_file" --as-of "$as_of" --format json
    measure "$size" "$n" "$events" "duly run --format json" "$run" /dev/null \
      "$duly" run --rules "$rules" --events "$events_file" --as-of "$as_of" --format json
    measure "$size" "$n" "$events" "duly run --format json --rules rules/national" "$run" /dev/null \
      "$duly" run --rules rules/national --events "$events_file" --as-of "$as_of" --format json
  done
  if [ "$keep" = false ]; then
    rm -f "$events_file" "$dir/report-$n.json"
  fi
done
echo
echo "table written to $table"
