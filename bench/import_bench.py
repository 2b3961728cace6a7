#!/usr/bin/env python3
"""import_bench.py — `assay import` of N generated captions against two peers
on the same file in the same run: the sqlite3 shell (.import + json_extract
into an equivalent table) and a plain Python json + sqlite3 loader; then,
on the database the scoring import left, what later work costs: `score`
with nothing to do, importing 1,000 new samples, the database's size. The
same at 100,000 samples (fixed costs included), and the scoring import's
peak memory at twice N.

  python3 bench/import_bench.py BUILD_DIR [--count N] [--runs R]

Prints a Markdown section for bench/RESULTS.md."""
import argparse
import os
import shutil
import sqlite3
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (OUT, checkpoint, copy_db, fresh, generated, machine, measure,  # noqa: E402
                    tool_version, verdict)

# The peers build the same table shape as assay's samples table: a row id,
# the batch, the external id, line, text field, text, the original record and
# a uniqueness rule that drops exact duplicates by an 8-byte hash of the
# normalized text, with the same unique indexes; and the combined score's
# narrow table with its two indexes, one row per sample (unscored), as assay
# writes it.
PEER_SCHEMA = """
CREATE TABLE samples (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, ext_id TEXT NOT NULL,
  line INTEGER NOT NULL, text_field TEXT NOT NULL, text TEXT NOT NULL, record TEXT NOT NULL,
  hash INTEGER NOT NULL, UNIQUE (batch_id, ext_id));
CREATE UNIQUE INDEX samples_by_hash ON samples(hash);
CREATE TABLE sample_quality (sample_id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, quality REAL);
CREATE INDEX sample_quality_by_quality ON sample_quality(quality, sample_id);
CREATE INDEX sample_quality_by_batch ON sample_quality(batch_id, quality, sample_id);
"""

SQLITE_SCRIPT = """PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
{schema}
CREATE TEMP TABLE raw (line TEXT);
.mode ascii
.separator "\\037" "\\n"
.import {src} raw
INSERT OR IGNORE INTO samples (batch_id, ext_id, line, text_field, text, record, hash)
  SELECT 1, json_extract(line, '$.id'), rowid, 'caption', json_extract(line, '$.caption'), line,
         substr(sha3(lower(json_extract(line, '$.caption'))), 1, 8)
  FROM temp.raw;
INSERT INTO sample_quality (sample_id, batch_id) SELECT id, batch_id FROM samples;
"""

PY_LOADER = r'''
import json, sqlite3, sys
src, db, schema = sys.argv[1], sys.argv[2], sys.argv[3]
con = sqlite3.connect(db)
con.execute("PRAGMA journal_mode = WAL")
con.execute("PRAGMA synchronous = NORMAL")
con.executescript(schema)
def rows():
    with open(src, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            rec = json.loads(line)
            text = rec["caption"]
            key = " ".join(text.casefold().split())
            yield (1, str(rec["id"]), n, "caption", text, line, hash(key) & 0x7fffffffffffffff)
with con:
    con.executemany("INSERT OR IGNORE INTO samples (batch_id, ext_id, line, text_field, text,"
                    " record, hash) VALUES (?, ?, ?, ?, ?, ?, ?)", rows())
    con.execute("INSERT INTO sample_quality (sample_id, batch_id) SELECT id, batch_id FROM samples")
con.close()
'''


def median_run(cmd_fn, runs, db, stdin_path=None, keep=False):
    """Median wall time, peak RSS and the times of `runs` runs of the
    command, each on a fresh database (the last one kept when keep)."""
    times, mems = [], []
    for _ in range(runs):
        fresh(db)
        stdin = open(stdin_path) if stdin_path else None
        secs, mem, _ = measure(cmd_fn(), stdin=stdin)
        if stdin:
            stdin.close()
        times.append(secs)
        mems.append(mem)
    return statistics.median(times), max(mems), times


def later_work(assay, db, runs):
    """On the database a scoring import left: `score` with nothing to do,
    1,000 new samples imported (each run into its own copy), and its size."""
    checkpoint(db)
    size = os.path.getsize(db)
    con = sqlite3.connect(db)
    n = con.execute("SELECT count(*) FROM samples").fetchone()[0]
    tables = con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"
                         " ORDER BY 2 DESC").fetchall()
    con.close()
    noop = [measure([assay, "--db", db, "score", "--quiet"]) for _ in range(runs)]
    new_src = generated("captions", 1000, seed=2, id_prefix="new-")
    work = db + ".work"
    adds = []
    for _ in range(runs):
        copy_db(db, work)
        adds.append(measure([assay, "--db", work, "import", "--quiet", "--batch", "new", new_src]))
    fresh(work)
    med = lambda xs: statistics.median(x[0] for x in xs)  # noqa: E731
    return {"size": size, "samples": n, "tables": tables, "noop": (med(noop), max(x[1] for x in noop)),
            "add": (med(adds), max(x[1] for x in adds))}


def one_size(assay, count, runs, with_python):
    """Every loader on `count` captions, then the later work."""
    src = generated("captions", count)
    db = os.path.join(OUT, "import-bench.db")
    res = {"size_mb": os.path.getsize(src) / 1e6, "src": src, "rows": {}}
    rows = res["rows"]
    rows["assay import --no-score"] = median_run(
        lambda: [assay, "--db", db, "import", "--quiet", "--no-score", "--batch", "bench", src],
        runs, db)
    rows["assay import (default scoring)"] = median_run(
        lambda: [assay, "--db", db, "import", "--quiet", "--batch", "bench", src], runs, db)
    res["later"] = later_work(assay, db, runs)
    script = os.path.join(OUT, "peer.sql")
    with open(script, "w") as f:
        f.write(SQLITE_SCRIPT.format(schema=PEER_SCHEMA, src=src))
    rows[SHELL] = median_run(lambda: ["sqlite3", db], runs, db, stdin_path=script)
    if with_python:
        pyl = os.path.join(OUT, "peer_loader.py")
        with open(pyl, "w") as f:
            f.write(PY_LOADER)
        rows[PYTHON] = median_run(lambda: [sys.executable, pyl, src, db, PEER_SCHEMA],
                                  max(1, runs - 2), db)
    fresh(db)
    return res


SHELL = "sqlite3 shell (.import + json_extract + sha3 key)"
PYTHON = "Python json + sqlite3"


def print_size(count, res):
    rows = res["rows"]
    base = rows["assay import --no-score"][0]
    print(f"### {count:,} captions ({res['size_mb']:.0f} MB JSONL)\n")
    print("| loader | median s | runs (s) | peak RSS MiB | vs `--no-score` |")
    print("|---|---:|---|---:|---:|")
    for name, (t, m, ts) in rows.items():
        print(f"| {name} | {t:.2f} | {', '.join(f'{x:.2f}' for x in ts)} | {m:.0f} | "
              f"{t / base:.2f}x |")
    later = res["later"]
    print(f"| `assay score` with nothing to do (on the scored database) | {later['noop'][0]:.2f} | "
          f"- | {later['noop'][1]:.0f} | {later['noop'][0] / base:.2f}x |")
    print(f"| `assay import` of 1,000 new captions into it | {later['add'][0]:.2f} | - | "
          f"{later['add'][1]:.0f} | {later['add'][0] / base:.2f}x |")
    print()
    scored, scored_rss = rows["assay import (default scoring)"][:2]
    sq = rows[SHELL][0]
    ratio_db = later["size"] / (res["size_mb"] * 1e6)
    print(f"- assay `--no-score` vs the sqlite3 shell: {base / sq:.2f}x the shell's time "
          f"(target: at most 1.5x; {verdict(base / sq <= 1.5)}).")
    if PYTHON in rows:
        py = rows[PYTHON][0]
        print(f"- Python loader vs assay: {py / base:.1f}x slower "
              f"(target: at least 10x; {verdict(py / base >= 10)}).")
    print(f"- Import with the default scoring: {scored / base:.2f}x `--no-score` "
          f"(target: at most 2.0x; {verdict(scored / base <= 2.0)}); peak RSS "
          f"{scored_rss:.0f} MiB (target: at most 128 MiB; {verdict(scored_rss <= 128)}).")
    print(f"- `score` with nothing to do: {later['noop'][0] / scored:.3f}x the scoring import "
          f"(target: at most 0.1x; {verdict(later['noop'][0] <= 0.1 * scored)}); 1,000 new "
          f"samples imported in {later['add'][0]:.2f} s (target: at most 1 s; "
          f"{verdict(later['add'][0] <= 1.0)}).")
    print(f"- Database after the scoring import: {later['size'] / 2**20:.0f} MiB, {ratio_db:.2f}x "
          f"the JSONL (target: at most 2x; {verdict(ratio_db <= 2.0)}).")
    print(f"- `--no-score` peak RSS: {rows['assay import --no-score'][1]:.0f} MiB "
          f"(target: under 64 MiB, whatever the file's size; "
          f"{verdict(rows['assay import --no-score'][1] < 64)}).\n")
    n = max(1, later["samples"])
    total = sum(b for _, b in later["tables"])
    top = [(name, b) for name, b in later["tables"] if b >= 0.01 * total]  # 1% or more
    rest = total - sum(b for _, b in top)
    print(f"Where the database's bytes are (SQLite's `dbstat`, bytes per stored sample, "
          f"{later['samples']:,} samples; the JSONL is "
          f"{res['size_mb'] * 1e6 / n:.0f} bytes a sample):\n")
    print("| table or index (1% of the file or more) | bytes per sample |")
    print("|---|---:|")
    for name, b in top:
        print(f"| `{name}` | {b / n:.1f} |")
    print(f"| everything else | {rest / n:.1f} |\n")


def twice(assay, count):
    """Peak RSS of the scoring import of 2 x count captions: the first set
    and a second one with other texts and ids, in one file."""
    both = os.path.join(OUT, f"captions-{2 * count}-two-seeds.jsonl")
    if not os.path.exists(both):
        with open(both + ".tmp", "wb") as out:
            for src in (generated("captions", count), generated("captions", count, seed=2,
                                                                id_prefix="second-")):
                with open(src, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        os.rename(both + ".tmp", both)
    db = fresh(os.path.join(OUT, "import-bench-2x.db"))
    secs, mem, _ = measure([assay, "--db", db, "import", "--quiet", "--batch", "bench", both])
    fresh(db)
    return secs, mem


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--small", type=int, default=100_000, help="the second, smaller size")
    a = ap.parse_args()
    assay = os.path.join(os.path.abspath(a.build), "src", "cli", "assay")
    big = one_size(assay, a.count, a.runs, True)
    small = one_size(assay, a.small, a.runs, True) if a.small else None
    two_secs, two_mem = twice(assay, a.count)
    print(f"## Import: {a.count:,} generated captions ({big['size_mb']:.0f} MB JSONL)\n")
    print(f"Machine: {machine()}. {tool_version(['sqlite3', '--version'])[:40]}; "
          f"Python {sys.version.split()[0]}.\n")
    print("Command: `make bench` (runs `python3 bench/import_bench.py build "
          f"--count {a.count} --runs {a.runs} --small {a.small}`); median of the runs, peak RSS "
          "of the process. The later work runs on the database the last scoring import left "
          "(its log folded in); each import of 1,000 new captions (another seed, other ids) "
          "into its own copy.\n")
    print_size(a.count, big)
    if small:
        print_size(a.small, small)
    one_mem = big["rows"]["assay import (default scoring)"][1]
    print(f"### Twice the size\n\nThe scoring import of {2 * a.count:,} captions (the "
          f"{a.count:,} above and {a.count:,} with other texts and ids, one file): "
          f"{two_secs:.1f} s, peak RSS {two_mem:.0f} MiB = {two_mem / one_mem:.2f}x that at "
          f"{a.count:,} (target: at most 1.10x; {verdict(two_mem <= 1.10 * one_mem)}).\n")
    print("The peers load the same file into a table of the same shape (same columns, the "
          "same unique (batch, id) index and the quality table with its indexes) and drop exact duplicates by "
          "a unique 8-byte key as assay does: the sqlite3 shell's is the first 8 bytes of "
          "sha3 of the lower-cased text (it cannot compute assay's normalized-text hash), "
          "the Python loader's Python's own hash of the case-folded, whitespace-collapsed "
          "text. assay additionally validates UTF-8, nesting, field types and duplicate "
          "keys per record.\n")


if __name__ == "__main__":
    main()
