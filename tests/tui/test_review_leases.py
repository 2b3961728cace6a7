"""The screens' leases in a real terminal (tmux): an annotator holds one
lease at a time (walking back to a decided sample takes none, an undo moves
it onto the undone sample in the undo's own transaction), and two leads in
`review --conflicts` at once never get the same conflict."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, eq  # noqa: E402


def screen(w, annotator, *args):
    e = {"ASSAY_ANNOTATOR": annotator, "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s',
           BIN, "--db", w.db, "review", *args]
    return Tmux(cmd, width=80, height=24, env=e, cwd=w.path)


def setup(w, n):
    recs = [json.dumps({"id": f"s{i}", "caption": f"A grey heron number {i} in the lake."})
            for i in range(n)]
    eq(w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs))).code, 0)


def leases(w):
    """Every live lease: (annotator, sample)."""
    return w.sql("SELECT a.name, s.ext_id FROM leases l JOIN samples s ON s.id = l.sample_id"
                 " JOIN annotators a ON a.id = l.annotator_id"
                 " WHERE l.expires_at > CAST(strftime('%s', 'now') AS INTEGER) * 1000"
                 " ORDER BY a.name, s.id")


def test_walking_back_and_undo_leave_one_lease():
    with Workdir() as w:
        setup(w, 4)
        with screen(w, "ann", "--order", "import") as t:
            t.wait_for("s0  (b)")
            t.keys("a")
            t.wait_for("s1  (b)")
            eq(leases(w), [("ann", "s1")])
            # back to a sample she decided: no second lease, s1 stays hers
            t.keys("h")
            t.wait_for("s0  (b)  accepted")
            eq(leases(w), [("ann", "s1")])
            t.keys("l")
            t.wait_for("s1  (b)  undecided")
            eq(leases(w), [("ann", "s1")])
            # an undo moves her lease onto the undone sample: s1 is free
            t.keys("u")
            t.wait_for("undone: back on s0")
            eq(leases(w), [("ann", "s0")])
            with screen(w, "bob", "--order", "import") as b:
                b.wait_for("s1  (b)")
                eq(leases(w), [("ann", "s0"), ("bob", "s1")])
                b.keys("q")
                b.wait_exit()
            t.keys("q")
            t.wait_exit()
        eq(leases(w), [])


def test_two_leads_never_get_the_same_conflict():
    with Workdir() as w:
        setup(w, 3)
        for sid in ("s0", "s1"):
            eq(w.run("decide", "--annotator", "ann", sid, "accept").code, 0)
            eq(w.run("decide", "--annotator", "bob", sid, "reject", "--reason", "x").code, 0)
        with screen(w, "lead1", "--conflicts") as one:
            one.wait_for("s0  (b)  2 verdicts")
            eq(leases(w), [("lead1", "s0")])
            with screen(w, "lead2", "--conflicts") as two:
                two.wait_for("s1  (b)  2 verdicts")
                eq(leases(w), [("lead1", "s0"), ("lead2", "s1")])
                # lead2 settles s1; s0 is lead1's: nothing left for lead2
                two.keys("a")
                two.wait_for("No conflicting sample left")
                eq(leases(w), [("lead1", "s0")])
                two.keys("q")
                two.wait_exit()
            one.keys("q")
            one.wait_exit()
        eq(leases(w), [])
        eq(w.sql("SELECT s.ext_id, n.name FROM adjudications a JOIN samples s ON s.id = a.sample_id"
                 " JOIN annotators n ON n.id = a.annotator_id"), [("s1", "lead2")])


def test_undo_then_a_decision_comes_back_to_the_sample_on_screen():
    """The samples an undo took the screen from come back in turn once the
    undone ones are decided again (the queue's cursor is past them: it
    handed out s5 after two undos and two accepts); one another annotator
    was handed meanwhile (the undo gave up its lease) is passed over."""
    with Workdir() as w:
        setup(w, 7)
        with screen(w, "ann", "--order", "import") as t:
            t.wait_for("s0  (b)  undecided")
            t.keys("a")
            t.wait_for("s1  (b)  undecided")
            t.keys("a")
            t.wait_for("s2  (b)  undecided")
            t.keys("u")
            t.wait_for("undone: back on s1")
            t.keys("u")
            t.wait_for("undone: back on s0")
            eq(leases(w), [("ann", "s0")])
            t.keys("a")
            t.wait_for("s1  (b)  undecided")
            eq(leases(w), [("ann", "s1")])
            t.keys("a")
            t.wait_for("s2  (b)  undecided")
            eq(leases(w), [("ann", "s2")])
            t.keys("a")
            t.wait_for("s3  (b)  undecided")
            # bob is handed s4 while ann, back on s3, decides it again
            t.keys("a")
            t.wait_for("s4  (b)  undecided")
            t.keys("u")
            t.wait_for("undone: back on s3")
            with screen(w, "bob", "--order", "import") as b:
                b.wait_for("s4  (b)  undecided")
                t.keys("a")
                t.wait_for("passed over a sample another annotator holds now")
                t.wait_for("s5  (b)  undecided")
                eq(leases(w), [("ann", "s5"), ("bob", "s4")])
                b.keys("q")
                b.wait_exit()
            t.keys("q")
            t.wait_exit()
        eq(w.sql("SELECT s.ext_id FROM decisions d JOIN samples s ON s.id = d.sample_id"
                 " JOIN annotators a ON a.id = d.annotator_id WHERE a.name = 'ann'"
                 " ORDER BY s.id"), [("s0",), ("s1",), ("s2",), ("s3",)])


def test_undo_of_the_sample_walked_back_to_comes_back_to_the_one_left():
    """Walked back (h) to a decided sample and undone there, the sample
    deciding it again goes on to is the undecided one she walked back from
    (the undo gave up that one's lease and the queue's cursor is past it),
    as it is when the undo is pressed on that undecided sample itself."""
    with Workdir() as w:
        setup(w, 4)
        with screen(w, "ann", "--order", "import") as t:
            t.wait_for("s0  (b)  undecided")
            t.keys("a")
            t.wait_for("s1  (b)  undecided")
            t.keys("h")
            t.wait_for("s0  (b)  accepted")
            t.keys("u")
            t.wait_for("undone: back on s0")
            eq(leases(w), [("ann", "s0")])
            t.keys("a")
            t.wait_for("s1  (b)  undecided")
            eq(leases(w), [("ann", "s1")])
            t.keys("q")
            t.wait_exit()
        eq(w.sql("SELECT s.ext_id FROM decisions d JOIN samples s ON s.id = d.sample_id"
                 " ORDER BY s.id"), [("s0",)])


def test_undo_walk_back_and_undo_again_come_back_in_turn():
    """An undo, a step back (h) to a decided sample and an undo there: once
    both are decided again, the screen comes back to s2 and s3 in turn (both
    undecided, neither leased: the queue's cursor is past them) before the
    queue's next, s4."""
    with Workdir() as w:
        setup(w, 6)
        with screen(w, "ann", "--order", "import") as t:
            for i in range(3):
                t.wait_for(f"s{i}  (b)  undecided")
                t.keys("a")
            t.wait_for("s3  (b)  undecided")
            t.keys("u")
            t.wait_for("undone: back on s2")
            t.keys("h")
            t.wait_for("s1  (b)  accepted")
            t.keys("u")
            t.wait_for("undone: back on s1")
            eq(leases(w), [("ann", "s1")])
            t.keys("a")
            t.wait_for("s2  (b)  undecided")
            t.keys("a")
            t.wait_for("s3  (b)  undecided")
            t.keys("a")
            t.wait_for("s4  (b)  undecided")
            t.keys("q")
            t.wait_exit()
        eq(w.sql("SELECT s.ext_id FROM decisions d JOIN samples s ON s.id = d.sample_id"
                 " ORDER BY s.id"), [("s0",), ("s1",), ("s2",), ("s3",)])
