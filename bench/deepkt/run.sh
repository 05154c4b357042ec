#!/usr/bin/env bash
# Deep knowledge tracing beside the default learner model, on the same rows: pyKT's DKT and
# AKT (pykt-toolkit from PyPI) are trained on exactly the training rows `ownpace evaluate`
# uses for a fold (exported with its hidden `--export-folds`), with early stopping on 10%
# of the training students, and scored on the same test rows. Prints one table.
#
# Usage: bench/deepkt/run.sh [FOLD]      (default fold 1; not run in CI)
#
# Runs: assist2009_pid published protocol, assist2009_pid merged protocol
# (--merge-repeats), statics. Environment knobs:
#   OWNPACE_DATASETS      dataset folder (default ../shared/datasets)
#   DEEPKT_ENV            Python environment (default ~/.cache/ownpace-deepkt/venv;
#                         ~6 GB, kept out of the repository)
#   DEEPKT_MODELS         default "dkt akt"
#   DEEPKT_RUNS           default "pid pid-merged statics"
#   DEEPKT_MAX_EPOCHS     default 200 (pyKT's num_epochs); early stopping after 10 epochs
#                         without a better validation AUC, as pyKT does
#   DEEPKT_TIME_BUDGET    seconds of training per model after which training stops, even
#                         mid-epoch (default 0 = none). The table says when it cut training.
#   DEEPKT_BATCH_SIZE     training batch (default 0: 256 for DKT, 64 for AKT; one AKT at 64
#                         holds about 13 GB, so two AKT runs side by side need 32)
#   DEEPKT_LENGTH_BUCKETS 1: batch training windows of similar length together (much less
#                         padding on assist2009's short sequences; pyKT pads every window
#                         to 200). Default 0.
#   DEEPKT_THREADS        torch threads per model (default 1; the machine's other core
#                         stays free for the other work on it)
#   DEEPKT_TABLE_ONLY     1: train nothing, print the table of the results already in
#                         target/deepkt/fold{FOLD}/RUN/{ours,dkt,akt}.json
#   OWNPACE_BIN           an already built `ownpace` (default: cargo build --release)
#
# Pins: torch 2.15.0 and pykt-toolkit 0.0.38 (the newest on PyPI, 2026-11-29). PyPI's Linux
# torch wheel requires the CUDA 13 runtime wheels (~4.5 GB) even on CPU, and the CPU-only
# index (download.pytorch.org) is not reachable from the machine this was written on:
# installing torch with --no-deps fails at import (`libcublasLt.so not found`), so the full
# set is installed. pykt-toolkit 0.0.38 runs with numpy 2 / pandas 3 / scikit-learn 1.9
# (pinned as resolved). Its PyPI release has no simpleKT model (only the GitHub tree does),
# so simpleKT is not run. torch uses DEEPKT_THREADS threads (default one) and everything
# runs under `nice -n 19`.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
fold="${1:-1}"
datasets="${OWNPACE_DATASETS:-$root/../shared/datasets}"
venv="${DEEPKT_ENV:-$HOME/.cache/ownpace-deepkt/venv}"
models="${DEEPKT_MODELS:-dkt akt}"
runs="${DEEPKT_RUNS:-pid pid-merged statics}"
max_epochs="${DEEPKT_MAX_EPOCHS:-200}"
budget="${DEEPKT_TIME_BUDGET:-0}"
threads="${DEEPKT_THREADS:-1}"
batch="${DEEPKT_BATCH_SIZE:-0}"
buckets=()
[ "${DEEPKT_LENGTH_BUCKETS:-0}" = 1 ] && buckets=(--length-buckets)
work="$root/target/deepkt/fold$fold"
export OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" WANDB_MODE=disabled

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet "torch==2.15.0" "pykt-toolkit==0.0.38" \
        "numpy==2.4.6" "pandas==3.1.1" "scikit-learn==1.9.1" "setuptools>=77"
fi

if [ -n "${OWNPACE_BIN:-}" ]; then
    ownpace="$OWNPACE_BIN"
elif [ "${DEEPKT_TABLE_ONLY:-0}" != 1 ]; then
    (cd "$root" && cargo build --quiet --release -p ownpace)
    ownpace="$root/target/release/ownpace"
fi

for run in $runs; do
    [ "${DEEPKT_TABLE_ONLY:-0}" = 1 ] && break
    case "$run" in
        pid) dir="$datasets/assist2009_pid"; flags=() ;;
        pid-merged) dir="$datasets/assist2009_pid"; flags=(--merge-repeats) ;;
        statics) dir="$datasets/statics"; flags=() ;;
        *) echo "unknown run $run (pid, pid-merged, statics)" >&2; exit 1 ;;
    esac
    out="$work/$run"
    mkdir -p "$out"
    echo "$run: ownpace evaluate --dataset $dir ${flags[*]} --models logistic --folds $fold" >&2
    ours="$(nice -n 19 "$ownpace" evaluate --dataset "$dir" "${flags[@]}" --models logistic \
        --folds "$fold" --json --export-folds "$out")"
    echo "{\"run\": \"$run\", \"ours\": $ours}" >"$out/ours.json"
    for m in $models; do
        echo "$run: training $m (log: $out/$m.log)" >&2
        theirs="$(nice -n 19 "$venv/bin/python" "$root/bench/deepkt/deepkt.py" \
            --train "$out/fold${fold}_train.csv" --test "$out/fold${fold}_test.csv" \
            --model "$m" --max-epochs "$max_epochs" --time-budget "$budget" --threads "$threads" \
            --batch-size "$batch" "${buckets[@]}" 2>"$out/$m.log")"
        echo "{\"run\": \"$run\", \"theirs\": $theirs}" >"$out/$m.json"
    done
done

# One result file per run and model, so runs started separately join in one table; a
# model trained again replaces only its own row.
files=()
for run in $runs; do files+=("$work/$run/ours.json" "$work/$run/dkt.json" "$work/$run/akt.json"); done
"$venv/bin/python" - "$fold" "${files[@]}" <<'PY'
import json, os, sys
rows = [json.loads(l) for f in sys.argv[2:] if os.path.exists(f) for l in open(f) if l.strip()]
print(f"fold {sys.argv[1]}")
print(f"{'data / protocol':<14} {'model':<16} {'AUC':>7} {'RMSE':>7} {'train s':>9} {'predict s':>9}  epochs")
for r in rows:
    if "ours" in r:
        m = r["ours"]["models"][0]
        print(f"{r['run']:<14} {'ownpace ' + m['name']:<16} {m['auc']['mean']:7.4f} {m['rmse']['mean']:7.4f} "
              f"{m['fit_seconds']['mean']:9.2f} {m['predict_seconds']['mean']:9.2f}  -")
    else:
        t = r["theirs"]
        note = f"{t['epochs']} (best {t['best_epoch']}, stopped: {t['stopped']})"
        print(f"{r['run']:<14} {'pyKT ' + t['model']:<16} {t['auc']:7.4f} {t['rmse']:7.4f} "
              f"{t['fit_seconds']:9.1f} {t['predict_seconds']:9.2f}  {note}")
PY
