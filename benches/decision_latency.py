#!/usr/bin/env python3
"""Review-decision latency on a large store, through the API.

A `refrain gen --families 2000` dump of N tickets is ingested and
re-clustered, then D clusters are confirmed one after another; prints the
median and largest confirm latency (the engine's attach and the suggest
snapshot rebuild run inside the decision), and one suggest-group latency.

    cargo build --release && python3 benches/decision_latency.py target/release/refrain 100000 20

Uses the Server helper of ../shared/tools/refrain_eval.py.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared", "tools"))
import refrain_eval as E  # noqa: E402

binary, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tmp = tempfile.mkdtemp(prefix="refrain-decisions-")
dump = os.path.join(tmp, "dump.ndjson")
subprocess.run([binary, "gen", "--tickets", str(n), "--seed", "7", "--families", "2000", "--out", dump],
               check=True, capture_output=True)
subprocess.run([binary, "ingest", dump, "--data", os.path.join(tmp, "data")], check=True, capture_output=True)
srv = E.Server(binary, os.path.join(tmp, "data"))
try:
    t0 = time.time()
    E.wait_job(srv, srv.ok("POST", "/v1/recluster", {}), t0)
    print("recluster", round(time.time() - t0, 1), "s")
    clusters = E.all_pages(srv, "/v1/clusters", "clusters")
    lat = []
    for i, c in enumerate(clusters[:d]):
        t = time.time()
        srv.ok("POST", f"/v1/clusters/{c['id']}/confirm", {"name": f"group {i}", "tag": "weak-ux"})
        lat.append(time.time() - t)
    print(f"{len(clusters)} clusters; confirm: median {statistics.median(lat):.3f} s, max {max(lat):.3f} s")
    t = time.time()
    srv.ok("POST", "/v1/suggest-group", {"text": "checkout times out", "limit": 3})
    print(f"suggest-group {1000 * (time.time() - t):.1f} ms")
finally:
    srv.stop()
