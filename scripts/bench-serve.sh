#!/usr/bin/env bash
# Benchmarks `duly serve`: batched ingest into the durable store over HTTP,
# then GET /v1/cases/{id} from 50 concurrent clients with 100,000 cases
# stored. Everything runs on this machine, on 127.0.0.1, and stops by itself.
#
#   scripts/bench-serve.sh [CHILDREN] [SECONDS] [RATE]
#
# CHILDREN (default 100000) synthetic children from `duly gen`; SECONDS
# (default 20) of reads; RATE (default 0: closed loop, each client as fast
# as it can) requests a second across all clients for a second read run.
set -euo pipefail
cd "$(dirname "$0")/.."
children=${1:-100000}
seconds=${2:-20}
rate=${3:-2000}
cargo build --release -q -p duly-cli --bin duly
cargo build --release -q -p duly-server --example bench_serve
duly=target/release/duly
bench=target/release/examples/bench_serve
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
token=bench-writer-token-0123456789
printf 'writer %s\n' "$token" > "$work/tokens"
"$duly" gen --children "$children" --seed 7 --from 2023-01-01 --to 2025-03-31 --out "$work/events.jsonl"
echo "events: $(wc -l < "$work/events.jsonl") for $children children"
RUST_LOG=warn "$duly" serve --db "$work/duly.db" --rules rules --tokens "$work/tokens" \
  --listen 127.0.0.1:0 > "$work/out" 2> "$work/log" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
address=$(sed -n 's/^listening on //p' "$work/out")
if [ -z "$address" ]; then echo "the service did not start:"; cat "$work/log"; exit 1; fi
"$bench" ingest --address "$address" --token "$token" --events "$work/events.jsonl" --batch 5000 --connections 4
# Every case the ingest touched is replayed once by the escalation timer
# (its plugin actions); measure reads once that catch-up is over, so that
# the figures are of reads alone: wait until the service is idle (under 5%
# of a core over a second), at most 5 minutes.
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
started=$SECONDS
if [ -r "/proc/$server/stat" ]; then
  before=$(ticks)
  for _ in $(seq 300); do
    sleep 1
    now=$(ticks)
    [ $((now - before)) -lt 5 ] && break
    before=$now
  done
fi
echo "idle after ingest (escalation catch-up) in $((SECONDS - started)) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" read --address "$address" --token "$token" --events "$work/events.jsonl" --clients 50 --seconds "$seconds" --rate 0
"$bench" read --address "$address" --token "$token" --events "$work/events.jsonl" --clients 50 --seconds "$seconds" --rate "$rate"
echo "service memory: peak $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server/status"), now $(awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server/status")"
