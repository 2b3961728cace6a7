#!/usr/bin/env python3
"""decided_bench.py — `assay stats` and `assay export` over 1,000,000
decisions, against the sqlite3 shell in the same run.

  python3 bench/decided_bench.py BUILD_DIR [--count N] [--runs R]

The database is made once (cached in bench/out/): N generated captions
imported with `assay import` and its default scoring (the real built-in
scorers), then one decision per sample by one of 12 annotators (about 70%
accepted, 10% edited, 20% rejected, spread over 30 days, realistic seconds
spent), written with SQL in the same shape the review screen writes them.
Export is compared with the sqlite3 shell printing the same raw records,
in its plain `-list` mode and as `-json`.
Prints a Markdown section for bench/RESULTS.md."""
import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (OUT, cached_db, copy_db, machine, measure, scored_db,  # noqa: E402
                    verdict)

DECIDE_SQL = """
INSERT INTO annotators (name, first_seen)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12)
  SELECT 'annotator-' || i, 0 FROM n;
CREATE TEMP TABLE plan AS
  SELECT id AS sample_id, (abs(random()) % 12) + 1 AS annotator_id,
         abs(random()) % 100 AS roll, 1767225600000 + (abs(random()) % (30 * 86400000)) AS at,
         2000 + abs(random()) % 28000 AS ms
  FROM samples;
INSERT INTO events (sample_id, annotator_id, kind, text, reason, at, ms_spent)
  SELECT sample_id, annotator_id,
         CASE WHEN roll < 70 THEN 'accept' WHEN roll < 80 THEN 'edit' ELSE 'reject' END,
         CASE WHEN roll BETWEEN 70 AND 79 THEN 'a corrected caption' END,
         CASE WHEN roll >= 80 THEN (CASE roll % 4 WHEN 0 THEN 'hallucination'
              WHEN 1 THEN 'repetition' WHEN 2 THEN 'formatting' ELSE 'other' END) END,
         at, ms FROM plan ORDER BY sample_id;
INSERT INTO decisions (sample_id, annotator_id, verdict, text, reason, event_id, decided_at,
                       ms_spent, edit_distance, words)
  SELECT sample_id, annotator_id,
         CASE kind WHEN 'accept' THEN 'accepted' WHEN 'edit' THEN 'edited' ELSE 'rejected' END,
         text, reason, id, at, ms_spent,
         CASE WHEN kind = 'edit' THEN 1 + id % 5 END, CASE WHEN kind = 'edit' THEN 30 END
  FROM events;
"""
def build_db(assay, count):
    """The scored database (the real built-in scorers, see common.scored_db)
    with one decision per sample, cached."""
    def build(tmp):
        copy_db(scored_db(assay, count), tmp)
        con = sqlite3.connect(tmp)
        con.executescript(DECIDE_SQL)
        con.commit()
        con.close()
    return cached_db(assay, os.path.join(OUT, f"decided-{count}.db"), build)


def timed(cmd, runs):
    times, mems = [], []
    for _ in range(runs):
        secs, mem, _ = measure(cmd)
        times.append(secs)
        mems.append(mem)
    return statistics.median(times), max(mems), times


def measure_to(cmd, f):
    """Like measure(), with stdout going to the open file f."""
    import time
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(p.stderr.read().decode())
        raise SystemExit(1)
    return secs, ru.ru_maxrss / 1024.0, None


def dashboard_first_frame(assay, db, runs):
    """`assay audit` in a pseudo-terminal (100x30): milliseconds from start
    until the first panel's bars are on screen (the selected bar's summary
    line, drawn with the bars in the same frame)."""
    from review_bench import Pty
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = Pty([assay, "--db", db, "audit"], env={"LANG": "C.UTF-8"})
        try:
            times.append(p.wait_for(b" rejected = ") - t0)
        finally:
            p.close()
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    assay = os.path.join(os.path.abspath(a.build), "src", "cli", "assay")
    db = build_db(assay, a.count)
    rows = []
    for label, args in (("assay stats --by annotator", ["stats", "--by", "annotator"]),
                        ("assay stats --scorers", ["stats", "--scorers"]),
                        ("assay stats --by reason --by day", ["stats", "--by", "reason", "--by", "day"])):
        t, m, ts = timed([assay, "--db", db, *args], a.runs)
        rows.append((label, t, m, ts))
    dash_t, dash_ts = dashboard_first_frame(assay, db, a.runs)
    out = os.path.join(OUT, "export.jsonl")
    exp_t, exp_m, exp_ts = timed([assay, "--db", db, "export", "-o", out], max(1, a.runs - 2))
    n_out = sum(1 for _ in open(out, "rb"))
    q = ("SELECT s.record FROM samples s JOIN decisions d ON d.sample_id = s.id "
         "WHERE d.verdict IN ('accepted', 'edited') ORDER BY s.id")
    peers = {}
    for mode in ("-list", "-json"):
        with open(os.path.join(OUT, "export-peer.out"), "wb") as f:
            pt = [measure_to(["sqlite3", mode, db, q], f) for _ in range(max(1, a.runs - 2))]
        peers[mode] = (statistics.median(x[0] for x in pt), pt)
    print(f"## Stats and export over {a.count:,} decisions\n")
    print(f"Machine: {machine()}.\n")
    print(f"Command: `python3 bench/decided_bench.py build --count {a.count} --runs {a.runs}` "
          "(part of `make bench`); median wall time of the runs, peak RSS.\n")
    print("| command | median ms | runs (ms) | peak RSS MiB |")
    print("|---|---:|---|---:|")
    for label, t, m, ts in rows:
        print(f"| `{label}` | {t * 1000:.0f} | {', '.join(f'{x * 1000:.0f}' for x in ts)} | {m:.0f} |")
    print(f"| `assay export -o FILE` ({n_out:,} records) | {exp_t * 1000:.0f} | "
          f"{', '.join(f'{x * 1000:.0f}' for x in exp_ts)} | {exp_m:.0f} |")
    print(f"| `assay audit`: first frame with the bars (pty 100x30) | {dash_t * 1000:.0f} | "
          f"{', '.join(f'{x * 1000:.0f}' for x in dash_ts)} | - |")
    for mode, (peer_t, pt) in peers.items():
        print(f"| peer: `sqlite3 {mode}` on the equivalent query | {peer_t * 1000:.0f} | "
              f"{', '.join(f'{x[0] * 1000:.0f}' for x in pt)} | {max(x[1] for x in pt):.0f} |")
    print()
    lst, js = peers["-list"][0], peers["-json"][0]
    print(f"- Export: {exp_t / lst:.2f}x the time of `sqlite3 -list` "
          f"(target: at most 1.5x; {verdict(exp_t / lst <= 1.5)}) and {exp_t / js:.2f}x "
          "`sqlite3 -json`; assay also resolves verdicts across annotators, splices corrections "
          "into the original bytes, and writes atomically (an unnamed file, fsync, then linked "
          "into place).")
    stat = {label: t for label, t, _, _ in rows}
    by_ann, scorers = stat["assay stats --by annotator"], stat["assay stats --scorers"]
    print(f"- Targets: `stats --by annotator` and `--scorers` under 300 ms each "
          f"({verdict(by_ann < 0.3)}: {by_ann * 1000:.0f} ms; {verdict(scorers < 0.3)}: "
          f"{scorers * 1000:.0f} ms); the `assay audit` dashboard's first frame under 500 ms "
          f"({verdict(dash_t < 0.5)}: {dash_t * 1000:.0f} ms; only the visible panel is "
          "computed first).")
    print(f"- The peer's query: `{q}`.\n")


if __name__ == "__main__":
    main()
