"""Fits the matcher's evidence weights by logistic regression, run by hand.

Input: the CSV of `match-bench features` (one row per query and candidate: the truth label
and the score's evidence summed by group) built from a *training* corpus that the benchmark
never scores. Output: for each group, the multiplier that best fits the labels and the
weight it implies; the weights in crates/enlace-match/src/{score,dob}.rs are set from it.
Newton's method on the log-loss with a small ridge pulling each multiplier towards 1
(thinly observed groups keep their hand-set weight)."""
import json
import sys

import numpy as np


def f1(y, logit, positives, thr=0.5):
    pred = 1 / (1 + np.exp(-logit)) >= thr
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    return 2 * tp / (2 * tp + fp + (positives - tp))


def main():
    features, truth = sys.argv[1], sys.argv[2]
    ridge = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    header = open(features).readline().strip().split(",")[2:]
    rows = np.loadtxt(features, delimiter=",", skiprows=1, usecols=range(1, 2 + len(header)))
    y, x = rows[:, 0], rows[:, 1:]
    # Truth pairs never offered as candidates still count as misses.
    positives = sum(len(json.loads(line)["matches"]) for line in open(truth))
    a = np.ones(x.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(x @ a)))
        grad = x.T @ (p - y) + ridge * (a - 1)
        hess = (x * (p * (1 - p))[:, None]).T @ x + ridge * np.eye(len(a))
        step = np.linalg.solve(hess, grad)
        a -= step
        if np.abs(step).max() < 1e-7:
            break
    print(f"F1 at 0.5 on the training candidates: current {f1(y, x.sum(1), positives):.4f}, "
          f"fitted {f1(y, x @ a, positives):.4f}")
    for name, coef, col in zip(header, a, x.T):
        seen = col[col != 0]
        w = seen[0] if len(seen) else 0.0
        print(f"{name:60s} x{coef:7.3f}  {w:8.3f} -> {w * coef:8.3f}  (n={len(seen)})")


if __name__ == "__main__":
    main()
