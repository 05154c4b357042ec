"""Train one pyKT model (DKT or AKT) on the exact rows `ownpace evaluate --export-folds`
wrote for a fold, and score it on that fold's test rows.

Input files hold one row per attempt: `student,item,skills,correct` (skills `;`-separated;
after `--merge-repeats` one row may carry several skills). Each row is predicted once, from
the student's earlier rows only, like `ownpace evaluate` does, and every test row is
scored (the first row of a student too: DKT gets a start token, AKT predicts position 0
without history).

Concepts: a row's concept is its skill set (one skill on the published protocol; on the
merged protocol a multi-skill attempt gets the id of its skill combination, so the model
sees one row per attempt and cannot read a copy's answer). Questions (AKT's Rasch part)
are the item ids; when item equals skill on every row (statics, DKT files) AKT runs
without question ids, as pyKT does for concept-only data.

Early stopping uses a validation part of the training students only (10%, seeded); the
test rows are read only after training. Prints one JSON line.
"""

import argparse
import copy
import json
import random
import sys
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from pykt.models.akt import AKT
from pykt.models.dkt import DKT

SEQ_LEN = 200  # pyKT train_config seq_len


def read_rows(path):
    seqs = {}
    order = []
    with open(path) as f:
        header = f.readline()
        assert header.startswith("student,item,skills,correct"), f"{path}: unexpected header"
        for n, line in enumerate(f, start=2):
            s, item, skills, correct = line.rstrip("\n").split(",")
            if s not in seqs:
                seqs[s] = []
                order.append(s)
            key = tuple(sorted(int(x) for x in skills.split(";")))
            seqs[s].append((int(item), key, int(correct)))
    return [seqs[s] for s in order]


class Vocab:
    """Dense ids from the training rows; index 0 is the unseen/pad id."""

    def __init__(self, keys):
        self.index = {}
        for k in keys:
            if k not in self.index:
                self.index[k] = len(self.index) + 1

    def __call__(self, k):
        return self.index.get(k, 0)

    def __len__(self):
        return len(self.index) + 1


def encode(seqs, concepts, items):
    return [
        (
            np.array([concepts(c) for _, c, _ in s], dtype=np.int64),
            np.array([items(i) for i, _, _ in s], dtype=np.int64),
            np.array([r for _, _, r in s], dtype=np.int64),
        )
        for s in seqs
    ]


def windows(enc):
    out = []
    for c, q, r in enc:
        for a in range(0, len(c), SEQ_LEN):
            out.append((c[a : a + SEQ_LEN], q[a : a + SEQ_LEN], r[a : a + SEQ_LEN]))
    return out


def pad(batch):
    L = max(len(c) for c, _, _ in batch)
    C = torch.zeros(len(batch), L, dtype=torch.long)
    Q = torch.zeros(len(batch), L, dtype=torch.long)
    R = torch.zeros(len(batch), L, dtype=torch.long)
    M = torch.zeros(len(batch), L, dtype=torch.bool)
    for b, (c, q, r) in enumerate(batch):
        n = len(c)
        C[b, :n] = torch.from_numpy(c)
        Q[b, :n] = torch.from_numpy(q)
        R[b, :n] = torch.from_numpy(r)
        M[b, :n] = True
    return C, Q, R, M


class DktRunner:
    """pyKT's DKT with one extra concept as a start token, so row 0 is predicted too."""

    def __init__(self, num_c, args):
        self.start = num_c
        self.model = DKT(num_c + 1, emb_size=args.dkt_emb_size, dropout=args.dkt_dropout)
        self.lr = args.dkt_lr

    def predict(self, C, Q, R):
        B = C.shape[0]
        start = torch.full((B, 1), self.start, dtype=torch.long)
        cin = torch.cat([start, C[:, :-1]], dim=1)
        rin = torch.cat([torch.zeros((B, 1), dtype=torch.long), R[:, :-1]], dim=1)
        y = self.model(cin, rin)
        return y.gather(-1, C.unsqueeze(-1)).squeeze(-1), 0.0

    def predict_sequence(self, c, q, r):
        # An LSTM carries the whole history: one pass over the full sequence.
        C, Q, R, _ = pad([(c, q, r)])
        return self.predict(C, Q, R)[0][0]


class AktRunner:
    def __init__(self, num_c, num_q, args):
        self.model = AKT(
            num_c,
            num_q,
            d_model=args.akt_d_model,
            n_blocks=args.akt_n_blocks,
            dropout=args.akt_dropout,
            d_ff=args.akt_d_ff,
            num_attn_heads=args.akt_heads,
        )
        self.lr = args.akt_lr

    def predict(self, C, Q, R):
        y, reg = self.model(C, R, Q)
        return y, reg

    def predict_sequence(self, c, q, r):
        # Attention is quadratic: predict SEQ_LEN rows at a time, each chunk seeing up to
        # SEQ_LEN earlier rows as context.
        out = []
        for a in range(0, len(c), SEQ_LEN):
            lo = max(0, a - SEQ_LEN)
            C, Q, R, _ = pad([(c[lo : a + SEQ_LEN], q[lo : a + SEQ_LEN], r[lo : a + SEQ_LEN])])
            y, _ = self.predict(C, Q, R)
            out.append(y[0, a - lo :])
        return torch.cat(out)


def score(runner, enc):
    runner.model.eval()
    preds, labels = [], []
    with torch.no_grad():
        for c, q, r in enc:
            p = runner.predict_sequence(c, q, r)
            preds.append(p.numpy())
            labels.append(r)
    p = np.concatenate(preds).astype(np.float64)
    y = np.concatenate(labels)
    return {
        "auc": float(roc_auc_score(y, p)),
        "rmse": float(np.sqrt(np.mean((p - y) ** 2))),
        "count": int(len(y)),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--model", choices=["dkt", "akt"], required=True)
    ap.add_argument("--seed", type=int, default=3407)
    # pyKT's batch is 256; AKT at 256 x 200 rows held ~19 GB and was OOM-killed on a
    # 23 GB machine, so AKT defaults to 64 (untried: memory should fall about fourfold).
    ap.add_argument("--batch-size", type=int, default=0, help="0: 256 for DKT, 64 for AKT")
    ap.add_argument("--max-epochs", type=int, default=200)
    ap.add_argument("--patience", type=int, default=10)
    ap.add_argument("--time-budget", type=float, default=0, help="seconds; 0 = none")
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    ap.add_argument("--length-buckets", action="store_true", help="batch windows by length")
    # pyKT configs/kt_config.json for DKT; pyKT examples/wandb_akt_train.py (tuned on
    # assist2009) for AKT.
    ap.add_argument("--dkt-emb-size", type=int, default=200)
    ap.add_argument("--dkt-dropout", type=float, default=0.1)
    ap.add_argument("--dkt-lr", type=float, default=1e-3)
    ap.add_argument("--akt-d-model", type=int, default=256)
    ap.add_argument("--akt-d-ff", type=int, default=512)
    ap.add_argument("--akt-heads", type=int, default=8)
    ap.add_argument("--akt-n-blocks", type=int, default=4)
    ap.add_argument("--akt-dropout", type=float, default=0.2)
    ap.add_argument("--akt-lr", type=float, default=1e-4)
    args = ap.parse_args()

    if args.batch_size == 0:
        args.batch_size = 256 if args.model == "dkt" else 64
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    train_seqs = read_rows(args.train)
    rng = random.Random(args.seed)
    idx = list(range(len(train_seqs)))
    rng.shuffle(idx)
    n_val = max(1, len(idx) // 10)
    val_seqs = [train_seqs[i] for i in idx[:n_val]]
    fit_seqs = [train_seqs[i] for i in idx[n_val:]]

    concepts = Vocab(c for s in train_seqs for _, c, _ in s)
    items = Vocab(i for s in train_seqs for i, _, _ in s)
    concept_only = all(c == (i,) for s in train_seqs for i, c, _ in s)
    if args.model == "dkt":
        runner = DktRunner(len(concepts), args)
    else:
        runner = AktRunner(len(concepts), 0 if concept_only else len(items), args)

    fit_enc = encode(fit_seqs, concepts, items)
    val_enc = encode(val_seqs, concepts, items)
    wins = windows(fit_enc)
    opt = torch.optim.Adam(runner.model.parameters(), lr=runner.lr)
    loss_fn = torch.nn.BCELoss()

    t0 = time.perf_counter()
    best_auc, best_epoch, best_state, epochs, stopped = -1.0, 0, None, 0, "patience"
    for epoch in range(1, args.max_epochs + 1):
        runner.model.train()
        if args.length_buckets:
            # Windows of similar length batched together (ties broken at random), batches
            # in random order: the same windows and updates per epoch, far less padding
            # on data of short sequences (attention costs the square of the length).
            order = sorted(range(len(wins)), key=lambda i: (len(wins[i][0]), rng.random()))
            batches = [order[a : a + args.batch_size] for a in range(0, len(order), args.batch_size)]
            rng.shuffle(batches)
        else:
            rng.shuffle(wins)
            batches = [
                range(a, min(a + args.batch_size, len(wins)))
                for a in range(0, len(wins), args.batch_size)
            ]
        out_of_time = False
        for batch in batches:
            if args.time_budget and time.perf_counter() - t0 > args.time_budget:
                out_of_time = True
                break
            C, Q, R, M = pad([wins[i] for i in batch])
            y, reg = runner.predict(C, Q, R)
            loss = loss_fn(y[M].double(), R[M].double()) + reg
            opt.zero_grad()
            loss.backward()
            opt.step()
        epochs = epoch
        val_auc = score(runner, val_enc)["auc"]
        if val_auc > best_auc:
            best_auc, best_epoch = val_auc, epoch
            best_state = copy.deepcopy(runner.model.state_dict())
        elapsed = time.perf_counter() - t0
        print(
            f"{args.model} epoch {epoch}{' (partial)' if out_of_time else ''}: "
            f"validation AUC {val_auc:.4f} ({elapsed:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        if out_of_time or (args.time_budget and elapsed > args.time_budget):
            stopped = "time budget" + (" (last epoch partial)" if out_of_time else "")
            break
        if epoch - best_epoch >= args.patience:
            break
    else:
        stopped = "max epochs"
    fit_seconds = time.perf_counter() - t0
    runner.model.load_state_dict(best_state)

    test_enc = encode(read_rows(args.test), concepts, items)
    t1 = time.perf_counter()
    result = score(runner, test_enc)
    predict_seconds = time.perf_counter() - t1
    result.update(
        model=args.model,
        epochs=epochs,
        best_epoch=best_epoch,
        stopped=stopped,
        validation_auc=best_auc,
        fit_seconds=fit_seconds,
        predict_seconds=predict_seconds,
        question_ids=not concept_only if args.model == "akt" else False,
        batch_size=args.batch_size,
        length_buckets=args.length_buckets,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
