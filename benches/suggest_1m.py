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
     from when each request fell due (the harness's client, ../shared/tools/refrain_eval.py).

Prints p50 / p99 / max, the achieved rate and errors, the server's CPU time per request and
its peak RSS; writes the
same as JSON with --json FILE. --keep DIR keeps (or reuses) the data directory, so that the
load can be run again without the setup.

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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tools"))
import refrain_eval as E  # noqa: E402


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return None


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pid, limit=600):
    """Waits until the server uses under 5% of a core for 2 s: the attach and suggest snapshot
    that the last decisions started have landed."""
    t0 = time.time()
    while time.time() - t0 < limit:
        before = cpu_seconds(pid)
        time.sleep(2)
        if cpu_seconds(pid) - before < 0.1:
            return time.time() - t0
    raise RuntimeError(f"the server is still busy after {limit} s")


def in_parallel(work, items, threads=16):
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(work, items))


def make_groups(srv, want):
    """Splits the candidate clusters into parts and confirms `want` of them. Returns the number
    of groups made."""
    clusters = E.all_pages(srv, "/v1/clusters", "clusters")
    size = max(1, sum(int(c["size"]) for c in clusters) // want)
    log(f"{len(clusters)} clusters; splitting them into parts of about {size} tickets")

    def split(c):
        ms = E.members(srv, c["id"])
        if len(ms) < 2 * size:
            return [c["id"]]  # too small to split: confirmed whole
        per = len(ms) // size
        step = math.ceil(len(ms) / per)
        parts = [ms[i:i + step] for i in range(0, len(ms), step)]
        st, js = srv.call("POST", f"/v1/clusters/{c['id']}/split", {"parts": parts})
        if st >= 300:
            raise RuntimeError(f"split {c['id']} -> {st}: {str(js)[:300]}")
        return [E.ident(x) for key in ("clusters", "deferred") for x in js.get(key, [])]

    t0 = time.time()
    parts = [p for ps in in_parallel(split, clusters) for p in ps][:want]
    log(f"{len(clusters)} splits in {time.time() - t0:.0f} s; confirming {len(parts)} parts")

    def confirm(job):
        i, cid = job
        st, js = srv.call("POST", f"/v1/clusters/{cid}/confirm", {"name": f"problem {i}", "tag": "weak-ux"})
        if st >= 300:
            raise RuntimeError(f"confirm {cid} -> {st}: {str(js)[:300]}")
        if i % 1000 == 999:
            log(f"  {i + 1} confirmed, {time.time() - t0:.0f} s")

    t0 = time.time()
    in_parallel(confirm, list(enumerate(parts)))
    log(f"{len(parts)} confirms in {time.time() - t0:.0f} s")
    return len(parts)


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
    reuse = args.keep and os.path.exists(data)
    queries_file = os.path.join(work, "queries.ndjson")
    subprocess.run([args.binary, "gen", "--tickets", "4000", "--seed", "8", "--families", "2000",
                    "--out", queries_file], check=True, capture_output=True)
    queries = []
    with open(queries_file) as f:
        for line in f:
            t = json.loads(line)
            queries.append(" ".join(x for x in (t.get("title"), t.get("body")) if x))

    if not reuse:
        dump = os.path.join(work, "dump.ndjson")
        t0 = time.time()
        subprocess.run([args.binary, "gen", "--tickets", str(args.tickets), "--seed", "7", "--families", "2000",
                        "--out", dump], check=True, capture_output=True)
        subprocess.run([args.binary, "ingest", dump, "--data", data], check=True, capture_output=True)
        os.remove(dump)
        log(f"{args.tickets} tickets generated and ingested in {time.time() - t0:.0f} s")
    srv = E.Server(args.binary, data)
    try:
        made = os.path.join(data, "bench-groups")
        if reuse:
            with open(made) as f:
                groups = int(f.read())
        else:
            t0 = time.time()
            E.wait_job(srv, srv.ok("POST", "/v1/recluster", {}), t0)
            log(f"re-clustered in {time.time() - t0:.0f} s")
            groups = make_groups(srv, args.groups)
            with open(made, "w") as f:
                f.write(str(groups))
        srv.ok("POST", "/v1/suggest-group", {"text": queries[0]})  # the snapshot is built
        log(f"server idle after {wait_idle(srv.proc.pid):.0f} s")
        log(f"load: {args.rps} requests/s for {args.seconds} s over 16 connections, {groups} groups")
        cpu = cpu_seconds(srv.proc.pid)
        result = E.stage_latency(srv, queries, rps=args.rps, seconds=args.seconds, conns=16)
        cpu = cpu_seconds(srv.proc.pid) - cpu
        result.update(stage="suggest_1m", tickets=args.tickets, groups=groups,
                      server_cpu_ms_per_request=round(1000 * cpu / max(result["requests"], 1), 3),
                      server_peak_rss_mib=peak_rss_mib(srv.proc.pid))
    finally:
        srv.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
