#!/usr/bin/env bash
# Ingest throughput at scale: N tickets (default 1M) from `refrain gen` through
#   1. `refrain ingest FILE` into a fresh data directory, and
#   2. `POST /v1/tickets` in batches of 1,000 (`refrain ingest --server --batch 1000`),
# RUNS times each (default 3). Prints tickets/s (median, min, max) and peak RSS.
#
#   cargo build --release && benches/ingest_1m.sh            # N=100000 RUNS=1 for a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
RUNS=${RUNS:-3}
BIN=${BIN:-target/release/refrain}
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d /tmp/refrain-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export REFRAIN_LOG=warn

echo "generating $N tickets…" >&2
"$BIN" gen --tickets "$N" --seed 7 --out "$work/dump.ndjson" 2>/dev/null

report() { # name; stdin: lines of "seconds peak_kib"
  python3 -c '
import sys, statistics
n, name = int(sys.argv[1]), sys.argv[2]
runs = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
rates = sorted(n / s for s, _ in runs)
peak = max(k for _, k in runs) / 1024
print(f"{name}: {n} tickets, {len(runs)} runs: median {statistics.median(rates):,.0f} tickets/s "
      f"(min {rates[0]:,.0f}, max {rates[-1]:,.0f}); peak RSS {peak:,.0f} MiB")
' "$N" "$1"
}
: > "$work/local"
for i in $(seq "$RUNS"); do
  rm -rf "$work/data"
  /usr/bin/time -f '%e %M' -o "$work/t" "$BIN" ingest "$work/dump.ndjson" --data "$work/data" --json > /dev/null 2>&1
  cat "$work/t" >> "$work/local"
done
report "refrain ingest FILE (local data dir)" < "$work/local"

: > "$work/http"
for i in $(seq "$RUNS"); do
  rm -rf "$work/sdata"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  /usr/bin/time -f '%e %M' -o "$work/st" "$BIN" serve --data "$work/sdata" --addr "127.0.0.1:$port" 2>/dev/null &
  server=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.1; done
  start=$(date +%s.%N)
  "$BIN" ingest "$work/dump.ndjson" --server "http://127.0.0.1:$port" --batch 1000 --json > /dev/null 2>&1
  end=$(date +%s.%N)
  kill -TERM "$(pgrep -P "$server" refrain)" 2>/dev/null || kill -TERM "$server"
  wait "$server" || true
  peak=$(awk '{print $2}' "$work/st")
  echo "$(python3 -c "print($end - $start)") $peak" >> "$work/http"
done
report "POST /v1/tickets, batches of 1,000 (server RSS)" < "$work/http"
