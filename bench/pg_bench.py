#!/usr/bin/env python3
"""pg_bench.py — assay on a PostgreSQL server, on a throwaway server this
script starts (tests/pgserver.py: initdb and pg_ctl in a temporary
directory, a Unix socket only, fsync off for every loader alike):

1. `assay import --no-score` of N generated captions into PostgreSQL
   (each run of records streamed with COPY) against `psql \\copy` of the same
   file into the same table: the peer loads the raw lines with \\copy into a
   temporary table and moves them into assay's own samples table (same
   columns, same indexes, the same 8-byte uniqueness key on the normalized
   text, duplicates dropped) with one INSERT ... SELECT, as
   import_bench.py's sqlite3-shell peer does on SQLite.
2. Decisions per second with K concurrent annotators (`assay review
   --script`, the review engine's queue: claim, lease, decide) over D
   samples, on PostgreSQL and on an SQLite file on the same host.

Runs are interleaved (assay, peer, assay, peer...).

  python3 bench/pg_bench.py BUILD_DIR [--count N] [--runs R] [--decisions D]
                            [--annotators K] [--out DIR] [--assay-old BIN]

--out puts the generated input and the SQLite file elsewhere than
bench/out; --assay-old adds a column for another assay binary's import
(an older build, to compare). Prints a Markdown section for
bench/RESULTS.md."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
import common  # noqa: E402
from common import machine, measure  # noqa: E402
import pgserver  # noqa: E402

# The peer's load: the raw lines into a temporary table (a CSV whose quote
# and delimiter bytes never occur in JSONL, so each line is one field), then
# into samples with assay's columns and key: the first 8 bytes of a hash of
# the case-folded, white-space-collapsed text, a duplicate key dropped.
PEER_SCRIPT = r"""
\set ON_ERROR_STOP 1
BEGIN;
CREATE TEMP TABLE raw (n BIGSERIAL, line TEXT NOT NULL);
\copy raw (line) FROM '{src}' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
INSERT INTO samples (batch_id, ext_id, line, text_field, text, record, hash)
  SELECT {batch}, j->>'id', n, 'caption', j->>'caption', line,
         ('x' || substr(md5(lower(regexp_replace(j->>'caption', '\s+', ' ', 'g'))), 1, 16))
           ::bit(64)::bigint
  FROM (SELECT n, line, line::jsonb AS j FROM raw) r
  ON CONFLICT DO NOTHING;
COMMIT;
"""


def schema_uri(base, schema):
    return base + ("&" if "?" in base else "?") + "options=" + urllib.parse.quote(
        f"-csearch_path={schema}", safe="")


def fresh_schema(pg, schema):
    pg.psql("bench", f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")


def psql_cmd(pg, db):
    return [os.path.join(pg.bin, "psql"), "-X", "-q", "-h", pg.sock, "-U", pg.USER,
                         "-d", db]


def import_runs(pg, assay, old, src, runs, out):
    """Interleaved runs of assay's import, the old build's (when given) and
    the psql peer's, each into a fresh schema; their times."""
    base = pg.uri("bench")
    times = {"assay": [], "old": [], "peer": []}
    empty = os.path.join(out, "empty.jsonl")
    open(empty, "w").close()
    peer_sql = os.path.join(out, "peer.sql")
    for _ in range(runs):
        for who, exe in (("assay", assay), ("old", old)):
            if not exe:
                continue
            fresh_schema(pg, "imp")
            secs, _, _ = measure([exe, "--db", schema_uri(base, "imp"), "import", "--quiet",
                                  "--no-score", "--batch", "bench", src])
            times[who].append(secs)
        # the peer's table: assay's schema, made by an import of nothing
        fresh_schema(pg, "imp")
        measure([assay, "--db", schema_uri(base, "imp"), "import", "--quiet", "--no-score",
                 "--batch", "peer", empty])
        with open(peer_sql, "w") as f:
            f.write(PEER_SCRIPT.format(src=src, batch=1))
        env = dict(os.environ, PGOPTIONS="-csearch_path=imp")
        with open(peer_sql) as f:
            secs, _, _ = measure(psql_cmd(pg, "bench"), stdin=f, env=env)
        times["peer"].append(secs)
    count = pg.psql("bench", "SELECT count(*) FROM imp.samples").strip()
    return times, int(count)


def decide_rate(assay, db, src, k, d, out):
    """K `review --script` clients deciding the D samples of src at once on
    db (a file or a URI): the wall time from the first start to the last
    exit, and decisions per second."""
    measure([assay, "--db", db, "import", "--quiet", "--no-score", "--batch", "main", src])
    script = os.path.join(out, "script.txt")
    with open(script, "w") as f:
        for i in range(d):
            f.write("next\n" + ("accept", "reject off-topic", "edit A corrected caption.")[i % 3] + "\n")
    t0 = time.perf_counter()
    procs = []
    for n in range(k):
        with open(script) as f:
            procs.append(subprocess.Popen(
                [assay, "--db", db, "review", "--script", "--batch", "main", "--order",
                 "import"], stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=dict(os.environ, ASSAY_ANNOTATOR=f"ann{n}")))
    decided = 0
    for p in procs:
        o, e = p.communicate()
        if p.returncode != 0:
            sys.exit(f"review --script failed: {e.decode()}")
        decided += o.decode().count("decided ")
    secs = time.perf_counter() - t0
    # the generator plants exact duplicates, which import drops
    if decided < d * 0.9:
        sys.exit(f"{decided} decisions acknowledged of {d} samples")
    return secs, decided / secs, decided


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=1)  # a 1M load takes minutes each way
    ap.add_argument("--decisions", type=int, default=5_000)
    ap.add_argument("--annotators", type=int, default=16)
    ap.add_argument("--out", default=common.OUT)
    ap.add_argument("--assay-old")
    a = ap.parse_args()
    assay = os.path.join(a.build, "src", "cli", "assay")
    os.makedirs(a.out, exist_ok=True)
    common.OUT = a.out
    if not pgserver.available():
        sys.exit("pg_bench: no PostgreSQL server binaries (install postgresql)")
    src = common.generated("captions", a.count)
    small = common.generated("captions", a.decisions, seed=3)
    work = tempfile.mkdtemp(prefix="pg-bench-", dir=a.out)
    load = os.getloadavg()
    with pgserver.PgServer() as pg:
        pg.create_db("bench")
        times, stored = import_runs(pg, assay, a.assay_old, src, a.runs, work)
        pg.create_db("decide")
        pg_secs, pg_rate, pg_n = decide_rate(assay, pg.uri("decide"), small, a.annotators,
                                       a.decisions, work)
        pgver = pg.psql("postgres", "SHOW server_version").strip()
    lite = os.path.join(work, "decide.db")
    lite_secs, lite_rate, lite_n = decide_rate(assay, lite, small, a.annotators, a.decisions, work)
    shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    print(f"## PostgreSQL: import and concurrent decisions ({a.count:,} captions)\n")
    print(f"{machine()}; PostgreSQL {pgver} on a Unix socket (fsync off for every loader); "
          f"load average {load[0]:.2f} at the start; {a.runs} interleaved runs.\n")
    print("| loader | median s | runs (s) | vs assay |")
    print("|---|---:|---|---:|")
    rows = [("`assay import --no-score` (COPY per run of records)", "assay"),
            ("the older assay build given (--assay-old)", "old"),
            ("`psql \\copy` + INSERT ... SELECT into the same table", "peer")]
    for name, k in rows:
        if k in med:
            print(f"| {name} | {med[k]:.2f} | {', '.join(f'{x:.2f}' for x in times[k])} | "
                  f"{med[k] / med['assay']:.2f}x |")
    print(f"\n{stored:,} samples stored by the last peer run.\n")
    print(f"| {a.annotators} annotators, `review --script`, {a.decisions:,} generated captions"
          " | decisions | s | decisions/s |")
    print("|---|---:|---:|---:|")
    print(f"| PostgreSQL | {pg_n:,} | {pg_secs:.1f} | {pg_rate:.0f} |")
    print(f"| SQLite file (WAL) | {lite_n:,} | {lite_secs:.1f} | {lite_rate:.0f} |")
    print(f"\nPostgreSQL / SQLite: {pg_rate / lite_rate:.2f}x the decisions per second.\n")


if __name__ == "__main__":
    main()
