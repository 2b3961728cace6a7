#!/usr/bin/env python3
"""retrain_bench.py — keypress latency on the review screen while the
learned model retrains in the background (review --retrain-every), against
the same session with retraining off.

  python3 bench/retrain_bench.py BUILD_DIR [--count N] [--keys K] [--every E] [--pace MS]

The database is decided_bench.py's (N decided samples: what each retrain
learns from) plus a batch of 2K undecided samples the session walks in
import order. Each run drives the real binary in a pseudo-terminal
(100x30) through K accepts, one every MS milliseconds (a fast annotator's
pace: the screen has idle moments between keys, as with a person, so the
new models are taken up during the session rather than after it); per key,
the time from writing it until the screen settled (review_bench.py's
measure). With --retrain-every E the
model retrains after every E decisions (`assay learn` in a child process)
and the undecided samples' learned scores follow each new model, a page
at a time, while keys are being pressed.
Prints a Markdown section for bench/RESULTS.md."""
import argparse
import os
import select
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import OUT, generated, machine, verdict  # noqa: E402
from decided_bench import build_db  # noqa: E402
from review_bench import Pty  # noqa: E402


def make_db(assay, count, keys):
    """A copy of the decided database with a queue batch of 2*keys samples."""
    work = os.path.join(OUT, f"retrain-{count}-work.db")
    for s in ("", "-wal", "-shm"):
        if os.path.exists(work + s):
            os.unlink(work + s)
    shutil.copy(build_db(assay, count), work)
    subprocess.run([assay, "--db", work, "import", "--quiet", "--no-score", "--batch", "queue",
                    generated("captions", 2 * keys, seed=2)], check=True)
    return work


def session(assay, db, keys, every, pace):
    """K accepts; returns (latencies, models stored, seconds)."""
    con = sqlite3.connect(db)
    con.execute("DELETE FROM decisions WHERE sample_id IN (SELECT s.id FROM samples s"
                " JOIN batches b ON b.id = s.batch_id WHERE b.name = 'queue')")
    con.commit()
    models0 = con.execute("SELECT count(*) FROM models").fetchone()[0]
    con.close()
    env = {"ASSAY_ANNOTATOR": f"bench{every}", "HOME": OUT, "XDG_CONFIG_HOME": OUT}
    p = Pty([assay, "--db", db, "review", "--batch", "queue", "--order", "import",
             "--retrain-every", str(every)], env=env)
    t0 = time.perf_counter()
    try:
        p.wait_for(b"queue")
        time.sleep(0.3)
        while select.select([p.fd], [], [], 0)[0]:
            os.read(p.fd, 65536)
        lat = []
        t_keys = time.perf_counter()
        for i in range(keys):
            slot = t_keys + i * pace
            if time.perf_counter() < slot:
                time.sleep(slot - time.perf_counter())
            sent = p.send(b"a")
            lat.append(p.settle() - sent)
        # the last retrain finishes (or is stopped on quit)
        p.send(b"q")
        time.sleep(1)
    finally:
        p.close()
    secs = time.perf_counter() - t0
    con = sqlite3.connect(db)
    models = con.execute("SELECT count(*) FROM models").fetchone()[0] - models0
    con.close()
    return lat, models, secs


def pct(xs, q):
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(q * len(s))) - 1))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--keys", type=int, default=400)
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--pace", type=int, default=50, help="milliseconds from one key to the next")
    a = ap.parse_args()
    assay = os.path.join(os.path.abspath(a.build), "src", "cli", "assay")
    db = make_db(assay, a.count, a.keys)
    rows = []
    for every in (0, a.every):
        lat, models, secs = session(assay, db, a.keys, every, a.pace / 1000)
        rows.append((every, lat, models, secs))
    print(f"## Keypresses while the model retrains ({a.count:,} verdicts)\n")
    print(f"Machine: {machine()}.\n")
    print(f"Command: `python3 bench/retrain_bench.py build --count {a.count} --keys {a.keys} "
          f"--every {a.every} --pace {a.pace}` (part of `make bench`): the real binary in a "
          f"pseudo-terminal (100x30), {a.keys} accepts, one every {a.pace} ms (a fast "
          "annotator; the screen takes up a new model in its idle moments), on a database of "
          f"{a.count:,} decided samples "
          "(decided_bench.py's) and a queue of undecided ones; per key, the time from writing "
          "it until the screen settled; retraining off, then every "
          f"{a.every} decisions (`assay learn` in a child process; the undecided samples' "
          "learned scores then follow the new model a page at a time).\n")
    print("| retrain every | models stored | median ms | p95 ms | p99 ms | max ms | session s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for every, lat, models, secs in rows:
        print(f"| {every or 'never'} | {models} | {statistics.median(lat) * 1000:.2f} | "
              f"{pct(lat, 0.95) * 1000:.2f} | {pct(lat, 0.99) * 1000:.2f} | "
              f"{max(lat) * 1000:.2f} | {secs:.1f} |")
    p99 = pct(rows[1][1], 0.99) * 1000
    print(f"\n- Target: the background retrain never moves the keypress p99 above 5 ms "
          f"({verdict(p99 <= 5)}: {p99:.2f} ms with it running).\n")


if __name__ == "__main__":
    main()
