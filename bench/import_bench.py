#!/usr/bin/env python3
"""import_bench.py — `assay import` of N generated captions against two peers
on the same file in the same run: the sqlite3 shell (.import + json_extract
into an equivalent table) and a plain Python json + sqlite3 loader.

  python3 bench/import_bench.py BUILD_DIR [--count N] [--runs R]

Prints a Markdown section for bench/RESULTS.md."""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import HERE, OUT, fresh, generated, machine, measure, tool_version, verdict  # noqa: E402

# The peers build the same table shape as assay's samples table: a row id,
# the batch, the external id, line, text field, text, the original record and
# a uniqueness rule that drops exact duplicates, with the same unique indexes.
PEER_SCHEMA = """
CREATE TABLE samples (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, ext_id TEXT NOT NULL,
  line INTEGER NOT NULL, text_field TEXT NOT NULL, text TEXT NOT NULL, record TEXT NOT NULL,
  hash INTEGER, quality REAL, UNIQUE (batch_id, ext_id));
CREATE UNIQUE INDEX samples_by_text ON samples(text);
CREATE INDEX samples_by_quality ON samples(quality, id);
CREATE INDEX samples_by_batch_quality ON samples(batch_id, quality, id);
"""

SQLITE_SCRIPT = """PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
{schema}
CREATE TEMP TABLE raw (line TEXT);
.mode ascii
.separator "\\037" "\\n"
.import {src} raw
INSERT OR IGNORE INTO samples (batch_id, ext_id, line, text_field, text, record)
  SELECT 1, json_extract(line, '$.id'), rowid, 'caption', json_extract(line, '$.caption'), line
  FROM temp.raw;
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
con.close()
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    assay = os.path.join(os.path.abspath(a.build), "src", "cli", "assay")
    src = generated("captions", a.count)
    size_mb = os.path.getsize(src) / 1e6
    db = os.path.join(OUT, "import-bench.db")

    results = {}

    def run(name, cmd_fn, runs, stdin_path=None):
        times, mems = [], []
        for _ in range(runs):
            fresh(db)
            stdin = open(stdin_path) if stdin_path else None
            secs, mem, _ = measure(cmd_fn(), stdin=stdin)
            if stdin:
                stdin.close()
            times.append(secs)
            mems.append(mem)
        results[name] = (statistics.median(times), max(mems), times)

    import subprocess
    scoring = "--no-score" in subprocess.run([assay, "import", "--help"], capture_output=True,
                                             text=True).stdout
    run("assay import --no-score", lambda: [assay, "--db", db, "import", "--quiet", "--batch",
                                            "bench", src] + (["--no-score"] if scoring else []),
        a.runs)
    if scoring:
        run("assay import (built-in scorers on)", lambda: [assay, "--db", db, "import", "--quiet",
                                                          "--batch", "bench", src], a.runs)
    script = os.path.join(OUT, "peer.sql")
    with open(script, "w") as f:
        f.write(SQLITE_SCRIPT.format(schema=PEER_SCHEMA, src=src))
    run("sqlite3 shell (.import + json_extract)",
        lambda: ["sqlite3", db], a.runs, stdin_path=script)
    pyl = os.path.join(OUT, "peer_loader.py")
    with open(pyl, "w") as f:
        f.write(PY_LOADER)
    run("Python json + sqlite3", lambda: [sys.executable, pyl, src, db, PEER_SCHEMA],
        max(1, a.runs - 2))

    base = results["assay import --no-score"][0]
    sq = results["sqlite3 shell (.import + json_extract)"][0]
    py = results["Python json + sqlite3"][0]
    print(f"## Import: {a.count:,} generated captions ({size_mb:.0f} MB JSONL)\n")
    print(f"Machine: {machine()}. {tool_version(['sqlite3', '--version'])[:40]}; "
          f"Python {sys.version.split()[0]}.\n")
    print("Command: `make bench` (runs `python3 bench/import_bench.py build "
          f"--count {a.count} --runs {a.runs}`); median of the runs, peak RSS of the process.\n")
    print("| loader | median s | runs (s) | peak RSS MiB | vs assay |")
    print("|---|---:|---|---:|---:|")
    for name, (t, m, ts) in results.items():
        print(f"| {name} | {t:.2f} | {', '.join(f'{x:.2f}' for x in ts)} | {m:.0f} | "
              f"{t / base:.2f}x |")
    print()
    rss = results['assay import --no-score'][1]
    print(f"- assay vs sqlite3 shell: {base / sq:.2f}x the shell's time "
          f"(target: at most 1.5x; {verdict(base / sq <= 1.5)}).")
    print(f"- Python loader vs assay: {py / base:.1f}x slower "
          f"(target: at least 10x; {verdict(py / base >= 10)}).")
    print(f"- assay peak memory: {rss:.0f} MiB "
          f"(target: under 64 MiB, whatever the file's size; {verdict(rss < 64)}).")
    print("\nThe peers load the same file into a table of the same shape (same columns, the "
          "same unique (batch, id) index and quality indexes). Their duplicate rule is a "
          "unique index on the exact text (the sqlite3 shell cannot compute assay's "
          "normalized-text hash); the Python loader also computes a normalized key. assay "
          "additionally validates UTF-8, nesting, field types and duplicate keys per record.\n")


if __name__ == "__main__":
    main()
