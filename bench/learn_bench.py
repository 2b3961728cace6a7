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
import sqlite3
import statistics
import subprocess
import sys
import time

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
    steps = with_a_session_open(assay, learned, work, argv)
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
    wall, waits = steps
    print(f"| the same, new model, while a review session holds a lease (steps) | {wall:.1f} | "
          f"{wall:.1f} | - |")
    print()
    print(f"- Target: at most 10 s with a new model ({verdict(t <= 10)}: {t:.1f} s).")
    if waits:
        waits.sort()
        print(f"- While a review session holds a lease the run writes in steps (transactions of "
              f"about a third of a second with the indexes live, a pause between them) so that "
              f"annotators' decisions are never refused: {len(waits)} `assay decide` calls made "
              f"one after another during that run were all saved; each waited "
              f"{statistics.median(waits) * 1000:.0f} ms at the median and "
              f"{waits[-1] * 1000:.0f} ms at most (the command's own start-up included).\n")
    else:
        print("- The run with a review session open ended before a decision could be made.\n")


def with_a_session_open(assay, learned, work, argv):
    """The new-model run on a fresh copy while an annotator holds a lease
    (as an open review screen does), with `assay decide` called over and
    over meanwhile by another annotator: the run's wall time and each
    decision's."""
    fresh(work)
    shutil.copyfile(learned, work)
    con = sqlite3.connect(work)
    ids = [r[0] for r in con.execute("SELECT ext_id FROM samples ORDER BY id LIMIT 2001")]
    con.close()
    ids.reverse()
    # decided_bench wrote its corrections with SQL: the first decision scores
    # them all on their own text (as the screen does one by one), before the run
    subprocess.run([assay, "--db", work, "decide", "--annotator", "bench-warmup", ids.pop(),
                    "accept"], check=True, stdout=subprocess.DEVNULL)
    con = sqlite3.connect(work)
    con.execute("INSERT INTO annotators (name, first_seen) VALUES ('bench-screen', 1)")
    con.execute("INSERT INTO leases (sample_id, annotator_id, expires_at)"
                " SELECT 1, id, 9000000000000000 FROM annotators WHERE name = 'bench-screen'")
    con.commit()
    con.close()
    t0 = time.perf_counter()
    run = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    waits = []
    time.sleep(0.5)
    for ext in ids:
        if run.poll() is not None:
            break
        d0 = time.perf_counter()
        subprocess.run([assay, "--db", work, "decide", "--annotator", "bench-decider", ext,
                        "accept"], check=True, stdout=subprocess.DEVNULL)
        waits.append(time.perf_counter() - d0)
    _, err = run.communicate()
    wall = time.perf_counter() - t0
    if run.returncode != 0:
        sys.stderr.write(f"command failed ({run.returncode}): {' '.join(argv)}\n"
                         f"{err.decode()}\n")
        raise SystemExit(1)
    return wall, waits


if __name__ == "__main__":
    main()
