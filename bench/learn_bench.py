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
    of the database, after `assay learn` stored a model in it."""
    work = fresh(db.replace(".db", "-scored.db"))
    shutil.copyfile(db, work)
    subprocess.run([assay, "--db", work, "learn", "--json"], check=True,
                   stdout=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        secs, mem, _ = measure([assay, "--db", work, "score", "--scorer", "learned",
                                "--rescore", "--quiet"])
        times.append((secs, mem))
    fresh(work)
    t = statistics.median(s for s, _ in times)
    m = max(r for _, r in times)
    print(f"### Scoring {count:,} samples with the learned model\n")
    print(f"Command: `assay score --scorer learned --rescore --quiet` on a copy of the same "
          f"database after `assay learn` stored its model (every sample predicted, its reason "
          f"in words and the combined score written); median of {runs} runs.\n")
    print("| command | median s | runs (s) | peak RSS MiB |")
    print("|---|---:|---|---:|")
    print(f"| `assay score --scorer learned` | {t:.1f} | "
          f"{', '.join(f'{s:.1f}' for s, _ in times)} | {m:.0f} |")
    print()
    print(f"- Target: at most 10 s ({verdict(t <= 10)}: {t:.1f} s).\n")


if __name__ == "__main__":
    main()
