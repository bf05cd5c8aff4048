#!/usr/bin/env python3
"""Writes a dev split of a labelled train file, so thresholds are tuned
without looking at the test file: DIR/train.csv (80%) and DIR/test.csv
(20%) from ../shared/data/banking77/train.csv, shuffled with seed 11.

    python3 benches/dev_split.py /tmp/b77dev
    python3 ../shared/tools/refrain_eval.py --bin target/release/refrain \
        --dataset /tmp/b77dev --stages cluster,review,suggest

The suggest-group thresholds (`[suggest]`) were chosen this way.
"""
import csv, os, random, sys

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/b77dev"
here = os.path.dirname(os.path.abspath(__file__))
source = os.path.join(here, "..", "..", "shared", "data", "banking77", "train.csv")
rows = list(csv.DictReader(open(source, newline="")))
random.Random(11).shuffle(rows)
cut = int(len(rows) * 0.8)
os.makedirs(out, exist_ok=True)
for name, part in (("train", rows[:cut]), ("test", rows[cut:])):
    with open(os.path.join(out, f"{name}.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["text", "category"])
        w.writeheader()
        for r in part:
            w.writerow({"text": r["text"], "category": r["category"]})
print(f"{cut} train, {len(rows) - cut} dev tickets in {out}")
