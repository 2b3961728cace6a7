"""`assay audit` on a PostgreSQL store (--db postgresql://...) in a real
terminal (tmux): the same small database decided by three annotators (a
machine among them) on an SQLite file and on a schema of the server
tests/run starts ($ASSAY_TEST_PG) shows the same panels, the same samples
behind the figures and the same read-only drill-down, the database's name
in the top bar aside. Without the server these tests say so."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, HERE)
from harness import Workdir, eq  # noqa: E402
import test_audit as ta  # noqa: E402
import test_pg_store as pgs  # noqa: E402

# a machine's rejection too, for the samples panel's automatic decisions
DECISIONS = ta.DECISIONS + [("auto:learned@1", "s6", "reject", "blurry")]


def screens(w):
    """The dashboard's panels 1-7, a bar's rejections and a listed sample's
    decisions, each screen without its top line (the database's name)."""
    ta.setup(w, decisions=DECISIONS, scores=False)
    out = []

    def grab(t, *texts):
        """The screen once all texts are on it, computed (no panel's
        "computing..." note) and settled: the screens are compared whole.
        Each text is found on that screen only: the tab bar and the help
        line name every panel ("rejections", "batches", "models", ...)."""
        s = t.wait_until(lambda s: all(x in s for x in texts) and "computing..." not in s,
                         what=f"{texts} never came")
        out.append("\n".join(s.splitlines()[1:]))

    with ta.screen(w, size=(110, 32)) as t:
        grab(t, "rejection rate per annotator")
        for key, heading in (("2", "share of the rejections per reason"),
                             ("3", "rejection rate per batch"),
                             ("4", "rejection rate per model"),
                             ("5", "rejection rate per day"),
                             ("6", "scorers against the human verdict"),
                             ("7", "the samples behind the figures")):
            t.keys(key)
            grab(t, heading)
        t.keys("1")
        t.wait_for("rejection rate per annotator")
        t.keys("Enter")
        grab(t, "rejections by ann", "read-only: ann's verdict")
        t.keys("q")
        t.wait_for("rejection rate per annotator")
        t.keys("7")
        t.wait_for("the samples behind the figures")
        t.keys("Down")
        t.keys("Enter")
        grab(t, "the conflict on s2", "read-only: ann's verdict")
        t.keys("q")
        t.wait_for("the samples behind the figures")
        t.keys("q")
        eq(t.wait_exit(), 0)
    return out


def test_audit_same_screens_on_sqlite_and_postgresql():
    uri = pgs.server()
    if not uri:
        return
    with Workdir() as lite:
        a = screens(lite)
    w = pgs.pg_workdir(uri, "audit")
    try:
        b = screens(w)
        # the top bar names the schema and database, never the URI's password
        w.db = w.db.replace("user=assay", "user=assay&password=hunter2sec")
        with ta.screen(w, size=(110, 32)) as t:
            s = t.wait_for("rejection rate per annotator")
            top = s.splitlines()[0]
            eq(f"| {w.schema}@" in top, True, top)
            eq("hunter2sec" in s or "password" in s, False, s)
            t.keys("Enter")
            s = t.wait_for("read-only: ann's verdict")
            eq(f"| {w.schema}@" in s.splitlines()[0], True, s)
            eq("hunter2sec" in s, False, s)
            t.keys("q")
            t.wait_for("rejection rate per annotator")
            t.keys("q")
            eq(t.wait_exit(), 0)
    finally:
        pgs.pg_done(w)
    eq(len(b), len(a))
    for i, (x, y) in enumerate(zip(a, b)):
        eq(pgs.normal(y), pgs.normal(x), i)
    joined = "\n".join(a)
    for seen in ("40.0% of 5", "auto:learned@1", "factual error", "Conflicts"):
        eq(seen in joined, True, (seen, joined))
