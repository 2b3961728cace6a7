#!/usr/bin/python3
"""learn_peer.py — the peer of `assay learn` in bench/learn_bench.py: the
same task done the usual way in Python with scikit-learn (Debian's
python3-sklearn): the decided samples' text and record fields as hashed
word 1-2-grams (2^20 features, binary) plus the other scorers' values,
class-weighted logistic regression by SGD (2 epochs), 5-fold out-of-fold
predictions and a final model on everything. Prints the out-of-fold ROC AUC.

  /usr/bin/python3 bench/learn_peer.py DATABASE"""
import json
import os
import sqlite3
import sys

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

# the one reader of assay's packed score values (src/store/score_pack.c's layouts)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests"))
from harness import score_vals  # noqa: E402


def rows(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    q = ("SELECT s.id, s.text, s.record, s.text_field, d.verdict FROM samples s "
         "JOIN decisions d ON d.sample_id = s.id WHERE d.verdict <> 'skipped' ORDER BY s.id")
    scores = {}
    # one row per sample, its values by scorer slot
    slots = con.execute("SELECT slot, name FROM scorers").fetchall()
    for sid, vals in con.execute("SELECT sample_id, vals FROM sample_scores"):
        values = score_vals(vals)
        for slot, name in slots:
            if slot < len(values) and values[slot] == values[slot]:
                scores.setdefault(sid, {})[name] = values[slot]
    for sid, text, record, field, verdict in con.execute(q):
        rec = json.loads(record)
        other = []
        for k, v in rec.items():
            if k == field:
                continue
            if isinstance(v, str):
                other.append(f"{k} {v}")
            elif isinstance(v, dict):
                other.extend(f"{k}.{k2} {v2}" for k2, v2 in v.items() if isinstance(v2, str))
        yield text, " ".join(other), scores.get(sid, {}), verdict == "rejected"


def main():
    texts, others, sc, y = [], [], [], []
    for t, o, s, r in rows(sys.argv[1]):
        texts.append(t)
        others.append(o)
        sc.append(s)
        y.append(r)
    names = sorted({k for s in sc for k in s})
    hv = HashingVectorizer(n_features=2**20, ngram_range=(1, 2), binary=True, norm=None,
                           alternate_sign=False)
    num = np.array([[s.get(k, 0.0) for k in names] for s in sc], dtype=np.float32)
    x = sparse.hstack([hv.transform(texts), hv.transform(others), sparse.csr_matrix(num)]).tocsr()
    y = np.array(y)
    model = SGDClassifier(loss="log_loss", alpha=1e-6, max_iter=2, tol=None,
                          class_weight="balanced", random_state=1)
    oof = cross_val_predict(model, x, y, cv=StratifiedKFold(5, shuffle=True, random_state=1),
                            method="decision_function")
    model.fit(x, y)
    print(json.dumps({"verdicts": int(len(y)), "out_of_fold_auc": roc_auc_score(y, oof)}))


if __name__ == "__main__":
    main()
