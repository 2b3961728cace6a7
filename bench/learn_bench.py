#!/usr/bin/env python3
"""learn_bench.py — `assay learn` over 1,000,000 decisions (the database of
decided_bench.py), against scikit-learn doing the same task in the same run
(bench/learn_peer.py: hashed word 1-2-grams of the same fields, the same
scores, logistic regression, 5-fold out-of-fold plus a final fit); then
`assay score --scorer learned` with the stored model over every sample of a
copy of that database (its prediction, reason and combined score written).

  python3 bench/learn_bench.py BUILD_DIR [--count N] [--runs R]

Prints a Markdown section for bench/RESULTS.md."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import HERE, fresh, machine, measure, verdict  # noqa: E402
from decided_bench import build_db  # noqa: E402

PEER_PY = "/usr/bin/python3"


def peer_available():
    return subprocess.run([PEER_PY, "-c", "import sklearn"], capture_output=True).returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    assay = os.path.join(os.path.abspath(a.build), "src", "cli", "assay")
    db = build_db(assay, a.count)
    runs = []
    for _ in range(a.runs):
        secs, mem, (out, _) = measure([assay, "--db", db, "learn", "--dry-run", "--json"])
        runs.append((secs, mem, json.loads(out)))
    t = statistics.median(r[0] for r in runs)
    m = max(r[1] for r in runs)
    j = runs[0][2]
    print(f"## Learning the verdicts: `assay learn` over {j['verdicts']:,} decisions\n")
    print(f"Machine: {machine()}.\n")
    print(f"Command: `python3 bench/learn_bench.py build --count {a.count} --runs {a.runs}` "
          "(part of `make bench`): `assay learn --dry-run --json` on the database of "
          "decided_bench.py (the real built-in scorers' values, verdicts drawn at random: "
          "the figure measures speed, not quality); median wall time, peak RSS.\n")
    print("| command | median s | runs (s) | peak RSS MiB | out-of-fold AUC |")
    print("|---|---:|---|---:|---:|")
    print(f"| `assay learn` (5 folds, 2 epochs, 2^20 weights) | {t:.1f} | "
          f"{', '.join(f'{r[0]:.1f}' for r in runs)} | {m:.0f} | "
          f"{j['out_of_fold_auc']['auc']:.3f} |")
    if peer_available():
        ps, pm, (pout, _) = measure([PEER_PY, os.path.join(HERE, "learn_peer.py"), db])
        pj = json.loads(pout)
        print(f"| peer: scikit-learn `SGDClassifier`, `cross_val_predict` (learn_peer.py) | "
              f"{ps:.1f} | {ps:.1f} | {pm:.0f} | {pj['out_of_fold_auc']:.3f} |")
        ratio = f"; assay takes {t / ps:.2f}x the peer's time"
    else:
        print("| peer: scikit-learn | unavailable (python3-sklearn not installed) | | | |")
        ratio = ""
    tm = verdict(t <= 30)
    mm = verdict(m <= 256)
    print()
    print(f"- Targets: at most 30 s ({tm}: {t:.1f} s) and 256 MiB ({mm}: {m:.0f} MiB){ratio}.\n")
    score_with_model(assay, db, a.count, a.runs)


def score_with_model(assay, db, count, runs):
    """`assay score --scorer learned --rescore` over every sample of a copy
    of the database, after `assay learn` stored a model in it: each run on
    a fresh copy, so every learned score is new and written (the case a
    retrain causes); then once more on the last copy, where nothing changed."""
    learned = fresh(db.replace(".db", "-learned.db"))
    shutil.copyfile(db, learned)
    subprocess.run([assay, "--db", learned, "learn", "--json"], check=True,
                   stdout=subprocess.DEVNULL)
    work = db.replace(".db", "-scored.db")
    argv = [assay, "--db", work, "score", "--scorer", "learned", "--rescore", "--quiet"]
    times = []
    for _ in range(runs):
        fresh(work)
        shutil.copyfile(learned, work)
        times.append(measure(argv)[:2])
    again = measure(argv)[:2]
    fresh(work)
    fresh(learned)
    t = statistics.median(s for s, _ in times)
    m = max(r for _, r in times)
    print(f"### Scoring {count:,} samples with the learned model\n")
    print(f"Command: `assay score --scorer learned --rescore --quiet` on a fresh copy of the "
          f"same database after `assay learn` stored its model, per run (every sample "
          f"predicted, its learned score, reason in words and combined score written: what a "
          f"new model costs); median of {runs} runs; then once more on the last copy, where "
          f"the model and so every score is unchanged (nothing is rewritten).\n")
    print("| command | median s | runs (s) | peak RSS MiB |")
    print("|---|---:|---|---:|")
    print(f"| `assay score --scorer learned`, new model | {t:.1f} | "
          f"{', '.join(f'{s:.1f}' for s, _ in times)} | {m:.0f} |")
    print(f"| the same again, nothing changed | {again[0]:.1f} | {again[0]:.1f} | "
          f"{again[1]:.0f} |")
    print()
    print(f"- Target: at most 10 s with a new model ({verdict(t <= 10)}: {t:.1f} s).\n")


if __name__ == "__main__":
    main()
