"""A report on PostgreSQL reads in one snapshot: a decision that lands while
the report is half read is in every figure and list of it or in none.

The test holds a lock on sample_scores, so the report stops at its first
read of the scores (the calibration, after the rates and the agreement
have been read); a rejection with a reason never seen before is decided
meanwhile; the lock goes and the report ends. Read in several snapshots
(as it was), the examples read after the stop show the new reason the
rates by reason read before it lack.

Without $ASSAY_TEST_PG these tests say so and pass nothing (see
test_pg_store.py)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, eq  # noqa: E402
import pgserver  # noqa: E402
import test_pg_store as pgs  # noqa: E402

ANN = {"ASSAY_ANNOTATOR": "ann"}


def decided_workdir(uri):
    w = pgs.pg_workdir(uri, "snapshot")
    eq(w.run("import", "--batch", "b1", pgs.SAMPLES[0]).code, 0)
    for i in range(6):
        args = ("reject", "--reason", "blurry") if i % 2 else ("accept",)
        eq(w.run("decide", f"cap-000000{i}", *args, env=ANN).code, 0)
    return w


def wait_for_lock_wait(uri, schema, what):
    """Until a connection waits for a lock on the schema's sample_scores
    (the report stopped at it); a minute without one fails."""
    sql = ("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
           " JOIN pg_namespace n ON n.oid = c.relnamespace"
           f" WHERE NOT l.granted AND c.relname = 'sample_scores' AND n.nspname = '{schema}'")
    for _ in range(600):
        if pgs.psql(uri, sql).strip() not in ("", "0"):
            return
        if what.poll() is not None:
            raise AssertionError("the report ended without reading the scores:\n"
                                 + what.stderr.read())
        time.sleep(0.1)
    raise AssertionError("the report never reached the scores")


def report_with_a_decision_landing(w):
    """The report's HTML, a new rejection decided while it was half read."""
    exe = os.path.join(pgserver.bindir() or "/usr/bin", "psql")
    holder = subprocess.Popen([exe, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", w.base],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    report = None
    try:
        holder.stdin.write(f"BEGIN; LOCK TABLE {w.schema}.sample_scores IN ACCESS EXCLUSIVE MODE;"
                           " SELECT 'locked';\n")
        holder.stdin.flush()
        eq(holder.stdout.readline().strip(), "locked")
        out = w.file("report.html", "")
        report = subprocess.Popen([BIN, "--db", w.db, "report", "--html", out],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_lock_wait(w.base, w.schema, report)
        eq(w.run("decide", "cap-0000007", "reject", "--reason", "late-reason", env=ANN).code, 0)
        holder.stdin.write("ROLLBACK;\n")
        holder.stdin.close()
        holder.wait(timeout=60)
        eq(report.wait(timeout=120), 0)
        with open(out, encoding="utf-8") as f:
            return f.read()
    finally:
        for p in (holder, report):
            if p and p.poll() is None:
                p.kill()
                p.wait()


def test_report_figures_and_lists_from_one_snapshot():
    uri = pgs.server()
    if not uri:
        return
    w = decided_workdir(uri)
    try:
        html = report_with_a_decision_landing(w)
        figures, lists = html.split("<h2>Scorers against the human verdict</h2>", 1)
        eq("blurry" in figures and "blurry" in lists, True)
        # read before the decision landed, so none of the report has it
        eq(("late-reason" in figures, "late-reason" in lists), (False, False))
        # and a report begun after it has it throughout
        out = w.file("after.html", "")
        eq(w.run("report", "--html", out).code, 0)
        with open(out, encoding="utf-8") as f:
            figures, lists = f.read().split("<h2>Scorers against the human verdict</h2>", 1)
        eq(("late-reason" in figures, "late-reason" in lists), (True, True))
    finally:  # the schema and the work directory go
        pgs.pg_done(w)
