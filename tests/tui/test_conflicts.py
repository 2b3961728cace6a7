"""`assay review --conflicts` in a real terminal (tmux): the walk over the
samples whose annotators disagree, every verdict and edit side by side, the
lead's decisions recorded as adjudications that export honours, hostile
names inert, resizing."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402

TEXT = "A grey heron number {} stands in the shallow water of the lake."
HOSTILE = "bad \x1b[31mRED\x1b]0;pwned\x07 \u202eeman"


def setup(w, hostile=False):
    """Six samples; s0, s1 and s4 are conflicts, the rest are not."""
    recs = [json.dumps({"id": f"s{i}", "caption": TEXT.format(i)}) for i in range(6)]
    eq(w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs))).code, 0)

    def decide(who, sid, verdict, *extra):
        r = w.run("decide", "--annotator", who, sid, verdict, *extra)
        eq(r.code, 0, r)

    decide("ann", "s0", "accept")
    decide("bob", "s0", "reject", "--reason", "factual error")
    decide("ann", "s1", "accept")
    decide("bob", "s1", "edit", "--text", "A grey egret number 1 stands in the deep water of the lake.")
    decide("cy" if not hostile else HOSTILE, "s1", "reject", "--reason",
           "blurry" if not hostile else HOSTILE)
    decide("ann", "s2", "accept")  # agreement
    decide("bob", "s2", "accept")
    decide("ann", "s3", "reject", "--reason", "x")  # a skip is no verdict
    decide("bob", "s3", "skip")
    decide("ann", "s4", "edit", "--text", "A heron stands in the lake.")
    decide("bob", "s4", "accept")
    decide("ann", "s5", "reject", "--reason", "a")  # both reject: no conflict
    decide("bob", "s5", "reject", "--reason", "b")


def screen(w, *args, size=(80, 24), env=None):
    e = {"ASSAY_ANNOTATOR": "lead", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    e.update(env or {})
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s',
           BIN, "--db", w.db, "review", "--conflicts", *args]
    return Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)


def exit_status(t):
    """The exit status once the pane is dead (tmux may report a dead pane a
    moment before its status)."""
    t.wait_exit()
    deadline = time.monotonic() + 2
    status = t.dead()[1]
    while not status and time.monotonic() < deadline:
        time.sleep(0.05)
        status = t.dead()[1]
    return status


def adjudications(w):
    return w.sql("SELECT s.ext_id, a.verdict, a.text, a.reason, n.name FROM adjudications a"
                 " JOIN samples s ON s.id = a.sample_id JOIN annotators n ON n.id = a.annotator_id"
                 " ORDER BY s.id")


def test_shows_every_verdict_and_edit_side_by_side():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            s = t.wait_for("s0  (b)  2 verdicts: 1 accepted, 0 edited, 1 rejected")
            # the lead's name once, as the review screen shows the annotator's
            contains(s, "| conflicts | all batches | lead ")
            check("lead lead" not in s, s)
            contains(s, "3 left, 0 settled")
            contains(s, TEXT.format(0))
            contains(s, "1  ann  accepted")
            contains(s, "2  bob  rejected: factual error")
            contains(s, "a accept")
            contains(s, "1-9 take N's verdict")
            t.keys("s")
            s = t.wait_for("s1  (b)  3 verdicts: 1 accepted, 1 edited, 1 rejected")
            contains(s, "2  bob  edited")
            # the word diff: removed and added words both shown, in order
            contains(s, "A grey heron egret number 1 stands in the shallow deep water")
            contains(s, "3  cy  rejected: blurry")
            t.keys("s")
            s = t.wait_for("s4  (b)")
            contains(s, "1  ann  edited")
            t.keys("s")
            t.wait_for("No conflicting sample left")
            t.keys("q")
            t.wait_for("settled 0 conflicting samples")
            contains(t.screen(), "3 passed over")
            eq(t.wait_exit(), 0)
        eq(adjudications(w), [])


def test_accept_take_and_edit_are_recorded_and_exported():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)")
            t.keys("a")
            s = t.wait_for("s1  (b)")
            contains(s, "s0: accepted as generated")
            contains(s, "2 left, 1 settled")
            t.keys("2")  # bob's edit as it is
            t.wait_for("s4  (b)")
            t.keys("e")
            t.wait_for("edit from: 0 the original, 1-2")
            t.keys("7")  # no such verdict: asked again
            t.wait_for("pick 0 (the original)")
            t.keys("2")  # bob accepted: not an edit
            t.wait_for("pick 0 (the original)")
            t.keys("1")  # ann's edit
            t.wait_for("Ctrl-S save")
            contains(t.screen(), "A heron stands in the lake.")
            t.keys("End")
            t.keys(" Calm.", literal=True)
            t.keys("C-s")
            s = t.wait_for("No conflicting sample left")
            contains(s, "0 left, 3 settled")
            t.keys("q")
            t.wait_for("settled 3 conflicting samples: 1 accepted, 2 edited, 0 rejected")
        eq(adjudications(w), [
            ("s0", "accepted", None, None, "lead"),
            ("s1", "edited", "A grey egret number 1 stands in the deep water of the lake.", None,
             "lead"),
            ("s4", "edited", "A heron stands in the lake. Calm.", None, "lead"),
        ])
        eq(w.sql("SELECT count(*) FROM events WHERE kind = 'adjudicate'"), [(3,)])
        # the annotators' own verdicts are untouched
        eq(w.sql("SELECT count(*) FROM decisions"), [(13,)])
        r = w.run("export")
        eq(r.code, 0, r)
        got = {json.loads(x)["id"]: json.loads(x)["caption"] for x in r.out.splitlines()}
        eq(got, {"s0": TEXT.format(0),
                 "s1": "A grey egret number 1 stands in the deep water of the lake.",
                 "s2": TEXT.format(2),
                 "s4": "A heron stands in the lake. Calm."})
        # nothing left for a second session
        with screen(w) as t:
            t.wait_for("No conflicting sample left")
            contains(t.screen(), "0 left, 0 settled")


def test_reject_with_a_reason_go_back_and_change_it():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)")
            t.keys("r")
            t.wait_for("reject: why?")
            t.keys("Escape")
            t.wait_gone("reject: why?")
            eq(adjudications(w), [])
            t.keys("r")
            t.wait_for("reject: why?")
            t.keys("4")
            t.wait_for("s1  (b)")
            t.keys("3")  # cy's rejection, with cy's reason
            t.wait_for("s4  (b)")
            t.keys("h")
            s = t.wait_for("s1  (b)  settled by lead: rejected: blurry")
            contains(s, "final (lead): rejected: blurry")
            t.keys("h")
            t.wait_for("s0  (b)  settled by lead: rejected: repetition")
            t.keys("h")
            t.wait_for("this is the first conflict of the session")
            t.keys("1")  # changed mind: ann's accept replaces the rejection
            s = t.wait_for("s1  (b)  settled by lead")
            contains(s, "1 left, 2 settled")  # a second word is no new settlement
            t.keys("e")
            t.wait_for("edit from")
            t.keys("Escape")
            t.wait_gone("edit from")
            t.keys("e", "0")
            t.wait_for("Ctrl-S save")
            t.keys("C-s")  # unchanged original: not an edit
            t.wait_for("that is the original text: a accepts it")
            t.keys("q")
            t.wait_for("settled 2 conflicting samples: 1 accepted, 0 edited, 2 rejected")
        eq(adjudications(w), [("s0", "accepted", None, None, "lead"),
                              ("s1", "rejected", None, "blurry", "lead")])
        r = w.run("export", "--status", "rejected")
        eq([json.loads(x)["id"] for x in r.out.splitlines()], ["s1", "s3", "s5"])


def test_batch_filter_and_a_database_without_conflicts():
    with Workdir() as w:
        setup(w)
        recs = [json.dumps({"id": "t0", "caption": "Another sample in another batch."})]
        eq(w.run("import", "--no-score", "--batch", "other",
                 w.file("t.jsonl", "\n".join(recs))).code, 0)
        with screen(w, "--batch", "other") as t:
            s = t.wait_for("No conflicting sample left")
            contains(s, "| conflicts | other | lead ")
            contains(s, "0 left")
        eq(w.run("decide", "--annotator", "ann", "t0", "accept").code, 0)
        eq(w.run("decide", "--annotator", "bob", "t0", "reject", "--reason", "r").code, 0)
        with screen(w, "--batch", "other") as t:
            s = t.wait_for("t0  (other)")
            contains(s, "1 left")
            t.keys("s")
            t.wait_for("No conflicting sample left")
        with screen(w, "--batch", "nope") as t:
            t.wait_for('no batch named "nope"')
            eq(exit_status(t), 66)


def test_resize_to_40x12_and_below():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)")
            t.resize(40, 12)
            s = t.wait_for("2  bob  rejected")
            contains(s, "s0  (b)")
            t.resize(39, 12)
            t.wait_for("terminal too small")
            t.resize(40, 11)
            t.wait_for("terminal too small")
            t.resize(100, 30)
            t.wait_for("1  ann  accepted")
            t.keys("r")
            t.wait_for("reject: why?")
            t.resize(60, 20)  # the view is redrawn behind the picker
            t.wait_for("reject: why?")
            contains(t.screen(), "s0  (b)")
            t.keys("1")
            t.wait_for("s1  (b)")
        eq(adjudications(w), [("s0", "rejected", None, "hallucination", "lead")])


def test_hostile_names_and_reasons_are_inert():
    with Workdir() as w:
        setup(w, hostile=True)
        with screen(w, size=(100, 30)) as t:
            t.wait_for("s0  (b)")
            t.keys("s")
            s = t.wait_for("s1  (b)")
            raw = t.screen_escapes()
            check("\x1b]" not in raw and "\x1b[31m" not in raw and "\x9b" not in raw, raw)
            contains(s, "3  bad ^[[31mRED^[]0;pwned^G <U+202E>eman  rejected:")
            title = subprocess.run(["tmux", "-L", t.sock, "display", "-p", "#{pane_title}"],
                                   capture_output=True, text=True).stdout
            check("pwned" not in title, title)
            t.keys("3")  # the hostile reason is recorded as it was given
            t.wait_for("s4  (b)")
        eq(adjudications(w)[0][3], HOSTILE)


def sanitized_build():
    out = subprocess.run(["meson", "introspect", "--buildoptions",
                          os.environ.get("ASSAY_BUILD", "")], capture_output=True, text=True).stdout
    try:
        opts = {o["name"]: o["value"] for o in json.loads(out)}
    except ValueError:
        return False
    return opts.get("b_sanitize", "none") != "none"


def test_adjudication_session_under_valgrind():
    """No invalid access and no leak through every adjudication key (the
    plain build; an ASan build cannot run valgrind)."""
    if sanitized_build():
        return
    with Workdir() as w:
        setup(w, hostile=True)
        log = os.path.join(w.path, "vg-%p.log")
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s',
               "valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
               "--show-leak-kinds=definite", "--error-exitcode=99", f"--log-file={log}",
               BIN, "--db", w.db, "review", "--conflicts"]
        with Tmux(cmd, width=100, height=30, env={"ASSAY_ANNOTATOR": "lead", "HOME": w.path,
                                                  "XDG_CONFIG_HOME": w.path}) as t:
            t.wait_for("s0  (b)", timeout=60)
            t.keys("r")
            t.wait_for("reject: why?", timeout=30)
            t.keys("9")
            t.wait_for("other reason:", timeout=30)
            t.keys("too dark", literal=True)
            t.keys("Enter")
            t.wait_for("s1  (b)", timeout=30)
            t.keys("e")
            t.wait_for("edit from", timeout=30)
            t.keys("2")
            t.wait_for("Ctrl-S save", timeout=30)
            t.keys(" More.", literal=True)
            t.keys("C-s")
            t.wait_for("s4  (b)", timeout=30)
            t.keys("h", "?")
            t.wait_for("adjudication keys", timeout=30)
            t.keys("x", "2", "q")
            t.wait_for("settled", timeout=60)
            eq(t.wait_exit(timeout=60), 0)
        text = "".join(open(os.path.join(w.path, p)).read() for p in os.listdir(w.path)
                       if p.startswith("vg-"))
        contains(text, "ERROR SUMMARY: 0 errors")
        check("definitely lost: 0 bytes" in text or "definitely lost" not in text, text[-3000:])
        eq(adjudications(w)[0][3], "other: too dark")
