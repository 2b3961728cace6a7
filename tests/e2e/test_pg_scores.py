"""Scores on both stores: the sample data imported with its scoring into an
SQLite file and into a schema of the test server ($ASSAY_TEST_PG), scored
again, rescored in part, decided by three annotators (edits scored, notes),
then what reads the scores compared byte for byte (times and batch names
aside): the scoring runs' tables, `info`'s scorers, the queue in quality
order, `stats --scorers` (table, CSV, JSON, a batch), exports with
--provenance and with --min/--max bounds (scorers and the combined score); and every stored score, flag,
reason and detail, read back from both stores and from an SQLite copy of
the PostgreSQL one (`assay copy`).

Without $ASSAY_TEST_PG these tests say so and pass nothing (see
test_pg_store.py)."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, Workdir, contains, eq  # noqa: E402
import pgserver  # noqa: E402
import test_pg_same_output as same  # noqa: E402
import test_pg_store as pgs  # noqa: E402

FILES = [os.path.join(ROOT, "sample-data", f) for f in ("captions.jsonl", "instructions.jsonl")]
# a scoring run's table: the counts stay, the seconds and rates go
TIMED = re.compile(r"^(\S+(?: +\d+){4}) +[\d.]+ +(?:\d+|-)$", re.M)
SECONDS = re.compile(r"\d+\.\d\d s\b")


def untimed(text):
    return SECONDS.sub("S", TIMED.sub(r"\1", text))


def queue(w, order, n=80):
    r = w.run("review", "--script", "--order", order, stdin="next\nskip\n" * n,
              env={"ASSAY_ANNOTATOR": "dee"})
    eq(r.code, 0, (order, r))
    return r.out


def scoring(w):
    """Imports with scoring, scores again (nothing to do), rescores one
    batch; what each says, info, and the quality order."""
    out = {}
    for i, f in enumerate(FILES):
        r = w.run("import", "--batch", f"b{i + 1}", f, timeout=300)
        eq(r.code, 0, r)
        out[f"import{i}"] = untimed(r.out + r.err)
    for name, args in (("score", ()), ("rescore", ("--rescore", "--batch", "b2")),
                       ("one", ("--scorer", "length", "--rescore"))):
        r = w.run("score", *args, timeout=300)
        eq(r.code, 0, (args, r))
        out[name] = untimed(r.out + r.err)
    r = w.run("info")
    eq(r.code, 0, r)
    out["info"] = r.out.split("\n", 1)[1]  # the first line names the database
    out["quality"] = queue(w, "quality")
    verdicts(w, out)
    return out


def verdicts(w, out):
    """Three annotators' decisions from the labels (edits among them, then
    scored), notes; then what reads scores beside verdicts."""
    with open(os.path.join(ROOT, "sample-data", "labels.jsonl")) as f:
        labels = [json.loads(line) for line in f]
    path = os.path.join(w.path, "decisions.jsonl")
    with open(path, "w") as f:
        f.write(same.decisions(labels))
    r = w.run("decide", "--from", path, timeout=300)
    eq(r.code in (0, 65), True, r)
    for ext, text in (("cap-0000003", "look at the \"hats\"\tagain"), ("cap-0000003", "and"),
                      ("ins-000001", "ok")):
        r = w.run("decide", ext, "note", "--text", text, env={"ASSAY_ANNOTATOR": "ann"})
        eq(r.code, 0, r)
    r = w.run("score", timeout=300)  # the corrected texts' scores
    eq(r.code, 0, r)
    out["score edits"] = untimed(r.out + r.err)
    for args in (("--scorers",), ("--scorers", "--format", "csv"),
                 ("--scorers", "--format", "json"), ("--scorers", "--batch", "b1")):
        r = w.run("stats", *args, timeout=300)
        eq(r.code, 0, (args, r))
        out["stats " + " ".join(args)] = r.out
    for args in (("--provenance", "--status", "all"), ("--provenance",),
                 ("--min", "length=0.9", "--max", "quality=0.9", "--status", "all"),
                 ("--min", "quality=0.5", "--min", "hedging=1", "--format", "csv"),
                 ("--max", "neardup=0.5", "--provenance", "--status", "all")):
        r = w.run("export", "--output", "-", *args, timeout=300)
        eq(r.code, 0, (args, r))
        out["export " + " ".join(args)] = r.out


def stored_sqlite(w):
    """Every combined score, exactly; the scores themselves are compared
    through export --provenance (SQLite's layout is assay's own)."""
    import sqlite3
    db = sqlite3.connect(w.db)
    return list(db.execute("SELECT id, quality FROM samples JOIN sample_quality ON sample_id = id ORDER BY id"))


def provenance(w):
    r = w.run("export", "--output", "-", "--provenance", "--status", "all")
    eq(r.code, 0, r)
    return r.out


def psql_rows(uri, sql):
    """The rows of a query, fields apart (NULL as "")."""
    exe = os.path.join(pgserver.bindir() or "/usr/bin", "psql")
    r = subprocess.run([exe, "-X", "-q", "-A", "-t", "-F", "\x1f", "-R", "\x1e", "-v",
                        "ON_ERROR_STOP=1", uri, "-c", sql], capture_output=True, text=True)
    eq(r.returncode, 0, r.stderr)
    return [row.split("\x1f") for row in r.stdout.rstrip("\n").split("\x1e") if row]


def stored_pg(w):
    return [(int(i), None if v == "" else float(v)) for i, v in psql_rows(
        w.base, f"SET search_path = {w.schema}; SET extra_float_digits = 3;"
        " SELECT id, quality FROM samples JOIN sample_quality ON sample_id = id ORDER BY id")]


def test_scoring_same_scores_and_outputs_on_both_stores():
    uri = pgs.server()
    if not uri:
        return
    with Workdir() as lite:
        a = scoring(lite)
        sa = stored_sqlite(lite)
    w = pgs.pg_workdir(uri, "scores")
    try:
        b = scoring(w)
        sb = stored_pg(w)
        # and copied back into an SQLite file: the same scores
        with Workdir() as back:
            r = w.run("copy", w.db, back.db, db=False)
            eq(r.code, 0, r)
            sc = stored_sqlite(back)
            pc = provenance(back)
    finally:
        pgs.pg_done(w)
    eq(sorted(b), sorted(a))
    for k in a:
        x, y = pgs.normal(b[k]), pgs.normal(a[k])
        eq(x == y, True, f"{k}: " + (same.first_difference(y, x) if isinstance(x, str) else ""))
    # the comparison is of something: every sample scored by every scorer,
    # verdicts beside scores, provenance with notes and an edit's scores
    contains(a["stats --scorers"], "hedging")
    contains(a["export --provenance --status all"], '"edit_scores":{"')
    contains(a["export --provenance --status all"], '"notes":[{"by":"ann"')
    eq(len(a["export --min length=0.9 --max quality=0.9 --status all"].splitlines()) > 50, True)
    eq(a["export --provenance --status all"].count('"flagged":true') > 100, True)
    eq(sb, sa)
    eq(sc, sa)
    eq(pgs.normal(pc), pgs.normal(a["export --provenance --status all"]))


def test_learned_orders_same_on_both_stores():
    """A model learned on SQLite scores the samples; the file copied into
    a schema of the server: the learned and uncertain queues (clusters of
    near-duplicates passed over) are the same on both."""
    uri = pgs.server()
    if not uri:
        return
    with Workdir() as lite:
        for i, f in enumerate(FILES):
            eq(lite.run("import", "--batch", f"b{i + 1}", f, timeout=300).code, 0)
        with open(os.path.join(ROOT, "sample-data", "labels.jsonl")) as f:
            labels = [json.loads(line) for line in f]
        path = os.path.join(lite.path, "decisions.jsonl")
        with open(path, "w") as f:
            f.write(same.decisions(labels, every=2))
        eq(lite.run("decide", "--from", path, timeout=300).code in (0, 65), True)
        r = lite.run("learn", timeout=300)
        eq(r.code, 0, r)
        r = lite.run("score", "--scorer", "learned", timeout=300)
        eq(r.code, 0, r)
        w = pgs.pg_workdir(uri, "learned")
        try:
            r = w.run("copy", lite.db, w.db, db=False, timeout=300)
            eq(r.code, 0, r)
            for order in ("learned", "uncertain"):
                a, b = queue(lite, order, 120), queue(w, order, 120)
                eq(b, a, order)
                eq(a.count("sample "), 120, a)
        finally:
            pgs.pg_done(w)
