#!/usr/bin/env python3
"""suggest-group under load at scale, through the API: 1M tickets, 10k confirmed groups.

Setup (printed as it goes, ~10 minutes on the 2-core machine):
  1. `refrain gen --tickets N --seed 7 --families 2000`, `refrain ingest` into a fresh data
     directory, `refrain serve`, `POST /v1/recluster`;
  2. each candidate cluster is split into equal parts by member order (`POST .../split`, one
     decision per cluster) so that there are at least G parts, and G parts are confirmed as
     groups (`POST .../confirm`), 16 decisions in flight at a time. The generator makes at most
     2,000 symptom families, so 10k groups are parts of families, told apart only by the split
     (the worst case for learning, the usual one for the index: every query term reaches many
     groups);
  3. open-loop load: `POST /v1/suggest-group` with tickets of a second dump (`--seed 8`, same
     families) at --rps requests/s over 16 keep-alive connections for --seconds; latency counts
     from when each request fell due (`benchlib.open_loop`, the same client as
     ../shared/tools/refrain_eval.py's latency stage).

Prints p50 / p99 / max, the achieved rate and errors, the server's CPU time per request and
its peak RSS; writes the same as JSON with --json FILE. --keep DIR keeps (or reuses) the data
directory, so that the load can be run again without the setup.

    cargo build --release
    python3 benches/suggest_1m.py target/release/refrain                 # 1M tickets, 10k groups
    python3 benches/suggest_1m.py target/release/refrain --tickets 100000 --groups 1000
"""
import argparse
import concurrent.futures
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as B  # noqa: E402


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def in_parallel(work, items, threads=16):
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(work, items))


def make_groups(srv, want):
    """Splits the candidate clusters into parts of about equal size and confirms `want` of
    them, 16 decisions in flight. Returns the number of groups made."""
    clusters = B.all_pages(srv, "/v1/clusters", "clusters")
    size = max(1, sum(int(c["size"]) for c in clusters) // want)
    log(f"{len(clusters)} clusters; splitting them into parts of about {size} tickets")

    def split(c):
        ms = B.members(srv, c["id"])
        if len(ms) < 2 * size:
            return [c["id"]]  # too small to split: confirmed whole
        step = math.ceil(len(ms) / (len(ms) // size))
        parts = [ms[i:i + step] for i in range(0, len(ms), step)]
        js = srv.ok("POST", f"/v1/clusters/{c['id']}/split", {"parts": parts})
        return [x["id"] for key in ("clusters", "deferred") for x in js.get(key, [])]

    t0 = time.time()
    parts = [p for ps in in_parallel(split, clusters) for p in ps][:want]
    log(f"{len(clusters)} splits in {time.time() - t0:.0f} s; confirming {len(parts)} parts")

    def confirm(job):
        i, cid = job
        status, js = srv.call("POST", f"/v1/clusters/{cid}/confirm", {"name": f"problem {i}", "tag": "weak-ux"})
        if i % 1000 == 999:
            log(f"  {i + 1} confirmed, {time.time() - t0:.0f} s")
        if status == 409:  # the engine attached all its tickets to a group meanwhile
            return False
        if status >= 300:
            raise RuntimeError(f"confirm {cid} -> {status}: {str(js)[:300]}")
        return True

    t0 = time.time()
    made = sum(in_parallel(confirm, list(enumerate(parts))))
    log(f"{made} confirms in {time.time() - t0:.0f} s ({len(parts) - made} parts taken by groups first)")
    return made


def queries(binary, work, n=4000):
    """Texts of tickets the store has not seen, of the same families (`--seed 8`)."""
    path = os.path.join(work, "queries.ndjson")
    subprocess.run([binary, "gen", "--tickets", str(n), "--seed", "8", "--families", "2000", "--out", path],
                   check=True, capture_output=True)
    with open(path) as f:
        tickets = [json.loads(line) for line in f]
    os.remove(path)
    return [" ".join(x for x in (t.get("title"), t.get("body")) if x) for t in tickets]


def load(binary, data, texts, groups, rps, seconds, recluster=True):
    """Serves `data` (ingested; re-clustered here unless `recluster` is False), makes `groups`
    groups unless a previous run left its count in `data`/bench-groups, then measures
    suggest-group under open-loop load. Returns the figures."""
    made = os.path.join(data, "bench-groups")
    srv = B.Server(binary, data)
    try:
        if os.path.exists(made):
            with open(made) as f:
                groups = int(f.read())
        else:
            if recluster:
                log(f"re-clustered in {B.wait_job(srv, srv.ok('POST', '/v1/recluster', {})['job']):.0f} s")
            groups = make_groups(srv, groups)
            with open(made, "w") as f:
                f.write(str(groups))
        srv.ok("POST", "/v1/suggest-group", {"text": texts[0]})  # the snapshot is built
        log(f"server idle after {B.wait_idle(srv.proc.pid):.0f} s (the last decisions' attach and snapshot)")
        log(f"load: {rps} requests/s for {seconds} s over 16 connections, {groups} groups")
        bodies = [json.dumps({"text": t}).encode() for t in texts]
        cpu = B.cpu_seconds(srv.proc.pid)
        result = B.open_loop(srv, "/v1/suggest-group", bodies, rps, seconds)
        cpu = B.cpu_seconds(srv.proc.pid) - cpu
        result.update(groups=groups, server_cpu_ms_per_request=round(1000 * cpu / max(result["requests"], 1), 3),
                      server_peak_rss_mib=B.peak_rss_mib(srv.proc.pid))
        return result
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--groups", type=int, default=10_000)
    ap.add_argument("--rps", type=int, default=2000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--keep", help="data directory to keep, or to reuse when it exists")
    ap.add_argument("--json", help="also write the result here")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="refrain-suggest-")
    data = args.keep or os.path.join(work, "data")
    try:
        texts = queries(args.binary, work)
        if not os.path.exists(data):
            dump = os.path.join(work, "dump.ndjson")
            t0 = time.time()
            subprocess.run([args.binary, "gen", "--tickets", str(args.tickets), "--seed", "7",
                            "--families", "2000", "--out", dump], check=True, capture_output=True)
            subprocess.run([args.binary, "ingest", dump, "--data", data], check=True, capture_output=True)
            os.remove(dump)
            log(f"{args.tickets} tickets generated and ingested in {time.time() - t0:.0f} s")
        result = load(args.binary, data, texts, args.groups, args.rps, args.seconds)
        result.update(stage="suggest_1m", tickets=args.tickets)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
