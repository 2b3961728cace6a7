"""The review screen on a PostgreSQL store (--db postgresql://...) in a
real terminal (tmux): accept, reject, edit, undo and quit, then the
store holds each verdict, its events and no lease; two screens in
exclusive mode never show the same sample. The server is the one
tests/run starts ($ASSAY_TEST_PG); without it these tests say so."""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from harness import BIN, Tmux, Workdir, eq  # noqa: E402
import test_pg_store as pgs  # noqa: E402


def setup(w, n=6):
    recs = [json.dumps({"id": f"s{i}", "caption": f"Sample number {i}: a grey heron stands "
                        "in shallow water."}) for i in range(n)]
    r = w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
    eq(r.code, 0, r)


def screen(w, annotator="tester"):
    e = {"ASSAY_ANNOTATOR": annotator, "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
           "--order", "import", "--retrain-every", "0"]
    return Tmux(cmd, width=80, height=24, env=e, cwd=w.path)


def rows(w, sql):
    if not w.db.startswith("postgresql:"):
        return [tuple(str(v) for v in r) for r in w.sql(sql)]
    return [tuple(ln.split("|")) for ln in pgs.psql(w.db, sql).splitlines() if ln]


def wait_rows(w, sql, want, timeout=10):
    end = time.monotonic() + timeout
    while rows(w, sql) != want and time.monotonic() < end:
        time.sleep(0.1)
    eq(rows(w, sql), want)


def session(w):
    """Accept, reject, edit, accept, undo, accept again, quit: the samples
    the screen showed on the way."""
    shown = []
    setup(w)
    with screen(w) as t:
        t.wait_for("s0  (b)  undecided")
        t.wait_for("0/6, 6 left")
        t.keys("a")
        t.wait_for("s1  (b)")
        t.keys("r")
        t.wait_for("reject: why?")
        t.keys("2")
        t.wait_for("s2  (b)")
        t.keys("e")
        t.wait_for("Ctrl-S save")
        t.keys("End")
        for _ in range(len("in shallow water.")):
            t.keys("BSpace")
        t.keys("on a rock.", literal=True)
        t.keys("C-s")
        t.wait_for("edit saved")
        t.keys("l")
        t.wait_for("s3  (b)")
        t.keys("a")
        t.wait_for("s4  (b)")
        wait_rows(w, "SELECT count(*) FROM decisions", [("4",)])
        t.keys("u")
        t.wait_for("undone: back on s3")
        wait_rows(w, "SELECT count(*) FROM decisions", [("3",)])
        t.keys("a")
        wait_rows(w, "SELECT count(*) FROM decisions", [("4",)])
        # back to s4, on screen when u was pressed (the undo gave up its
        # lease): the queue's cursor, past s4, would hand out s5
        shown.append(t.wait_for("s4  (b)  undecided").splitlines()[1].split("(b)")[0].strip())
        t.keys("q")
        t.wait_for("reviewed 4 samples")
    eq(rows(w, "SELECT s.ext_id, d.verdict, coalesce(d.reason, ''), coalesce(d.text, '')"
               " FROM decisions d JOIN samples s ON s.id = d.sample_id ORDER BY s.id"),
       [("s0", "accepted", "", ""), ("s1", "rejected", "factual error", ""),
        ("s2", "edited", "", "Sample number 2: a grey heron stands on a rock."),
        ("s3", "accepted", "", "")])
    eq(rows(w, "SELECT kind FROM events ORDER BY id"),
       [("accept",), ("reject",), ("edit",), ("accept",), ("undo",), ("accept",)])
    # each verdict's event is the one its decision names
    eq(rows(w, "SELECT count(*) FROM decisions d JOIN events e ON e.id = d.event_id"
               " AND e.sample_id = d.sample_id"), [("4",)])
    eq(rows(w, "SELECT count(*) FROM leases"), [("0",)], "no lease left after quitting")
    return shown


def test_review_screen_on_postgresql():
    """The same session on an SQLite file and on the server: the same
    verdicts, events and screens."""
    uri = pgs.server()
    if not uri:
        return
    with Workdir() as lite:
        want = session(lite)
    w = pgs.pg_workdir(uri, "tui")
    try:
        eq(session(w), want)
    finally:
        w.__exit__(None, None, None)


def test_two_screens_on_postgresql_never_share_a_sample():
    uri = pgs.server()
    if not uri:
        return
    w = pgs.pg_workdir(uri, "tui2")
    try:
        setup(w, n=4)
        with screen(w, "ann") as a:
            a.wait_for("s0  (b)")
            with screen(w, "bob") as b:
                b.wait_for("s1  (b)")  # s0 is ann's while on her screen
                wait_rows(w, "SELECT s.ext_id, a.name FROM leases l JOIN samples s ON"
                             " s.id = l.sample_id JOIN annotators a ON a.id = l.annotator_id"
                             " ORDER BY s.id", [("s0", "ann"), ("s1", "bob")])
                a.keys("a")
                a.wait_for("s2  (b)")
                b.keys("a")
                b.wait_for("s3  (b)")
                a.keys("a")
                a.wait_for("Nothing left")
                b.keys("a")
                b.wait_for("Nothing left")
                a.keys("q")
                b.keys("q")
                a.wait_for("reviewed 2 samples")
                b.wait_for("reviewed 2 samples")
        eq(rows(w, "SELECT count(*), count(DISTINCT sample_id) FROM decisions"), [("4", "4")])
        eq(rows(w, "SELECT count(*) FROM leases"), [("0",)])
    finally:
        w.__exit__(None, None, None)
