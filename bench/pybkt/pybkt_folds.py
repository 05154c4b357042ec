"""Fit pyBKT's standard BKT on AKT-format folds and print one JSON line per fold.

Used by run.sh; converts the 4-line (problem, skill, correct) or 3-line files to the
DataFrame pyBKT expects (order_id, user_id, skill_name, correct), one row per file row,
which is the published (unmerged) protocol `ownpace evaluate` uses without --merge-repeats.
"""

import argparse
import glob
import json
import os
import sys
import time

import pandas as pd
from pyBKT.models import Model


def read_akt(path, start_order):
    lines = [l.strip() for l in open(path) if l.strip()]
    four = "," in lines[0].rstrip(",")
    step = 4 if four else 3
    rows = []
    order = start_order
    for g in range(0, len(lines) - step + 1, step):
        group = lines[g:g + step]
        user = f"{os.path.basename(path)}:{g // step}"
        skills = group[2 if four else 1].rstrip(",").split(",")
        correct = group[3 if four else 2].rstrip(",").split(",")
        for s, c in zip(skills, correct):
            rows.append((order, user, s, int(c)))
            order += 1
    return rows, order


def frame(paths):
    rows, order = [], 0
    for p in paths:
        r, order = read_akt(p, order)
        rows.extend(r)
    return pd.DataFrame(rows, columns=["order_id", "user_id", "skill_name", "correct"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--folds", default="1")
    args = ap.parse_args()
    train_files = glob.glob(os.path.join(args.dataset, "*_train1.csv"))
    if not train_files:
        sys.exit(f"{args.dataset}: no *_train1.csv (pyBKT comparison needs an AKT folder)")
    prefix = train_files[0][: -len("_train1.csv")]
    for k in [int(f) for f in args.folds.split(",")]:
        train = frame([f"{prefix}_train{k}.csv", f"{prefix}_valid{k}.csv"])
        test = frame([f"{prefix}_test{k}.csv"])
        # Skills unseen in training cannot be predicted by pyBKT; drop them from the test.
        test = test[test.skill_name.isin(set(train.skill_name))]
        model = Model(seed=42, num_fits=1)
        t0 = time.time()
        model.fit(data=train)
        fit_seconds = time.time() - t0
        auc = model.evaluate(data=test, metric="auc")
        print(json.dumps({"fold": k, "auc": float(auc), "fit_seconds": fit_seconds}), flush=True)


if __name__ == "__main__":
    main()
