#!/usr/bin/env python3
"""Scores the current clusters of a data directory against ground truth.

Reads the candidate clusters the last `refrain recluster` made current
(straight from the store) and a labels CSV (`id,label`, as `refrain gen`
writes beside its dump), and prints ARI and NMI over every labelled ticket;
an unclustered ticket counts as a cluster of its own, as `refrain eval`
scores it. Needs scikit-learn: `benches/suite.py` makes a virtualenv with it
(~/.cache/refrain-bench/sklearn-1.7.2).

    ~/.cache/refrain-bench/sklearn-1.7.2/bin/python benches/score_clusters.py DATA_DIR dump.labels.csv

Used to compare re-cluster variants at 1M and 5M without running the
pipeline a second time (`refrain eval` re-analyses and re-clusters).
"""

import csv
import sqlite3
import sys

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data_dir, labels_path = sys.argv[1], sys.argv[2]
    with open(labels_path, newline="") as f:
        rows = csv.reader(f)
        next(rows)
        labels = {row[0]: row[1] for row in rows}
    store = sqlite3.connect(f"file:{data_dir}/refrain.sqlite?mode=ro", uri=True)
    cluster_of = dict(
        store.execute(
            "SELECT m.ticket_id, m.cluster_id FROM cluster_members m "
            "JOIN clusters c ON c.id = m.cluster_id WHERE c.current = 1"
        )
    )
    ids = list(labels)
    truth = [labels[i] for i in ids]
    found = [cluster_of.get(i, "unclustered:" + i) for i in ids]
    print(
        f"ARI {adjusted_rand_score(truth, found):.4f} "
        f"NMI {normalized_mutual_info_score(truth, found):.4f} "
        f"clustered {sum(i in cluster_of for i in ids)}/{len(ids)}"
    )


if __name__ == "__main__":
    main()
