"""Fits the matcher's evidence weights by logistic regression, run by hand
(bench/fit_weights.sh).

Input: one or more training corpora (never the benchmark's), each a folder with the CSV of
`match-bench features` (one row per query and candidate: the truth label and the score's
evidence summed by group), truth.jsonl and records.jsonl. The prior is split into its
constant and its index-size term (-ln(records / 100,000), zero below), so corpora of
different sizes fix both. Output: for each group, the multiplier that best fits the labels
and the weight it implies; the constants in crates/enlace-match/src/{score,dob}.rs are set
from it. Newton's method on the log-loss with a small ridge pulling each multiplier towards
1, so thinly observed groups keep their hand-set weight."""
import json
import math
import os
import sys

import numpy as np


def load(folder):
    path = os.path.join(folder, "features.csv")
    header = open(path).readline().strip().split(",")[2:-1]
    rows = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(1, 2 + len(header)))
    records = sum(1 for _ in open(os.path.join(folder, "records.jsonl")))
    positives = sum(len(json.loads(line)["matches"]) for line in open(os.path.join(folder, "truth.jsonl")))
    y, x = rows[:, 0], rows[:, 1:]
    size = math.log(max(1.0, records / 100_000))
    p = header.index("prior")
    # The prior column holds PRIOR - size: split it into PRIOR (constant) and -size.
    const = x[:, p] + size
    x = np.column_stack([np.delete(x, p, axis=1), const, np.full(len(y), -size)])
    names = [h for h in header if h != "prior"] + ["prior_constant", "prior_size_term"]
    return names, y, x, positives, records


def f1(y, logit, positives):
    pred = 1 / (1 + np.exp(-logit)) >= 0.5
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    return 2 * tp / (2 * tp + fp + (positives - tp))


def main():
    sets = [load(folder) for folder in sys.argv[1:]]
    names = sets[0][0]
    y = np.concatenate([s[1] for s in sets])
    x = np.concatenate([s[2] for s in sets])
    a = np.ones(x.shape[1])
    for _ in range(200):
        p = 1 / (1 + np.exp(-(x @ a)))
        grad = x.T @ (p - y) + (a - 1)
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.eye(len(a))
        step = np.linalg.solve(hess, grad)
        a -= step
        if np.abs(step).max() < 1e-7:
            break
    for folder, (_, ys, xs, positives, records) in zip(sys.argv[1:], sets):
        print(f"{folder} ({records} records): F1 at 0.5 on its candidates, "
              f"current {f1(ys, xs.sum(1), positives):.4f}, fitted {f1(ys, xs @ a, positives):.4f}")
    for name, coef, col in zip(names, a, x.T):
        seen = col[col != 0]
        w = seen[0] if len(seen) else 0.0
        print(f"{name:60s} x{coef:7.3f}  {w:8.3f} -> {w * coef:8.3f}  (n={len(seen)})")


if __name__ == "__main__":
    main()
