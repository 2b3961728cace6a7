"""The review screen opened while another writer holds the database's write
lock (a learned rescore in bulk): its first claim waits with a message
instead of failing after the busy timeout, Ctrl-C leaves meanwhile, and the
first sample comes once the lock is free."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, eq  # noqa: E402


def setup(w, n=3):
    recs = [json.dumps({"id": f"s{i}", "caption": f"Sample number {i}: a grey heron."})
            for i in range(n)]
    r = w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
    eq(r.code, 0, r)
    con = sqlite3.connect(w.db)  # the annotator is known already (a first session)
    con.execute("INSERT INTO annotators (name, first_seen) VALUES ('tester', 0)")
    con.commit()
    con.close()


def screen(w):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
           "--order", "import"]
    return Tmux(cmd, width=160, height=24, env=e, cwd=w.path)


def locked(w):
    con = sqlite3.connect(w.db, isolation_level=None, timeout=30)
    con.execute("BEGIN IMMEDIATE")
    return con


def test_the_first_claim_waits_for_another_writer_and_goes_on():
    with Workdir() as w:
        setup(w)
        con = locked(w)
        with screen(w) as t:
            t.wait_for("waiting for another writer", timeout=30)
            con.execute("ROLLBACK")
            t.wait_for("s0  (b)  undecided", timeout=30)
            t.keys("a")
            t.wait_for("s1  (b)  undecided")
            t.keys("q")
            eq(t.wait_exit(), 0)
        con.close()
        eq([x for (x,) in w.sql("SELECT s.ext_id FROM decisions d JOIN samples s"
                                " ON s.id = d.sample_id")], ["s0"])


def test_ctrl_c_leaves_while_it_waits():
    with Workdir() as w:
        setup(w)
        con = locked(w)
        with screen(w) as t:
            t.wait_for("waiting for another writer", timeout=30)
            t.keys("C-c")
            eq(t.wait_exit(), 0)
        con.execute("ROLLBACK")
        con.close()
        eq(w.sql("SELECT count(*) FROM decisions"), [(0,)])
