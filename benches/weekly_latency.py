#!/usr/bin/env python3
"""The weekly loop's reads on a large store, through the API.

A `refrain gen --families 2000` dump of N tickets is ingested and
re-clustered, G clusters are confirmed, then each read of the weekly loop
is timed R times (median and largest): the roadmap, opening a weekly
review, the digest (JSON and Markdown), prioritized.yaml, the Jira
payload, and the warehouse tables (tickets as CSV, groups as NDJSON).

    cargo build --release && python3 benches/weekly_latency.py target/release/refrain 100000 200 5

Uses the Server helper of ../shared/tools/refrain_eval.py.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared", "tools"))
import refrain_eval as E  # noqa: E402

binary, n, g, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
tmp = tempfile.mkdtemp(prefix="refrain-weekly-")
dump = os.path.join(tmp, "dump.ndjson")
subprocess.run([binary, "gen", "--tickets", str(n), "--seed", "7", "--families", "2000", "--out", dump],
               check=True, capture_output=True)
subprocess.run([binary, "ingest", dump, "--data", os.path.join(tmp, "data")], check=True, capture_output=True)
srv = E.Server(binary, os.path.join(tmp, "data"))


def raw(path):
    """GET `path`; the body's size in bytes."""
    with urllib.request.urlopen(f"http://{srv.addr}{path}", timeout=600) as r:
        return len(r.read())


try:
    t0 = time.time()
    E.wait_job(srv, srv.ok("POST", "/v1/recluster", {}), t0)
    clusters = E.all_pages(srv, "/v1/clusters", "clusters")
    t0 = time.time()
    for i, c in enumerate(clusters[:g]):
        srv.ok("POST", f"/v1/clusters/{c['id']}/confirm", {"name": f"group {i}", "tag": "weak-ux"})
    grouped = sum(x["counts"]["total"] for x in E.all_pages(srv, "/v1/groups", "groups"))
    print(f"{n} tickets, {min(g, len(clusters))} groups holding {grouped} tickets")
    reads = [
        ("GET /v1/roadmap", lambda: raw("/v1/roadmap")),
        ("GET /v1/digest", lambda: raw("/v1/digest")),
        ("GET /v1/digest?format=markdown", lambda: raw("/v1/digest?format=markdown")),
        ("GET /v1/export/prioritized.yaml", lambda: raw("/v1/export/prioritized.yaml")),
        ("GET /v1/export/jira", lambda: raw("/v1/export/jira")),
        ("GET /v1/export/warehouse?format=csv", lambda: raw("/v1/export/warehouse?format=csv")),
        ("GET /v1/export/warehouse?table=groups", lambda: raw("/v1/export/warehouse?table=groups")),
    ]
    for name, read in reads:
        times, size = [], 0
        for _ in range(runs):
            t = time.time()
            size = read()
            times.append(time.time() - t)
        print(f"{name:40} median {statistics.median(times):7.3f} s  max {max(times):7.3f} s  {size:>11,} bytes")
    t = time.time()
    srv.ok("POST", "/v1/reviews", {})
    print(f"{'POST /v1/reviews (the agenda)':40} once   {time.time() - t:7.3f} s")
finally:
    srv.stop()
