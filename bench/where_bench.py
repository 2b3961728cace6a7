#!/usr/bin/env python3
"""where_bench.py — `assay export --where` on one scorer's flag and a
metadata field over the 1,000,000-decision database of decided_bench.py,
against the sqlite3 shell printing the same records with a hand-written
query, in the same run; the first frame of `assay review --where` on the
same slice; and `assay info --where` (the slice's count).

  python3 bench/where_bench.py BUILD_DIR [--count N] [--runs R]

The database is decided_bench.py's (made once, cached in bench/out/):
generated captions, one decision each, three scorers' values with
flagged = value < 0.4. The slice is the repetition scorer's flags among
the captions of the most frequent model. Prints a Markdown section for
bench/RESULTS.md."""
import argparse
import json
import os
import sqlite3
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import OUT, machine, verdict  # noqa: E402
from decided_bench import build_db, measure_to, timed  # noqa: E402

# What a user writes to get the slice's records out of the database by hand.
# (A scorer's flag is bit N of its sample's flags, N its slot: plain SQL.)
FLAGGED = ("(ss.flags >> (SELECT k.slot FROM scorers k WHERE k.name = 'repetition')) & 1")
PEER_SQL = ("SELECT s.record FROM samples s JOIN sample_scores ss ON ss.sample_id = s.id"
            " WHERE " + FLAGGED + " AND json_extract(s.record, '$.meta.model') = '{model}'"
            " ORDER BY s.id")


def top_model(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT json_extract(record, '$.meta.model') AS m, count(*) AS n"
                           " FROM samples GROUP BY m ORDER BY n DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()


def first_of_slice(db, model):
    """The slice's first sample in the review's quality order (lowest
    combined score, then id): the id the first frame shows."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT s.ext_id FROM samples s JOIN sample_scores ss"
                           " ON ss.sample_id = s.id JOIN sample_quality q ON q.sample_id = s.id"
                           " WHERE " + FLAGGED +
                           " AND json_extract(s.record, '$.meta.model') = ?"
                           " ORDER BY q.quality, s.id LIMIT 1", (model,)).fetchone()[0]
    finally:
        con.close()


def review_first_frame(assay, db, where, needle, runs):
    """`assay review --where` in a pseudo-terminal (100x30): milliseconds
    from start until the slice's first sample's id is on screen (drawn
    with the sample, in the same frame). Every sample of the database has
    one verdict, so the reviewer is a second annotator (--overlap 2); the
    runs share one copy of the database (the screen leases its sample)."""
    from review_bench import Pty
    work = os.path.join(OUT, "where-review.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(work + suffix):
            os.unlink(work + suffix)
    shutil.copy(db, work)
    times = []
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            p = Pty([assay, "--db", work, "review", "--annotator", "bench", "--overlap", "2",
                     *(["--where", where] if where else [])], env={"LANG": "C.UTF-8"})
            try:
                times.append(p.wait_for(needle.encode()) - t0)
            finally:
                p.close()
    finally:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(work + suffix):
                os.unlink(work + suffix)
    return statistics.median(times), times


def record_ids(path):
    """The records' ids in order (an edited sample is exported with its
    correction, so the bytes differ from the stored record's there)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["id"] for line in f]


def to_file(cmd, path, runs):
    """Median seconds (and the runs, peak RSS) of cmd with stdout to path."""
    res = []
    for _ in range(runs):
        with open(path, "wb") as f:
            res.append(measure_to(cmd, f))
    return statistics.median(x[0] for x in res), [x[0] for x in res], max(x[1] for x in res)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    assay = os.path.join(os.path.abspath(a.build), "src", "cli", "assay")
    db = build_db(assay, a.count)
    model = top_model(db)
    where = f'flagged(repetition) and meta.model = "{model}"'
    ours = os.path.join(OUT, "where-export.jsonl")
    peer = os.path.join(OUT, "where-peer.txt")
    exp_t, exp_ts, exp_m = to_file([assay, "--db", db, "export", "--status", "all",
                                    "--where", where], ours, a.runs)
    q = PEER_SQL.format(model=model)
    peer_t, peer_ts, peer_m = to_file(["sqlite3", "-list", db, q], peer, a.runs)
    ids_ours, ids_peer = record_ids(ours), record_ids(peer)
    n_ours = len(ids_ours)
    if ids_ours != ids_peer:
        sys.stderr.write(f"where_bench: the exports differ ({n_ours} and {len(ids_peer)} "
                         "records)\n")
        raise SystemExit(1)
    info_t, info_m, info_ts = timed([assay, "--db", db, "info", "--where", where], a.runs)
    rev_t, rev_ts = review_first_frame(assay, db, where, first_of_slice(db, model), a.runs)
    plain_t, _, plain_ts = timed([assay, "--db", db, "export", "--status", "all", "--batch",
                                  "bench", "-o", os.path.join(OUT, "where-all.jsonl")],
                                 max(1, a.runs - 2))
    print(f"## A slice (--where) over {a.count:,} decisions\n")
    print(f"Machine: {machine()}.\n")
    print(f"Command: `python3 bench/where_bench.py build --count {a.count} --runs {a.runs}` "
          "(part of `make bench`); median wall time of the runs, peak RSS. The slice: "
          f"`--where '{where}'` ({n_ours:,} samples).\n")
    print("| command | median ms | runs (ms) | peak RSS MiB |")
    print("|---|---:|---|---:|")
    ms = lambda ts: ", ".join(f"{x * 1000:.0f}" for x in ts)  # noqa: E731
    print(f"| `assay export --status all --where ...` > FILE | {exp_t * 1000:.0f} | "
          f"{ms(exp_ts)} | {exp_m:.0f} |")
    print(f"| peer: `sqlite3 -list` on the hand-written query > FILE | {peer_t * 1000:.0f} | "
          f"{ms(peer_ts)} | {peer_m:.0f} |")
    print(f"| `assay info --where ...` (the slice's count) | {info_t * 1000:.0f} | "
          f"{ms(info_ts)} | {info_m:.0f} |")
    print(f"| `assay review --overlap 2 --where ...`: first frame (the slice's first sample "
          f"on screen) | {rev_t * 1000:.0f} | {ms(rev_ts)} | - |")
    print(f"| for scale: `assay export --status all -o FILE`, every sample | "
          f"{plain_t * 1000:.0f} | {ms(plain_ts)} | - |")
    print()
    print(f"- Export of the slice: {exp_t / peer_t:.2f}x the time of `sqlite3 -list` printing "
          f"the same records in the same order (target: at most 1.5x; "
          f"{verdict(exp_t / peer_t <= 1.5)}); assay also resolves "
          "the verdicts and splices corrections into the edited records.")
    print(f"- First review frame of the slice: {rev_t * 1000:.0f} ms (target: at most 100 ms; "
          f"{verdict(rev_t <= 0.1)}), "
          "in a pseudo-terminal of 100x30, from the start of the process until the slice's "
          "first sample (quality order) is on screen.")
    print(f"- The peer's query: `{q}`.\n")


if __name__ == "__main__":
    main()
