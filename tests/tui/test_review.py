"""The review screen in a real terminal (tmux): every key and view, resizing,
hostile samples, undo across restarts, two annotators at once, kill -9."""
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402


def setup(w, texts=None, n=6):
    texts = texts or [f"Sample number {i}: a grey heron stands in shallow water." for i in range(n)]
    recs = [json.dumps({"id": f"s{i}", "caption": t, "meta": {"model": "m1"}})
            for i, t in enumerate(texts)]
    r = w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
    eq(r.code, 0, r)


def screen(w, *args, annotator="tester", size=(80, 24), env=None):
    e = {"ASSAY_ANNOTATOR": annotator, "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    e.update(env or {})
    cmd = [BIN, "--db", w.db, "review", "--order", "import", *args]
    if os.environ.get("ASSAY_VALGRIND") == "1":
        cmd = ["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
               "--error-exitcode=99",
               f"--log-file={os.environ.get('ASSAY_VALGRIND_LOGS', w.path)}/valgrind-%p.log"] + cmd
    # tmux drops what a program prints just before it exits: a shell keeps
    # the pane alive a moment so the session summary can be read
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s'] + cmd
    return Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)


def verdicts(w):
    return w.sql("SELECT s.ext_id, d.verdict, d.reason FROM decisions d "
                 "JOIN samples s ON s.id = d.sample_id ORDER BY s.id")


def wait_db(w, query, want, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = w.sql(query)
        if got == want:
            return
        time.sleep(0.05)
    eq(w.sql(query), want)


def test_first_screen_layout_and_quit_summary():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("s0  (b)  undecided")
            s = t.wait_for("0/6, 6 left")  # counted once the first frame is up
            contains(s, "assay | ")
            contains(s, "| all batches | tester")
            contains(s, "Sample number 0: a grey heron")
            contains(s, "meta.model: m1")
            contains(s, "a accept")
            contains(s, "? help")
            t.keys("q")
            t.wait_for("reviewed 0 samples in 0m")
            eq(t.wait_exit(), 0)


def test_accept_reject_skip_and_skipped_come_back():
    with Workdir() as w:
        setup(w, n=4)
        with screen(w) as t:
            t.wait_for("s0  (b)")
            t.keys("a")
            t.wait_for("s1  (b)")
            t.keys("r")
            t.wait_for("reject: why?")
            t.keys("2")
            t.wait_for("s2  (b)")
            t.keys("s")
            t.wait_for("s3  (b)")
            t.keys("a")
            # the skipped sample comes back at the end
            t.wait_for("s2  (b)  skipped")
            t.keys("a")
            t.wait_for("Nothing left to review")
            t.keys("q")
            t.wait_for("reviewed 4 samples")
            # per sample, by its last verdict: the skipped one was accepted (the
            # line wraps when a session of over a second adds its rate per hour)
            summary = " ".join(t.screen().split())
            contains(summary, "3 accepted, 0 edited, 1 rejected, 0 skipped")
        eq(verdicts(w), [("s0", "accepted", None), ("s1", "rejected", "factual error"),
                         ("s2", "accepted", None), ("s3", "accepted", None)])


def test_reject_other_reason_and_cancel():
    with Workdir() as w:
        setup(w, n=2)
        with screen(w) as t:
            t.wait_for("s0  (b)")
            t.keys("r")
            t.wait_for("reject: why?")
            t.keys("Escape")
            t.wait_gone("reject: why?")
            eq(verdicts(w), [])
            t.keys("r")
            t.wait_for("9  other")
            t.keys("9")
            t.wait_for("other reason:")
            t.keys("wrong bird", literal=True)
            t.keys("Enter")
            t.wait_for("s1  (b)")
        eq(verdicts(w), [("s0", "rejected", "other: wrong bird")])


def test_reasons_come_from_the_config():
    with Workdir() as w:
        setup(w, n=2)
        w.file("assay.conf", "reasons = blurry, off-topic, other\n")
        with screen(w) as t:
            t.wait_for("s0  (b)")
            t.keys("r")
            s = t.wait_for("2  off-topic")
            check("hallucination" not in s, s)
            t.keys("1")
            t.wait_for("s1  (b)")
        eq(verdicts(w), [("s0", "rejected", "blurry")])


def test_undo_repeatedly_and_across_a_restart():
    with Workdir() as w:
        setup(w, n=4)
        with screen(w) as t:
            t.wait_for("s0  (b)")
            t.keys("a")
            t.wait_for("s1  (b)")
            t.keys("a")
            t.wait_for("s2  (b)")
            t.keys("q")
            t.wait_exit()
        eq(len(verdicts(w)), 2)
        with screen(w) as t:
            t.wait_for("s2  (b)")  # resumes where the annotator stopped
            t.keys("u")
            t.wait_for("undone: back on s1")
            wait_db(w, "SELECT count(*) FROM decisions", [(1,)])
            t.keys("u")
            t.wait_for("undone: back on s0")
            wait_db(w, "SELECT count(*) FROM decisions", [(0,)])
            t.keys("u")
            t.wait_for("nothing to undo")


def test_note_history_goto_and_search():
    with Workdir() as w:
        setup(w, texts=["A heron in water.", "A kingfisher on a branch.", "A swan glides.",
                        "Two herons fly over a marsh."])
        with screen(w) as t:
            t.wait_for("s0  (b)")
            t.keys("n")
            t.wait_for("note:")
            t.keys("check the species", literal=True)
            t.keys("Enter")
            t.wait_for("note tester: check the species")
            t.keys("a")
            t.wait_for("s1  (b)")
            t.keys("h")
            t.wait_for("s0  (b)  accepted")
            t.keys("l")
            t.wait_for("s1  (b)  undecided")
            t.keys("l")
            t.wait_for("decide this one first")
            t.keys("g")
            t.wait_for("go to id:")
            t.keys("s3", literal=True)
            t.keys("Enter")
            t.wait_for("s3  (b)")
            t.keys("/")
            t.wait_for("search:")
            t.keys("SWAN", literal=True)
            t.keys("Enter")
            t.wait_for("s2  (b)")
            t.keys("g")
            t.keys("nope", literal=True)
            t.keys("Enter")
            t.wait_for('no sample with id "nope"')
        eq(w.sql("SELECT text FROM events WHERE kind = 'note'"), [("check the species",)])


def test_builtin_editor_records_an_edit_and_shows_the_diff():
    with Workdir() as w:
        setup(w, texts=["A heron stands in water.", "Second sample."])
        with screen(w) as t:
            t.wait_for("s0  (b)")
            t.keys("e")
            t.wait_for("Ctrl-S save")
            t.keys("End")
            for _ in range(len("in water.")):
                t.keys("BSpace")
            t.keys("on a rock.", literal=True)
            t.keys("C-s")
            t.wait_for("edit saved")
            s = t.wait_for("edited  [diff: d]")
            contains(s, "A heron stands in water on a rock.")
            t.keys("d")
            t.wait_for("A heron stands on a rock.")
            t.keys("d")
            t.wait_for("[diff: d]")
            t.keys("l")
            t.wait_for("s1  (b)")
            t.keys("d")
            t.wait_for("this one is not edited")
        eq(w.sql("SELECT verdict, text FROM decisions"), [("edited", "A heron stands on a rock.")])


def test_external_editor():
    with Workdir() as w:
        setup(w, texts=["A cat sits.", "Second."])
        script = w.file("ed.sh", "#!/bin/sh\nstat -c %a \"$1\" > \"$(dirname \"$0\")/mode\"\n"
                        "sed -i 's/cat/dog/' \"$1\"\n")
        os.chmod(script, 0o755)
        with screen(w, env={"EDITOR": script}) as t:
            t.wait_for("s0  (b)")
            t.keys("E")
            t.wait_for("edit saved")
        eq(w.sql("SELECT text FROM decisions"), [("A dog sits.",)])
        eq(open(os.path.join(w.path, "mode")).read().strip(), "600")


def test_help_overlay_lists_every_key():
    with Workdir() as w:
        setup(w, n=1)
        with screen(w, size=(80, 30)) as t:
            t.wait_for("s0  (b)")
            t.keys("?")
            s = t.wait_for("press any key to close")
            for label in ("accept", "edit in $VISUAL/$EDITOR", "reject", "skip", "undo",
                          "add a note", "previous sample", "next sample", "scroll the text down",
                          "go to a sample by id", "search the text", "word diff", "quit"):
                contains(s, label)
            t.keys("x")
            t.wait_gone("press any key to close")
            eq(verdicts(w), [])


def test_scrolling_a_long_sample():
    with Workdir() as w:
        long = " ".join(f"word{i}" for i in range(900))
        setup(w, texts=[long, "short"])
        with screen(w) as t:
            s = t.wait_for("lines (j/k)")
            check("word0 " in s, s)
            t.keys("j")
            t.wait_for(" 2-")
            t.keys("NPage")
            s = t.wait_gone(" 2-")
            check("word0 " not in s, s)
            t.keys("k")
            t.keys("PPage")
            t.wait_for("word0 ")


def test_resize_down_to_40x12_and_below():
    with Workdir() as w:
        setup(w, n=2)
        with screen(w) as t:
            t.wait_for("s0  (b)")
            t.resize(40, 12)
            s = t.wait_for("s0  (b)")
            contains(s, "a accept")
            t.resize(30, 10)
            t.wait_for("terminal too small")
            t.resize(100, 30)
            s = t.wait_for("s0  (b)")
            contains(s, "meta.model: m1")
            t.keys("a")
            t.wait_for("s1  (b)")


HOSTILE = [
    "Clear \x1b[2J\x1b[31mRED\x1b[0m screen",
    "Clip \x1b]52;c;ZXZpbA==\x07 board",
    "Title \x1b]0;pwned\x07 set",
    "Bidi \u202egnp.exe\u202c file",
    "C1 \u009b31m csi",
    "Family \U0001F468\u200D\U0001F469\u200D\U0001F467 and 猫が座っている",
    "x" * 100000,
]


def test_hostile_samples_are_inert():
    with Workdir() as w:
        setup(w, texts=HOSTILE)
        with screen(w, size=(100, 30)) as t:
            # what each sample shows (waited for: a frame may be captured half drawn)
            expect = {0: "^[[2J^[[31mRED^[[0m", 1: "^[]52;c;ZXZpbA==^G",
                      3: "<U+202E>gnp.exe<U+202C>", 4: "<U+009B>31m", 5: "猫が座っている",
                      6: "x" * 90}
            for i in range(len(HOSTILE)):
                t.wait_for(f"s{i}  (b)")
                if i in expect:
                    t.wait_for(expect[i])
                raw = t.screen_escapes()
                check("\x1b]" not in raw and "\x1bP" not in raw and "\x9b" not in raw, raw)
                t.keys("a")
        # the title of the terminal was never changed
        check("pwned" not in subprocess.run(["tmux", "-L", t.sock, "display", "-p", "#{pane_title}"],
                                            capture_output=True, text=True).stdout)


def test_themes_no_color_and_theme_errors():
    with Workdir() as w:
        setup(w, n=1)
        for theme in ("light", "high-contrast", "mono"):
            with screen(w, "--theme", theme) as t:
                t.wait_for("s0  (b)")
        with screen(w, env={"NO_COLOR": "1"}) as t:
            t.wait_for("s0  (b)")
            check("\x1b[3" not in t.screen_escapes().replace("\x1b[39m", ""),
                  "colours drawn with NO_COLOR")
        bad = w.file("bad.theme", "status.bar = purple-ish\n")
        r = w.run("review", "--theme", bad)
        check(r.code != 0, r)
        contains(r.err, "bad.theme:1:")
        r = w.run("review", "--theme", "no-such-theme")
        check(r.code != 0, r)


def test_review_needs_a_terminal_and_checks_options():
    with Workdir() as w:
        setup(w, n=1)
        r = w.run("review")
        eq(r.code, 2, r)
        contains(r.err, "needs a terminal")
        eq(w.run("review", "--order", "sideways").code, 2)
        eq(w.run("review", "--show", "maybe").code, 2)
        eq(w.run("review", "--overlap", "0").code, 2)


def test_two_annotators_never_share_a_sample():
    with Workdir() as w:
        setup(w, n=10)
        with screen(w, annotator="ann") as a, screen(w, annotator="bob") as b:
            a.wait_for("(b)  undecided")
            b.wait_for("(b)  undecided")
            for _ in range(5):
                a.keys("a")
                b.keys("a")
                time.sleep(0.15)
            a.wait_for("Nothing left")
            b.wait_for("Nothing left")
        rows = w.sql("SELECT s.ext_id, count(*) FROM decisions d JOIN samples s "
                     "ON s.id = d.sample_id GROUP BY s.ext_id")
        eq(len(rows), 10)
        check(all(n == 1 for _, n in rows), rows)
        per = dict(w.sql("SELECT a.name, count(*) FROM decisions d JOIN annotators a "
                         "ON a.id = d.annotator_id GROUP BY a.name"))
        eq(per, {"ann": 5, "bob": 5})


def test_overlap_two_gives_each_sample_to_two_annotators():
    with Workdir() as w:
        setup(w, n=3)
        for who in ("ann", "bob"):
            with screen(w, "--overlap", "2", annotator=who) as t:
                t.wait_for("(b)")
                for _ in range(3):
                    t.keys("a")
                    time.sleep(0.1)
                t.wait_for("Nothing left")
        with screen(w, "--overlap", "2", annotator="eve") as t:
            t.wait_for("Nothing left")  # two annotators decided every sample already
        eq(w.sql("SELECT count(*) FROM decisions GROUP BY sample_id"), [(2,), (2,), (2,)])


def test_kill9_never_loses_a_decision_the_screen_moved_past():
    with Workdir() as w:
        setup(w, n=400)
        rng = random.Random(7)
        moved_past = 0
        kills = counted = furthest = 0
        for _ in range(50):
            with screen(w) as t:
                t.wait_for("(b)  undecided")
                for _ in range(rng.randint(1, 6)):
                    t.keys("a" if rng.random() < 0.8 else "s")
                time.sleep(rng.random() * 0.05)
                # what the screen shows has been committed: the count in the top bar
                s = t.screen()
                t.kill9()
                t.wait_exit()
                kills += 1
                shown = int(s.split("/400")[0].rsplit(" ", 1)[-1]) if "/400" in s else 0
                moved_past = max(moved_past, shown)
                counted += "/400" in s
                # the sample on screen: every one before it (import order) was
                # accepted or skipped, and is in the database
                m = re.search(r"\bs(\d+)  \(b\)", s)
                on_screen = int(m.group(1)) if m else 0
                furthest = max(furthest, on_screen)
            eq(w.sql("PRAGMA integrity_check"), [("ok",)])
            decided = w.sql("SELECT count(*) FROM decisions WHERE verdict <> 'skipped'")[0][0]
            check(decided >= moved_past, (decided, moved_past))
            before = w.sql("SELECT count(*) FROM decisions d JOIN samples s ON s.id = d.sample_id "
                           "WHERE CAST(substr(s.ext_id, 2) AS INTEGER) < ?", on_screen)[0][0]
            eq(before, on_screen, "a sample the screen moved past has no decision")
            eq(w.sql("SELECT count(*) FROM decisions d WHERE NOT EXISTS (SELECT 1 FROM events e "
                     "WHERE e.id = d.event_id)"), [(0,)])
        eq(kills, 50)
        check(counted >= 10, f"the top bar's count was read only {counted} times")
        check(furthest > 50, furthest)


def test_suggestion_from_the_llm_never_blocks_and_can_be_taken():
    from httpd import TestServer
    with Workdir() as w, TestServer() as srv:
        srv.judge = lambda user_text, request: "A grey heron stands on a rock."
        setup(w, texts=["A grey heron stand in water water water.", "Second sample."])
        w.file("assay.conf", "[score.llm-judge]\nendpoint = %s/v1/chat/completions?delay=800\n"
               "model = tiny\n" % srv.url)
        with screen(w, env={"ASSAY_API_KEY": "k-123"}) as t:
            t.wait_for("s0  (b)")
            t.keys("S")
            t.wait_for("[asking...]")
            t.keys("?")  # the screen answers while the request is in flight
            t.wait_for("press any key to close")
            t.keys("x")
            s = t.wait_for("[suggestion: Enter/x]", timeout=15)
            contains(s, "on a rock.")
            t.keys("x")
            t.wait_for("suggestion discarded")
            t.keys("S")
            t.wait_for("[suggestion: Enter/x]", timeout=15)
            t.keys("Enter")
            t.wait_for("Ctrl-S save")
            t.keys("C-s")
            t.wait_for("edit saved")
        eq(w.sql("SELECT verdict, text FROM decisions"),
           [("edited", "A grey heron stands on a rock.")])
        req = [r for r in srv.requests if "chat/completions" in r["path"]][-1]
        eq(req["headers"].get("Authorization"), "Bearer k-123")
    with Workdir() as w:
        setup(w, n=1)
        with screen(w) as t:
            t.wait_for("s0  (b)")
            t.keys("S")
            t.wait_for("S needs an LLM endpoint")


def lease_left_ms(w, ext_id):
    """How long the lease on ext_id has left (negative: expired; None: no lease)."""
    rows = w.sql("SELECT max(l.expires_at) FROM leases l JOIN samples s ON s.id = l.sample_id "
                 "WHERE s.ext_id = ?", ext_id)
    return None if rows[0][0] is None else rows[0][0] - int(time.time() * 1000)


def test_the_lease_is_kept_in_every_view_and_held_while_editing():
    with Workdir() as w:
        setup(w, n=3)
        env = {"ASSAY_LEASE_MS": "2000"}
        with screen(w, annotator="ann", env=env) as t:
            t.wait_for("s0  (b)")
            # each view stays open longer than the lease: it is renewed meanwhile
            for key, shown, close in (("r", "reject: why?", "Escape"), ("n", "note:", "Escape"),
                                      ("?", "press any key to close", "x"),
                                      ("/", "search:", "Escape")):
                t.keys(key)
                t.wait_for(shown)
                time.sleep(2.6)
                left = lease_left_ms(w, "s0")
                check(left is not None and left > 0, (key, left))
                t.keys(close)
                t.wait_gone(shown)
            t.keys("e")
            t.wait_for("Ctrl-S save")
            check(lease_left_ms(w, "s0") > 60 * 60 * 1000, "an editor holds the sample for long")
            time.sleep(2.6)
            # another annotator meanwhile gets the next sample, never this one
            with screen(w, annotator="bob", env=env) as b:
                b.wait_for("s1  (b)")
                b.keys("q")
                b.wait_exit()
            t.keys("Escape")
            t.wait_gone("Ctrl-S save")
            left = lease_left_ms(w, "s0")
            check(left is not None and 0 < left <= 2000, left)  # back to the usual lease
            t.keys("q")
            t.wait_exit()
        # quitting on an undecided sample gives it back at once
        eq(lease_left_ms(w, "s0"), None)


def test_resizing_keeps_every_view_and_its_state():
    with Workdir() as w:
        setup(w, n=3)
        with screen(w) as t:
            t.wait_for("s0  (b)")
            # the reason picker
            t.keys("r")
            t.wait_for("reject: why?")
            t.resize(40, 12)
            t.wait_for("reject: why?")
            t.resize(30, 10)
            time.sleep(0.3)
            t.resize(80, 24)
            t.wait_for("4  repetition")
            t.keys("4")
            t.wait_for("s1  (b)")
            # the prompt keeps what was typed
            t.keys("n")
            t.wait_for("note:")
            t.keys("keep this text", literal=True)
            t.resize(40, 12)
            t.wait_for("keep this text")
            t.resize(100, 30)
            t.wait_for("keep this text")
            t.keys("Enter")
            t.wait_for("note added")
            # the help overlay
            t.keys("?")
            t.wait_for("press any key to close")
            t.resize(40, 12)
            t.wait_for(" keys ")
            t.resize(80, 24)
            t.wait_for("press any key to close")
            t.keys("x")
            t.wait_gone("press any key to close")
            # the editor keeps the edit being made
            t.keys("e")
            t.wait_for("Ctrl-S save")
            t.keys("End")
            t.keys(" EDITED", literal=True)
            t.resize(40, 12)
            t.wait_for("EDITED")
            t.resize(80, 24)
            t.wait_for("EDITED")
            t.keys("C-s")
            t.wait_for("edit saved")
            # the diff view at every size
            t.resize(40, 12)
            t.wait_for("edited")
            t.resize(80, 24)
            s = t.wait_for("EDITED")
            contains(s, "s1  (b)  edited")
        eq(verdicts(w), [("s0", "rejected", "repetition"), ("s1", "edited", None)])
        eq(w.sql("SELECT text FROM events WHERE kind = 'note'"), [("keep this text",)])


def test_arrow_keys_do_what_the_vi_keys_do():
    with Workdir() as w:
        long = " ".join(f"word{i}" for i in range(900))
        setup(w, texts=[long, "short one", "third one"])
        with screen(w) as t:
            t.wait_for("lines (j/k)")
            t.keys("Down")
            t.wait_for(" 2-")
            t.keys("Up")
            t.wait_for(" 1-")
            t.keys("a")
            t.wait_for("s1  (b)")
            t.keys("Left")
            t.wait_for("s0  (b)  accepted")
            t.keys("Right")
            t.wait_for("s1  (b)  undecided")
            t.keys("C-l")
            t.wait_for("s1  (b)  undecided")


def test_hostile_names_metadata_notes_and_reasons_are_inert():
    with Workdir() as w:
        evil = "\x1b]0;pwned\x07\x1b[2J\u202e"
        recs = [json.dumps({"id": "id" + evil, "caption": "A calm lake.",
                            "meta": {"model": "m" + evil, "note": "\x1b]52;c;ZXZpbA==\x07"}}),
                json.dumps({"id": "plain", "caption": "A second lake."})]
        batch = "batch" + evil
        eq(w.run("import", "--no-score", "--batch", batch, w.file("h.jsonl", "\n".join(recs))).code, 0)
        eq(w.run("decide", "--annotator", "x" + evil, "--batch", batch, "id" + evil, "note",
                 "--text", "look" + evil).code, 0)
        eq(w.run("decide", "--annotator", "ann" + evil, "--batch", batch, "id" + evil, "reject",
                 "--reason", "why" + evil).code, 0)
        w.file("assay.conf", "reasons = blurry\u202e, other\n")
        with screen(w, "--show", "rejected", annotator="ann" + evil, size=(120, 30)) as t:
            s = t.wait_for("rejected: why")
            raw = t.screen_escapes()
            check("\x1b]" not in raw and "\u202e" not in s, raw)
            contains(s, "id^[]0;pwned^G^[[2J<U+202E>")
            contains(s, "batch^[]0;pwned^G")
            contains(s, "why^[]0;pwned^G")
            contains(s, "^[]52;c;ZXZpbA==^G")
            contains(s, "note x^[]0;pwned^G")
            contains(s, "look^[]0;pwned^G")
            t.keys("r")
            s = t.wait_for("reject: why?")
            contains(s, "blurry<U+202E>")
            t.keys("Escape")
            t.keys("/")
            t.wait_for("search:")
            t.keys("lake\u202e", literal=True)
            s = t.wait_for("lake<U+202E>")
            t.keys("Enter")
            t.wait_for('no sample contains "lake<U+202E>"')
            t.keys("q")
            t.wait_exit()
        check("pwned" not in subprocess.run(["tmux", "-L", t.sock, "display", "-p", "#{pane_title}"],
                                            capture_output=True, text=True).stdout)


def test_walking_back_keeps_the_next_sample_from_other_annotators():
    with Workdir() as w:
        setup(w, n=4)
        with screen(w, annotator="ann") as a:
            a.wait_for("s0  (b)")
            a.keys("a")
            a.wait_for("s1  (b)  undecided")
            # ann looks back at s0; meanwhile bob starts: s1 is still ann's
            a.keys("h")
            a.wait_for("s0  (b)  accepted")
            with screen(w, annotator="bob") as b:
                b.wait_for("s2  (b)")
                b.keys("a")
                b.wait_for("s3  (b)")
                a.keys("l")
                a.wait_for("s1  (b)  undecided")
                a.keys("a")
                b.keys("a")
                a.wait_for("Nothing left")
                b.wait_for("Nothing left")
        rows = w.sql("SELECT s.ext_id, a.name FROM decisions d JOIN samples s ON s.id = d.sample_id "
                     "JOIN annotators a ON a.id = d.annotator_id ORDER BY s.id")
        eq(rows, [("s0", "ann"), ("s1", "ann"), ("s2", "bob"), ("s3", "bob")])
        eq(w.sql("SELECT count(*) FROM leases"), [(0,)])  # all given back on quit


def test_each_sample_shows_its_own_metadata():
    with Workdir() as w:
        recs = [json.dumps({"id": f"s{i}", "caption": f"Caption {i}.",
                            "meta": {"model": f"model-{i}"}}) for i in range(2)]
        eq(w.run("import", "--no-score", "--batch", "b", "--meta", "meta.model",
                 w.file("m.jsonl", "\n".join(recs))).code, 0)
        with screen(w) as t:
            t.wait_for("meta.model: model-0")
            t.keys("a")
            s = t.wait_for("meta.model: model-1")
            check("model-0" not in s, s)
            t.keys("h")
            t.wait_for("meta.model: model-0")
