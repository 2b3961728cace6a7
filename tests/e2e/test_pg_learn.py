"""`learn`, `decide --auto` (and its undo) and `report` on a PostgreSQL
store: the sample data imported and scored into an SQLite file and into a
schema of the test server ($ASSAY_TEST_PG), decided alike by three
annotators, then a model learned (the same bytes on both), the learned
scores written, the surest samples rejected automatically and undone, and
the HTML report, each compared byte for byte, times and batch names aside
(the decisions' times are made the same on both before the report, whose
lists show the newest first); a `--where` slice of the report runs there
too (compared on both stores in test_pg_where.py).

Without $ASSAY_TEST_PG these tests say so and pass nothing (see
test_pg_store.py)."""
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, Workdir, contains, eq  # noqa: E402
import test_pg_same_output as same  # noqa: E402
import test_pg_store as pgs  # noqa: E402

SECONDS = re.compile(r"in \d+\.\d s|\"seconds\": *[0-9.e+-]+")
# score's table: the seconds and rate columns
SCORE_TIMES = re.compile(r"(\d+)\s+[0-9.]+\s+\d+$", re.M)
# the report's head names the database
REPORT_HEAD = re.compile(r"<p class='muted'>[^<]*&middot;[^<]*</p>")
PRECISION = "0.8"


def normal(v):
    if isinstance(v, tuple):
        return tuple(normal(x) for x in v)
    if isinstance(v, str):
        return REPORT_HEAD.sub("", SCORE_TIMES.sub(r"\1", SECONDS.sub("", pgs.normal(v))))
    return v


def same_times(w):
    """Every decision's time made from its event's id, on either store."""
    sql = "UPDATE decisions SET decided_at = 1765000000000 + event_id * 1000"
    if w.db.startswith("postgresql:"):
        pgs.psql(w.db, sql)
        return
    con = sqlite3.connect(w.db)
    con.execute(sql)
    con.commit()
    con.close()


def model_bytes(w):
    sql = "SELECT id, model FROM models ORDER BY id"
    if w.db.startswith("postgresql:"):
        return [(int(i), bytes.fromhex(m[2:])) for i, m in
                (ln.split("|") for ln in pgs.psql(w.db, sql).splitlines() if ln)]
    con = sqlite3.connect(w.db)
    try:
        return [(i, bytes(m)) for i, m in con.execute(sql)]
    finally:
        con.close()


def session(w):
    """Import with scoring, three annotators' decisions, learn, the learned
    scores, decide --auto and its undo, the report."""
    out = {}
    for i, name in enumerate(("captions.jsonl", "instructions.jsonl", "chat.jsonl")):
        r = w.run("import", "--batch", f"b{i + 1}", os.path.join(ROOT, "sample-data", name),
                  timeout=300)
        eq(r.code, 0, r)
    with open(os.path.join(ROOT, "sample-data", "labels.jsonl")) as f:
        labels = [json.loads(line) for line in f]
    r = w.run("decide", "--from", w.file("d.jsonl", same.decisions(labels, every=2)),
              timeout=300)
    eq(r.code in (0, 65), True, r)
    for args in (("learn",), ("learn", "--json", "--dry-run"), ("learn", "--dry-run",
                                                                  "--no-scores", "--folds", "3")):
        r = w.run(*args, timeout=300)
        eq(r.code, 0, (args, r))
        out[" ".join(args)] = (r.code, r.out, r.err)
    out["models"] = model_bytes(w)
    r = w.run("score", "--scorer", "learned", timeout=300)
    eq(r.code, 0, r)
    out["score"] = (r.code, r.out, r.err)
    steps = [("dry run", ("decide", "--auto", "--precision", PRECISION, "--dry-run")),
             ("out of reach", ("decide", "--auto", "--precision", "0.999")),
             ("auto", ("decide", "--auto", "--precision", PRECISION)),
             ("provenance", ("export", "--provenance", "--status", "all", "--output", "-")),
             ("stats", ("stats", "--by", "annotator")),
             ("undo", ("decide", "--undo", "--annotator", "auto:learned@1", "--all")),
             ("export", ("export", "--status", "all", "--output", "-")),
             ("auto again", ("decide", "--auto", "--precision", PRECISION))]
    for key, args in steps:
        r = w.run(*args, timeout=300)
        out[key] = (r.code, r.out, r.err)
    same_times(w)
    r = w.run("report", "--html", "-", timeout=300)
    eq(r.code, 0, r)
    out["report"] = (r.code, r.out, r.err)
    return out


def test_learn_auto_and_report_same_on_sqlite_and_postgresql():
    uri = pgs.server()
    if not uri:
        return
    with Workdir() as lite:
        a = session(lite)
    w = pgs.pg_workdir(uri, "learn")
    try:
        b = session(w)
        # the report names the schema and database, never the URI's password
        r = w.run("--db", w.db.replace("user=assay", "user=assay&password=hunter2sec"), "report",
                  "--html", "-", db=False)
        eq(r.code, 0, r)
        contains(r.out, f"<p class='muted'>{w.schema}@")
        eq("hunter2sec" in r.out + r.err, False)
        # a slice of the report runs on PostgreSQL, its auto: decisions too
        r = w.run("report", "--html", "-", "--where", "quality < 0.5")
        eq(r.code, 0, r.err)
        contains(r.out, "Only the samples where <code>quality &lt; 0.5</code>")
        contains(r.out, "auto:learned@1")
    finally:
        pgs.pg_done(w)
    eq(sorted(b), sorted(a))
    for k in a:
        eq(normal(b[k]), normal(a[k]), k)
    # what was compared says something
    eq(len(a["models"]), 1)
    eq(len(a["models"][0][1]) > 1000, True)
    contains(a["learn"][1], "stored as model version 1")
    contains(a["dry run"][1], "would reject")
    contains(a["out of reach"][2], "no threshold of model version 1")
    contains(a["auto"][1], "rejected ")
    contains(a["undo"][1], "undid ")
    eq(a["provenance"][1].count('"auto":true') > 10, True, a["provenance"][1][:2000])
    contains(a["report"][1], "auto:learned@1")
    contains(a["report"][1], "Rejections")
    # the learned score is marked in-sample beside the model's out-of-fold figure
    # (read from the stored model on either store)
    contains(a["report"][1], "<td>learned*</td>")
    contains(a["report"][1], "measured its AUC out of fold: 0.")
