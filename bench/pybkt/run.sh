#!/usr/bin/env bash
# Compare standard BKT: pyBKT 1.4.3 (PyPI) against `ownpace evaluate --models bkt`, on the
# same AKT folds of the published (unmerged) protocol. Prints AUC and fit time of both and
# the speed ratio.
#
# Usage: bench/pybkt/run.sh [FOLDS] [DATASET_DIR]
#   FOLDS        comma-separated folds, default 1 (pyBKT takes ~10 minutes per fold here)
#   DATASET_DIR  default $OWNPACE_DATASETS/assist2009_pid, else ../shared/datasets/assist2009_pid
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
folds="${1:-1}"
datasets="${OWNPACE_DATASETS:-$root/../shared/datasets}"
dataset="${2:-$datasets/assist2009_pid}"
venv="$root/bench/.venv"

if [ ! -d "$dataset" ]; then
    echo "dataset folder $dataset not found (set OWNPACE_DATASETS or pass DATASET_DIR)" >&2
    exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    # pyBKT 1.4.3 fails with numpy 2 and scikit-learn >= 1.6.
    "$venv/bin/pip" install --quiet "pyBKT==1.4.3" "numpy<2" "pandas<2.2" "scikit-learn==1.4.2"
fi

echo "ownpace: cargo run --release -p ownpace -- evaluate --dataset $dataset --models bkt --folds $folds --json" >&2
ours="$(cd "$root" && cargo run --quiet --release -p ownpace -- evaluate --dataset "$dataset" --models bkt --folds "$folds" --json)"
echo "pyBKT: fitting folds $folds (slow)" >&2
theirs="$("$venv/bin/python" "$root/bench/pybkt/pybkt_folds.py" --dataset "$dataset" --folds "$folds")"

OURS="$ours" THEIRS="$theirs" "$venv/bin/python" - <<'PY'
import json, os, statistics
ours = json.loads(os.environ["OURS"])["models"][0]
theirs = [json.loads(l) for l in os.environ["THEIRS"].splitlines() if l.strip()]
p_auc = statistics.mean(t["auc"] for t in theirs)
p_fit = statistics.mean(t["fit_seconds"] for t in theirs)
o_auc, o_fit = ours["auc"]["mean"], ours["fit_seconds"]["mean"]
print(f"{'':10} {'AUC':>8} {'fit s':>10}")
print(f"{'pyBKT':10} {p_auc:8.4f} {p_fit:10.2f}")
print(f"{'ownpace':10} {o_auc:8.4f} {o_fit:10.2f}")
print(f"ownpace fits {p_fit / max(o_fit, 1e-9):.0f}x faster; AUC difference {o_auc - p_auc:+.4f}")
PY
