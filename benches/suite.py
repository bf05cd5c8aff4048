#!/usr/bin/env python3
"""The benchmark suite: refrain side by side with the scikit-learn pipeline a
data engineer would write, on `refrain gen` dumps, in one run.

For each size (100k and 1M by default; `--sizes` to change, `--5m` adds 5M)
it generates a dump with a fixed seed and measures, each as a whole process
(wall seconds and peak RSS, from GNU time):

- CLI ingest: `refrain ingest dump.ndjson` into a fresh data directory;
- HTTP ingest: `refrain ingest --server URL --batch 1000` into a running
  server over a fresh data directory (the server's RSS is not counted);
- re-cluster: `refrain recluster` after the CLI ingest;
- search latency: `GET /v1/tickets?q=` for 200 queries made of the dump's
  title words (p50, p99);
- suggest-group latency: the clusters split into n / 100 groups (10k at 1M),
  then `POST /v1/suggest-group` open-loop at 2,000 requests/s over 16
  connections for 20 s (p50, p99, max, errors; `benches/suggest_1m.py`);
- quality: `refrain eval` (the same pipeline) against the dump's labels;
- scikit-learn: TF-IDF with unigrams and bigrams, English stop words,
  min_df=5, max_df=0.5, float32, then MiniBatchKMeans(500,
  batch_size=4096), NMI and ARI against the same labels. It is installed
  from PyPI into a virtualenv the suite makes itself (cached).

It prints a table with the ratios refrain / scikit-learn (wall time and
peak memory of the re-cluster against the pipeline; NMI, ARI), writes the
figures as JSON (`--json`, default bench-results/suite.json) and a chart of
wall time and peak memory against dump size as SVG (bench-results/suite.svg).

    cargo build --release && python3 benches/suite.py            # 100k and 1M
    python3 benches/suite.py --sizes 10000 100000                 # a quick look
    python3 benches/suite.py --5m                                 # also 5M
"""
import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benches"))
import suggest_1m  # noqa: E402
from benchlib import Server  # noqa: E402
SKLEARN_PKGS = ["scikit-learn==1.7.2", "numpy==2.3.4", "scipy==1.16.3"]
VENV = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                    "refrain-bench", "sklearn-1.7.2")

SKLEARN_SCRIPT = r'''
import json, sys, time
import numpy as np
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

dump, labels_path = sys.argv[1], sys.argv[2]
t0 = time.time()
ids, texts = [], []
with open(dump) as f:
    for line in f:
        t = json.loads(line)
        ids.append(t["id"])
        texts.append((t.get("title") or "") + "\n" + (t.get("body") or ""))
truth = {}
with open(labels_path) as f:
    next(f)
    for line in f:
        i, label = line.rstrip("\n").split(",", 1)
        truth[i] = label
read_s = time.time() - t0
t1 = time.time()
x = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", min_df=5, max_df=0.5,
                    dtype=np.float32).fit_transform(texts)
vectorize_s = time.time() - t1
t2 = time.time()
pred = MiniBatchKMeans(n_clusters=500, batch_size=4096, random_state=7, n_init=1).fit_predict(x)
cluster_s = time.time() - t2
y = [truth[i] for i in ids]
print(json.dumps({"read_s": read_s, "vectorize_s": vectorize_s, "cluster_s": cluster_s,
                  "nmi": normalized_mutual_info_score(y, pred),
                  "ari": adjusted_rand_score(y, pred), "features": int(x.shape[1])}))
'''


def timed(cmd, **kw):
    """Runs `cmd` under GNU time; (wall s, peak RSS MiB, stdout)."""
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out.name] + cmd,
                          capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    wall, rss_kib = open(out.name).read().split()[-2:]
    os.unlink(out.name)
    return float(wall), int(rss_kib) / 1024, proc.stdout


def sklearn_python():
    py = os.path.join(VENV, "bin", "python")
    probe = subprocess.run([py, "-c", "import sklearn; print(sklearn.__version__)"], capture_output=True, text=True) \
        if os.path.exists(py) else None
    if probe is None or probe.returncode != 0:
        print(f"installing {' '.join(SKLEARN_PKGS)} into {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check"] + SKLEARN_PKGS, check=True)
    return py


def search_latency(binary, data, dump, n=200):
    """p50 and p99 of `GET /v1/tickets?q=` for n two-word queries from titles."""
    words = []
    with open(dump) as f:
        for i, line in enumerate(f):
            if i % 97 == 0:
                words += [w.strip(",.:()").lower() for w in json.loads(line).get("title", "").split() if len(w) > 3]
            if len(words) > 5000:
                break
    rng = random.Random(7)
    srv = Server(binary, data)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        lat = []
        for _ in range(n):
            q = urllib.parse.quote(" ".join(rng.sample(words, 2)))
            t = time.perf_counter()
            status, _ = srv.get(f"/v1/tickets?q={q}&limit=20", conn)
            lat.append((time.perf_counter() - t) * 1000)
            if status != 200:
                raise RuntimeError(f"search answered {status}")
        lat.sort()
        return {"p50_ms": lat[len(lat) // 2], "p99_ms": lat[int(len(lat) * 0.99) - 1]}
    finally:
        srv.stop()


def http_ingest(binary, dump, work):
    data = os.path.join(work, "http-data")
    shutil.rmtree(data, ignore_errors=True)
    srv = Server(binary, data)
    try:
        wall, rss, _ = timed([binary, "ingest", dump, "--server", f"http://127.0.0.1:{srv.port}", "--batch", "1000"])
        return wall
    finally:
        srv.stop()
        shutil.rmtree(data, ignore_errors=True)


def measure(binary, n, work, py):
    dump = os.path.join(work, f"dump-{n}.ndjson")
    labels = dump[: -len(".ndjson")] + ".labels.csv"
    subprocess.run([binary, "gen", "--tickets", str(n), "--seed", "7", "--out", dump], check=True,
                   capture_output=True)
    data = os.path.join(work, "data")
    shutil.rmtree(data, ignore_errors=True)
    row = {"tickets": n}
    wall, rss, _ = timed([binary, "ingest", dump, "--data", data, "--json"])
    row["cli_ingest"] = {"wall_s": wall, "peak_mib": rss, "per_s": n / wall}
    wall = http_ingest(binary, dump, work)
    row["http_ingest"] = {"wall_s": wall, "per_s": n / wall}
    wall, rss, out = timed([binary, "recluster", "--data", data, "--json"])
    row["recluster"] = {"wall_s": wall, "peak_mib": rss, "report": json.loads(out)}
    row["search"] = search_latency(binary, data, dump)
    texts = suggest_1m.queries(binary, work)
    row["suggest"] = suggest_1m.load(binary, data, texts, groups=max(n // 100, 10), rps=2000,
                                     seconds=20, recluster=False)
    _, _, out = timed([binary, "eval", dump, "--json"])
    q = json.loads(out)
    row["quality"] = {k: q[k] for k in ("nmi", "ari", "purity", "clusters", "clustered_share")}
    script = os.path.join(work, "sklearn_pipeline.py")
    with open(script, "w") as f:
        f.write(SKLEARN_SCRIPT)
    wall, rss, out = timed([py, script, dump, labels])
    row["sklearn"] = {"wall_s": wall, "peak_mib": rss, **json.loads(out)}
    row["ratios"] = {
        "wall": row["recluster"]["wall_s"] / wall,
        "peak_memory": row["recluster"]["peak_mib"] / rss,
        "nmi": row["quality"]["nmi"] - row["sklearn"]["nmi"],
        "ari": row["quality"]["ari"] - row["sklearn"]["ari"],
    }
    shutil.rmtree(data, ignore_errors=True)
    os.unlink(dump)
    os.unlink(labels)
    return row


def table(rows):
    head = (f"{'tickets':>9} {'ingest/s':>9} {'http/s':>8} {'recluster':>10} {'RSS MiB':>8} "
            f"{'sklearn':>8} {'RSS MiB':>8} {'time ×':>7} {'mem ×':>6} {'NMI':>6} {'sk NMI':>6} "
            f"{'ARI':>6} {'sk ARI':>6} {'q50 ms':>6} {'q99 ms':>6} {'s99 ms':>6}")
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['tickets']:>9,} {r['cli_ingest']['per_s']:>9,.0f} {r['http_ingest']['per_s']:>8,.0f} "
            f"{r['recluster']['wall_s']:>9.1f}s {r['recluster']['peak_mib']:>8,.0f} "
            f"{r['sklearn']['wall_s']:>7.1f}s {r['sklearn']['peak_mib']:>8,.0f} "
            f"{r['ratios']['wall']:>7.3f} {r['ratios']['peak_memory']:>6.3f} "
            f"{r['quality']['nmi']:>6.3f} {r['sklearn']['nmi']:>6.3f} "
            f"{r['quality']['ari']:>6.3f} {r['sklearn']['ari']:>6.3f} "
            f"{r['search']['p50_ms']:>6.1f} {r['search']['p99_ms']:>6.1f} {r['suggest']['p99_ms']:>6.1f}")
    return "\n".join(lines)


def chart(rows, path):
    """Wall time and peak memory of the re-cluster and of scikit-learn
    against dump size, log-log, as SVG."""
    import math
    w, h, pad = 760, 320, 60
    panels = [("re-cluster wall time (s, log scale)", "wall_s"), ("peak memory (MiB, log scale)", "peak_mib")]
    xs = [r["tickets"] for r in rows]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
           f'<rect width="{w}" height="{h}" fill="white"/>']
    pw = (w - 3 * pad) / 2
    for p, (title, key) in enumerate(panels):
        x0 = pad + p * (pw + pad)
        ys = [r["recluster"][key] for r in rows] + [r["sklearn"][key] for r in rows]
        lo_x, hi_x = math.log10(min(xs)) - 0.1, math.log10(max(xs)) + 0.1
        lo_y, hi_y = math.log10(max(min(ys), 1e-3)) - 0.2, math.log10(max(ys)) + 0.2
        px = lambda v: x0 + (math.log10(v) - lo_x) / (hi_x - lo_x) * pw  # noqa: E731
        py_ = lambda v: h - pad - (math.log10(max(v, 1e-3)) - lo_y) / (hi_y - lo_y) * (h - 2 * pad)  # noqa: E731
        out.append(f'<text x="{x0 + pw / 2}" y="{pad - 25}" text-anchor="middle" font-size="13">{title}</text>')
        out.append(f'<line x1="{x0}" y1="{h - pad}" x2="{x0 + pw}" y2="{h - pad}" stroke="#333"/>')
        out.append(f'<line x1="{x0}" y1="{pad - 10}" x2="{x0}" y2="{h - pad}" stroke="#333"/>')
        for v in xs:
            out.append(f'<text x="{px(v)}" y="{h - pad + 15}" text-anchor="middle">{v:,}</text>')
        for name, colour, get in [("refrain", "#1f5fbf", lambda r: r["recluster"][key]),
                                  ("scikit-learn", "#c0392b", lambda r: r["sklearn"][key])]:
            pts = " ".join(f"{px(r['tickets']):.1f},{py_(get(r)):.1f}" for r in rows)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
            for r in rows:
                out.append(f'<circle cx="{px(r["tickets"]):.1f}" cy="{py_(get(r)):.1f}" r="3" fill="{colour}"/>')
                out.append(f'<text x="{px(r["tickets"]) + 5:.1f}" y="{py_(get(r)) - 5:.1f}" fill="{colour}">{get(r):,.1f}</text>')
        out.append(f'<text x="{x0 + 5}" y="{h - 8}" fill="#1f5fbf">refrain</text>')
        out.append(f'<text x="{x0 + 60}" y="{h - 8}" fill="#c0392b">scikit-learn</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "refrain"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--5m", dest="five_m", action="store_true", help="also 5M tickets")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-results"))
    args = ap.parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{args.bin} is not built: cargo build --release")
    if not os.path.exists("/usr/bin/time"):
        sys.exit("needs GNU time: apt-get install time")
    sizes = args.sizes + ([5_000_000] if args.five_m else [])
    py = sklearn_python()
    os.makedirs(args.out, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="refrain-suite-") as work:
        for n in sizes:
            print(f"{n:,} tickets …", file=sys.stderr)
            rows.append(measure(args.bin, n, work, py))
    cpus = os.cpu_count()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    report = {"machine": {"cpus": cpus, "memory_gib": round(mem, 1)}, "rows": rows}
    with open(os.path.join(args.out, "suite.json"), "w") as f:
        json.dump(report, f, indent=2)
    chart(rows, os.path.join(args.out, "suite.svg"))
    print(f"machine: {cpus} cores, {mem:.1f} GiB")
    print(table(rows))
    print(f"(time × and mem ×: refrain re-cluster ÷ scikit-learn pipeline; q: search, s: suggest-group "
          f"at 2,000 req/s; "
          f"written {args.out}/suite.json and suite.svg)")


if __name__ == "__main__":
    main()
