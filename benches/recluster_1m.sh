#!/usr/bin/env bash
# Re-cluster cost curve through the binary: for each size (default 10k, 100k,
# 1M) a `refrain gen --seed 7` dump is ingested once, then `refrain recluster`
# runs RUNS times (default 3). Prints wall seconds (median, min, max), peak
# RSS and the job's own stage timings.
#
#   cargo build --release && benches/recluster_1m.sh        # SIZES="10000 100000" for a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10000 100000 1000000"}
RUNS=${RUNS:-3}
BIN=${BIN:-target/release/refrain}
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d /tmp/refrain-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
for n in $SIZES; do
  "$BIN" gen --tickets "$n" --seed 7 --out "$work/dump.ndjson" 2>/dev/null
  rm -rf "$work/data"
  "$BIN" ingest "$work/dump.ndjson" --data "$work/data" --json > /dev/null
  : > "$work/runs"
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$BIN" recluster --data "$work/data" --json > "$work/result"
    cat "$work/t" >> "$work/runs"
  done
  python3 -c '
import sys, json, statistics
n = int(sys.argv[1])
runs = [tuple(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
walls = sorted(s for s, _ in runs)
median = statistics.median(walls)
peak = max(k for _, k in runs) / 1024
result = json.load(open(sys.argv[3]))
clusters, stages = result["clusters"], result["timings"]
print(f"{n:>8} tickets: median {median:.2f} s (min {walls[0]:.2f}, max {walls[-1]:.2f}), "
      f"{n / median:,.0f} tickets/s, peak RSS {peak:,.0f} MiB, {clusters} clusters; last run stages {stages}")
' "$n" "$work/runs" "$work/result"
done
