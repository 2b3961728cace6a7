"""The review screen opened while another writer holds the database's write
lock (a learned rescore in bulk): its first claim waits with a message
instead of failing after the busy timeout, Ctrl-C leaves meanwhile, and the
first sample comes once the lock is free. A decision, undo or edit made
while another writer holds the lock longer than the busy wait is kept,
never refused: the screen says it waits, the keys that only look work, and
once the lock is free it is saved exactly once and the next sample shown;
q leaves once it is saved, a second q leaves without it and says so."""
import json
import os
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from harness import BIN, Tmux, Workdir, WriteLock, check, contains, eq  # noqa: E402
import test_pg_store as pgs  # noqa: E402


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
    # a busy wait shorter than the lock is held: without waiting, a key is refused
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path,
         "ASSAY_BUSY_TIMEOUT_MS": "500"}
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
           "--order", "import"]
    return Tmux(cmd, width=160, height=24, env=e, cwd=w.path)


def test_the_first_claim_waits_for_another_writer_and_goes_on():
    with Workdir() as w:
        setup(w)
        lock = WriteLock(w)
        with screen(w) as t:
            t.wait_for("waiting for another writer", timeout=30)
            lock.release()
            t.wait_for("s0  (b)  undecided", timeout=30)
            t.keys("a")
            t.wait_for("s1  (b)  undecided")
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq([x for (x,) in w.sql("SELECT s.ext_id FROM decisions d JOIN samples s"
                                " ON s.id = d.sample_id")], ["s0"])


def test_ctrl_c_leaves_while_it_waits():
    with Workdir() as w:
        setup(w)
        with WriteLock(w), screen(w) as t:
            t.wait_for("waiting for another writer", timeout=30)
            t.keys("C-c")
            eq(t.wait_exit(), 0)
        eq(w.sql("SELECT count(*) FROM decisions"), [(0,)])


def decided(w):
    return w.sql("SELECT s.ext_id, d.verdict, d.reason FROM decisions d JOIN samples s"
                 " ON s.id = d.sample_id ORDER BY s.ext_id")


def events(w):
    return w.sql("SELECT s.ext_id, e.kind FROM events e JOIN samples s ON s.id = e.sample_id"
                 " ORDER BY e.id")


def held_key(w, t, key, waits_for, *more):
    """Presses key while another connection holds the write lock longer
    than the busy wait: the screen says it waits and keeps the sample, the
    keys that only look work, a second decision key is held back; then the
    lock goes and the screen moves on."""
    with WriteLock(w):
        t.keys(key)
        for k in more:
            t.keys(*k) if isinstance(k, tuple) else t.keys(k, literal=True)
        s = t.wait_for("waiting for another writer", timeout=30)
        check("not saved" not in s, s)
        t.keys("j")  # scrolls: works meanwhile
        t.keys("s")  # a decision key waits for the one kept
        s = t.wait_for("this key works once your decision is saved")
        check("not saved" not in s, s)
        contains(s, waits_for)
        s = t.wait_for("waiting for another writer", timeout=30)
        contains(s, waits_for)


def test_a_decision_waits_for_another_writer_and_is_saved_once():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)  undecided", timeout=30)
            held_key(w, t, "a", "s0  (b)  undecided")
            t.wait_for("s1  (b)  undecided", timeout=30)
            t.wait_gone("waiting for another writer")
            t.keys("s")  # the keys work as before
            t.wait_for("s2  (b)  undecided")
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(decided(w), [("s0", "accepted", None), ("s1", "skipped", None)])
        eq(events(w), [("s0", "accept"), ("s1", "skip")])


def test_a_rejection_with_its_reason_and_a_skip_wait_too():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)  undecided", timeout=30)
            t.keys("r")
            t.wait_for("9  other")
            held_key(w, t, "9", "s0  (b)", "wrong bird", ("Enter",))
            t.wait_for("s1  (b)  undecided", timeout=30)
            held_key(w, t, "s", "s1  (b)  undecided")
            t.wait_for("s2  (b)  undecided", timeout=30)
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(decided(w), [("s0", "rejected", "other: wrong bird"), ("s1", "skipped", None)])
        eq(events(w), [("s0", "reject"), ("s1", "skip")])


def test_an_undo_waits_for_another_writer():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)  undecided", timeout=30)
            t.keys("a")
            t.wait_for("s1  (b)  undecided")
            held_key(w, t, "u", "s1  (b)  undecided")
            t.wait_for("undone: back on s0", timeout=30)
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(decided(w), [])
        eq(events(w), [("s0", "accept"), ("s0", "undo")])


def test_an_edit_waits_for_another_writer():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)  undecided", timeout=30)
            t.keys("e")
            t.wait_for("Ctrl-S save")
            t.keys("End")
            t.keys(" Mended.", literal=True)
            held_key(w, t, "C-s", "s0  (b)")
            t.wait_for("edit saved", timeout=30)
            t.wait_for("edited  [diff: d]")
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(decided(w), [("s0", "edited", None)])
        eq(w.sql("SELECT text FROM decisions"), [("Sample number 0: a grey heron. Mended.",)])


def test_q_leaves_once_the_decision_is_saved():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)  undecided", timeout=30)
            with WriteLock(w):
                t.keys("a")
                t.wait_for("waiting for another writer", timeout=30)
                t.keys("q")
                s = t.wait_for("then the screen closes")
                check(not t.dead()[0], s)
            eq(t.wait_exit(timeout=30), 0)
        eq(decided(w), [("s0", "accepted", None)])


def test_ctrl_c_twice_leaves_without_the_decision_and_says_so():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)  undecided", timeout=30)
            with WriteLock(w):
                t.keys("a")
                t.wait_for("waiting for another writer", timeout=30)
                t.keys("C-c")
                t.wait_for("q again: leave without it")
                t.keys("C-c")
                s = t.wait_for("not saved: your last accept")
                eq(t.wait_exit(), 75, s)
        eq(decided(w), [])


def test_waiting_decisions_under_valgrind():
    """A rejection with its reason kept while the lock is held, saved after;
    then an accept kept and left unsaved by q twice: no invalid access, no
    leak."""
    import shutil
    import test_valgrind
    if test_valgrind.sanitized_build():
        return  # valgrind and AddressSanitizer do not mix; the plain build runs this
    check(shutil.which("valgrind"), "valgrind is not installed (the test set-up installs it)")
    with Workdir() as w:
        setup(w)
        log = os.path.join(w.path, "vg-%p.log")
        e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path,
             "ASSAY_BUSY_TIMEOUT_MS": "500"}
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s',
               "valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
               "--show-leak-kinds=definite", "--error-exitcode=99", f"--log-file={log}",
               BIN, "--db", w.db, "review", "--order", "import"]
        with Tmux(cmd, width=160, height=24, env=e, cwd=w.path) as t:
            t.wait_for("s0  (b)  undecided", timeout=60)
            t.keys("r")
            t.wait_for("9  other", timeout=30)
            held_key(w, t, "9", "s0  (b)", "wrong bird", ("Enter",))
            t.wait_for("s1  (b)  undecided", timeout=60)
            with WriteLock(w):
                t.keys("a")
                t.wait_for("waiting for another writer", timeout=60)
                t.keys("q")
                t.wait_for("q again: leave without it", timeout=30)
                t.keys("q")
                t.wait_for("not saved: your last accept", timeout=60)
                eq(t.wait_exit(timeout=60), 75)
        text = "".join(open(os.path.join(w.path, f)).read() for f in os.listdir(w.path)
                       if f.startswith("vg-"))
        contains(text, "ERROR SUMMARY: 0 errors")
        check("definitely lost: 0 bytes" in text or "definitely lost" not in text, text[-3000:])
        eq(decided(w), [("s0", "rejected", "other: wrong bird")])


def test_a_pairs_preference_waits_for_another_writer():
    import test_pair_review as pr
    with Workdir() as w:
        pr.setup(w, n=3)
        with screen(w) as t:
            s = t.wait_for("pair p0", timeout=30)
            left = pr.left_candidate(s, 160)
            held_key(w, t, "1", "pair p0")
            t.wait_for("pair p1", timeout=30)
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(pr.pref_of(w, "p0"), ("accepted", left, pr.place(left), None, None))
        eq(w.sql("SELECT kind FROM events"), [("accept",)])


def test_an_edit_refused_once_the_lock_goes_is_kept_and_q_stays():
    """The other writer leaves behind a store that refuses the edit (here a
    trigger): the edit waited, then is refused with the reason, kept as the
    draft e opens, and the q pressed meanwhile does not close the screen."""
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)  undecided", timeout=30)
            t.keys("e")
            t.wait_for("Ctrl-S save")
            t.keys("End")
            t.keys(" Kept.", literal=True)
            with WriteLock(w) as lock:  # committed: it leaves a trigger behind
                lock.con.execute("CREATE TRIGGER refuse BEFORE INSERT ON events"
                                 " BEGIN SELECT RAISE(ABORT, 'refused'); END")
                t.keys("C-s")
                t.wait_for("waiting for another writer", timeout=30)
                t.keys("q")
                t.wait_for("then the screen closes")
                lock.con.execute("COMMIT")
                s = t.wait_for("your edit is kept", timeout=30)
                contains(s, "refused")
                check(not t.dead()[0], s)
                lock.con.execute("DROP TRIGGER refuse")
            t.keys("e")
            s = t.wait_for("Ctrl-S save")
            contains(s, "heron. Kept.")
            t.keys("C-s")
            t.wait_for("edit saved")
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(w.sql("SELECT text FROM decisions"), [("Sample number 0: a grey heron. Kept.",)])


def test_a_note_waits_and_is_only_then_said_added():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)  undecided", timeout=30)
            t.keys("n")
            t.wait_for("note:")
            with WriteLock(w):
                t.keys("look again", literal=True)
                t.keys("Enter")
                s = t.wait_for("waiting for another writer", timeout=30)
                check("note added" not in s, s)
            t.wait_for("note added", timeout=30)
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(w.sql("SELECT kind, text FROM events"), [("note", "look again")])


# ---- PostgreSQL: a lock wait, not a busy timeout ------------------------------------

def test_on_postgresql_a_decision_and_an_undo_wait_for_a_lock():
    uri = pgs.server()
    if not uri:
        return
    w = pgs.pg_workdir(uri, "keywait")
    try:
        recs = [json.dumps({"id": f"s{i}", "caption": f"Sample number {i}: a grey heron."})
                for i in range(3)]
        r = w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
        eq(r.code, 0, r)
        e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
               "--order", "import", "--retrain-every", "0"]
        with Tmux(cmd, width=160, height=24, env=e, cwd=w.path) as t:
            t.wait_for("s0  (b)  undecided", timeout=30)
            for key, then in (("a", "s1  (b)  undecided"), ("u", "undone: back on s0")):
                with WriteLock(w, "events"):
                    t.keys(key)
                    s = t.wait_for("waiting for another writer", timeout=30)
                    check("not saved" not in s, s)
                    t.keys("j")  # the keys that look work meanwhile
                    t.keys("s")  # a decision key waits for the one kept
                    t.wait_for("this key works once your decision is saved")
                t.wait_for(then, timeout=30)
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(pgs.psql(w.db, "SELECT kind FROM events ORDER BY id").split(), ["accept", "undo"])
        eq(pgs.psql(w.db, "SELECT count(*) FROM decisions").strip(), "0")
    finally:
        w.__exit__(None, None, None)
