#!/usr/bin/env python3
"""pairs_bench.py — pairwise preference review at scale: the pair screen's
keypress to the next pair, and `assay import` of a pairs file against the
sqlite3 shell loading the same file, in the same run.

  python3 bench/pairs_bench.py BUILD_DIR [--count N] [--keys K] [--runs R]

Inputs: N preference records {"id", "prompt", "chosen", "rejected",
"chosen_model", "rejected_model"} made here from a seeded generator
(cached under bench/out/).
- Review: databases of 10,000 and N pairs; the real binary in a
  pseudo-terminal (100x30) in import order; per keypress ('1', the left
  one better), the time from writing the key until the screen has
  settled on the next pair (the decision is committed before it is
  drawn); resident memory after the keys.
- Import: `assay import --no-score` of the N pairs against the sqlite3
  shell reading the same file (.import, then json_extract into a samples
  table and a pairs table of the same shape, with a unique index on a
  64-bit hash of the prompt and both candidates, sha3 in the shell, as
  assay keys a pair on its context and both candidates).
Prints a Markdown section for bench/RESULTS.md."""
import argparse
import json
import os
import random
import select
import shutil
import sqlite3
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (OUT, fresh, machine, measure, reusable, stamp, tool_version,  # noqa: E402
                    verdict)
from review_bench import Pty  # noqa: E402

MODELS = ["sable-70b", "wren-8b", "moth-1b", "kite-13b"]
WORDS = ("river light stone answer careful quick reason measure bright model north water "
         "signal garden number paper window engine silver market field story").split()


def pairs_file(count, seed=19):
    """A deterministic file of count preference records (unique texts)."""
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"pairs-{count}-s{seed}.jsonl")
    if os.path.exists(path):
        return path
    g = random.Random(seed)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for i in range(count):
            a, b = g.sample(MODELS, 2)
            words = lambda n: " ".join(g.choice(WORDS) for _ in range(n))  # noqa: E731
            rec = {"id": f"p{i:07d}", "prompt": f"Question {i}: {words(8)}?",
                   "chosen": f"Answer {i} of {a}: {words(g.randint(20, 60))}.",
                   "rejected": f"Answer {i} of {b}: {words(g.randint(10, 60))}.",
                   "chosen_model": a, "rejected_model": b}
            f.write(json.dumps(rec) + "\n")
    os.rename(tmp, path)
    return path


def ids(count, n):
    return [f"p{i:07d}".encode() for i in range(min(n, count))]


def make_db(assay, count):
    db = os.path.join(OUT, f"pairs-{count}.db")
    if not reusable(db):
        measure([assay, "--db", db, "import", "--quiet", "--no-score", "--batch", "bench",
                 pairs_file(count)])
        stamp(db)
    return db


def review(assay, count, keys):
    db = make_db(assay, count)
    want = ids(count, keys + 1)
    work = fresh(os.path.join(OUT, f"pairs-{count}-work.db"))
    shutil.copy(db, work)
    t0 = time.perf_counter()
    p = Pty([assay, "--db", work, "review", "--annotator", "bench", "--order", "import"])
    try:
        first = p.wait_for(b"pair " + want[0]) - t0
        time.sleep(0.2)
        while select.select([p.fd], [], [], 0)[0]:
            os.read(p.fd, 65536)
        lat = []
        for _ in range(keys):
            sent = p.send(b"1")
            lat.append(p.settle() - sent)
        rss = p.rss_mib()
    finally:
        p.close()
    con = sqlite3.connect(work)
    decided = con.execute("SELECT count(*) FROM decisions WHERE pref IS NOT NULL").fetchone()[0]
    con.close()
    fresh(work)
    if decided != keys:
        raise SystemExit(f"expected {keys} preferences, found {decided}")
    return first, lat, rss


PEER_SCHEMA = """
CREATE TABLE samples (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, ext_id TEXT NOT NULL,
  line INTEGER NOT NULL, text_field TEXT NOT NULL, text TEXT NOT NULL, record TEXT NOT NULL,
  context TEXT, hash BLOB NOT NULL, UNIQUE (batch_id, ext_id));
CREATE UNIQUE INDEX samples_by_hash ON samples(hash);
CREATE TABLE sample_quality (sample_id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, quality REAL);
CREATE INDEX sample_quality_by_quality ON sample_quality(quality, sample_id);
CREATE INDEX sample_quality_by_batch ON sample_quality(batch_id, quality, sample_id);
CREATE TABLE pairs (sample_id INTEGER PRIMARY KEY REFERENCES samples(id), a_field TEXT NOT NULL,
  b_field TEXT NOT NULL, b_text TEXT NOT NULL, a_model TEXT, b_model TEXT, claimed TEXT);
"""

SQLITE_SCRIPT = """PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
{schema}
CREATE TEMP TABLE raw (line TEXT);
.mode ascii
.separator "\\037" "\\n"
.import {src} raw
BEGIN;
INSERT OR IGNORE INTO samples (id, batch_id, ext_id, line, text_field, text, record, context, hash)
  SELECT rowid, 1, json_extract(line, '$.id'), rowid, 'chosen', json_extract(line, '$.chosen'),
    line, json_array(json_object('name', 'prompt', 'text', json_extract(line, '$.prompt'))),
    substr(sha3(lower(json_extract(line, '$.prompt')) || char(31) ||
      lower(json_extract(line, '$.chosen')) || char(31) || lower(json_extract(line, '$.rejected'))),
      1, 8)
  FROM temp.raw;
INSERT INTO pairs (sample_id, a_field, b_field, b_text, a_model, b_model, claimed)
  SELECT s.id, 'chosen', 'rejected', json_extract(s.record, '$.rejected'),
    json_extract(s.record, '$.chosen_model'), json_extract(s.record, '$.rejected_model'), 'a'
  FROM samples s;
INSERT INTO sample_quality (sample_id, batch_id) SELECT id, batch_id FROM samples;
COMMIT;
"""


def imports(assay, count, runs):
    src = pairs_file(count)
    db = os.path.join(OUT, "pairs-import.db")
    script = os.path.join(OUT, "pairs-peer.sql")
    with open(script, "w") as f:
        f.write(SQLITE_SCRIPT.format(schema=PEER_SCHEMA, src=src))
    res = {"assay import --no-score": [], "sqlite3 shell (.import + json_extract + sha3)": []}
    for _ in range(runs):  # interleaved, so both see the same load
        fresh(db)
        secs, mem, _ = measure([assay, "--db", db, "import", "--quiet", "--no-score", "--batch",
                                "bench", src])
        con = sqlite3.connect(db)
        n = con.execute("SELECT count(*) FROM pairs").fetchone()[0]
        con.close()
        if n != count:
            raise SystemExit(f"assay imported {n} pairs of {count}")
        res["assay import --no-score"].append((secs, mem))
        fresh(db)
        with open(script) as stdin:
            secs, mem, _ = measure(["sqlite3", db], stdin=stdin)
        con = sqlite3.connect(db)
        n = con.execute("SELECT count(*) FROM pairs").fetchone()[0]
        con.close()
        if n != count:
            raise SystemExit(f"the sqlite3 shell loaded {n} pairs of {count}")
        res["sqlite3 shell (.import + json_extract + sha3)"].append((secs, mem))
    fresh(db)
    return src, res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--keys", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    assay = os.path.join(os.path.abspath(a.build), "src", "cli", "assay")
    sizes = sorted({min(10_000, a.count), a.count})
    rows = [(n,) + review(assay, n, min(a.keys, n - 1)) for n in sizes]
    src, res = imports(assay, a.count, a.runs)
    print(f"## Pairs: preference review and import ({a.count:,} pairs)\n")
    print(f"Machine: {machine()}. {tool_version(['sqlite3', '--version'])[:40]}.\n")
    print(f"Command: `python3 bench/pairs_bench.py build --count {a.count} --keys {a.keys} "
          f"--runs {a.runs}` (part of `make bench`): the pair screen in a pseudo-terminal "
          f"(100x30) in import order, '1' (left better) on {a.keys} pairs in a row; then the "
          f"import of the same file ({os.path.getsize(src) / 1e6:.0f} MB JSONL) and the "
          "sqlite3 shell's load of it, interleaved run by run.\n")
    print("| pairs | first pair on screen ms | keypress to next pair: median ms | p95 ms "
          "| RSS MiB |")
    print("|---:|---:|---:|---:|---:|")
    for n, first, lat, rss in rows:
        lat_s = sorted(lat)
        p95 = lat_s[max(0, int(len(lat_s) * 0.95) - 1)]
        print(f"| {n:,} | {first * 1000:.0f} | {statistics.median(lat) * 1000:.2f} | "
              f"{p95 * 1000:.2f} | {rss:.1f} |")
    print("\n| loader | median s | runs (s) | peak RSS MiB |")
    print("|---|---:|---|---:|")
    med = {}
    for name, runs in res.items():
        med[name] = statistics.median(t for t, _ in runs)
        print(f"| {name} | {med[name]:.2f} | {', '.join(f'{t:.2f}' for t, _ in runs)} | "
              f"{max(m for _, m in runs):.0f} |")
    base, peer = med["assay import --no-score"], med["sqlite3 shell (.import + json_extract + sha3)"]
    largest = rows[-1]
    lat_big = statistics.median(largest[2])
    print(f"\n- assay vs the sqlite3 shell: {base / peer:.2f}x the shell's time "
          f"(target: at most 1.5x, as for single samples; {verdict(base / peer <= 1.5)}).")
    print(f"- median keypress to the next pair at {largest[0]:,} pairs: {lat_big * 1000:.2f} ms "
          f"(target: under 2 ms at 1,000,000 pairs; {verdict(lat_big < 0.002)}"
          f"{'' if largest[0] >= 1_000_000 else ', measured at fewer pairs than the target names'}"
          ").")
    print("\nThe shell's duplicate key is a hash of the lower-cased prompt and candidates (it "
          "cannot compute assay's NFKC case-folded normal form); assay also validates each "
          "record (UTF-8, nesting, duplicate keys, both candidates) and keeps the context.\n")


if __name__ == "__main__":
    main()
