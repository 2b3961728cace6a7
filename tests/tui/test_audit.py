"""`assay audit` in a real terminal (tmux): the bars and percentages of
every panel on a small database decided by several annotators, panel
switching, the read-only drill-down (decision keys do nothing there),
resizing down to 40x12 and below, hostile names inert, filters, themes."""
import json
import math
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq, put_score  # noqa: E402


def wilson(k, n, z=1.959963984540054):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h) if k else 0.0, min(1.0, c + h) if k < n else 1.0


def ci(k, n):
    lo, hi = wilson(k, n)
    return f"{lo * 100:.1f}%-{hi * 100:.1f}%"


# (annotator, sample, verdict, reason or edit)
DECISIONS = [
    ("ann", "s0", "accept", None), ("ann", "s1", "reject", "blurry"),
    ("ann", "s2", "reject", "blurry"), ("ann", "s3", "accept", None),
    ("ann", "s4", "edit", "A corrected caption four."),
    ("bob", "s0", "reject", "factual error"), ("bob", "s1", "reject", "blurry"),
    ("bob", "s2", "accept", None), ("bob", "s3", "accept", None),
    ("cy", "s5", "accept", None), ("cy", "s6", "accept", None), ("cy", "s7", "accept", None),
    ("cy", "t0", "reject", "other: off topic"), ("cy", "t1", "accept", None),
]
# rejected by most (a tie counts): s0, s1, s2, t0; kept: s3-s7, t1
SCORES = {"s0": 0.1, "s1": 0.2, "s2": 0.3, "t0": 0.6,
          "s3": 0.5, "s4": 0.7, "s5": 0.8, "s6": 0.9, "s7": 0.95, "t1": 0.4}


def setup(w, decisions=DECISIONS, scores=True, model="m{}"):
    recs = [json.dumps({"id": f"s{i}", "caption": f"Caption number {i} of the first batch.",
                        "meta": {"model": model.format(1 + i % 2)}}) for i in range(8)]
    eq(w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs))).code, 0)
    recs = [json.dumps({"id": f"t{i}", "caption": f"Caption number {i} of the second batch.",
                        "meta": {"model": "m3"}}) for i in range(2)]
    eq(w.run("import", "--no-score", "--batch", "c", w.file("t.jsonl", "\n".join(recs))).code, 0)
    for who, sid, verdict, extra in decisions:
        args = ["decide", "--annotator", who, sid, verdict]
        if verdict == "reject":
            args += ["--reason", extra]
        if verdict == "edit":
            args += ["--text", extra]
        r = w.run(*args)
        eq(r.code, 0, r)
    if scores:
        con = sqlite3.connect(w.db)
        for sid, v in SCORES.items():
            (n,) = con.execute("SELECT id FROM samples WHERE ext_id = ?", (sid,)).fetchone()
            put_score(con, n, "rep", v, v < 0.35)
        con.commit()
        con.close()


def screen(w, *args, size=(100, 30), env=None):
    e = {"HOME": w.path, "XDG_CONFIG_HOME": w.path, "LANG": "C.UTF-8"}
    e.update(env or {})
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "audit", *args]
    return Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)


def row(s, label):
    """The screen line of the bar labelled `label`."""
    for line in s.splitlines():
        if line[1:].startswith(label + " "):
            return line
    raise AssertionError(f"no bar {label!r} in:\n{s}")


def today():
    return time.strftime("%Y-%m-%d", time.gmtime())


def test_annotator_bars_percentages_and_intervals():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            s = t.wait_for("rejection rate per annotator")
            contains(s, "assay audit | assay.db | all batches")
            contains(s, "14 decisions, 35.7% rejected")
            contains(s, "3 annotators, 95% Wilson interval")
            check(row(s, "ann").rstrip().endswith("40.0% of 5"), s)
            check(row(s, "bob").rstrip().endswith("50.0% of 4"), s)
            check(row(s, "cy").rstrip().endswith("20.0% of 5"), s)
            # the bars are as long as the rates (scale 0..the largest interval end)
            bars = {k: row(s, k).count("\u2588") + row(s, k).count("\u2592") for k in ("ann", "bob", "cy")}
            check(bars["cy"] < bars["ann"] < bars["bob"], bars)
            check("\u2524" in row(s, "cy"), row(s, "cy"))  # the whisker's end
            contains(s, f"ann: 2 of 5 rejected = 40.0% (95% CI {ci(2, 5)}), 1 edited")
            check(row(s, "ann").startswith(">"), s)
            t.keys("Down")
            s = t.wait_for(f"bob: 2 of 4 rejected = 50.0% (95% CI {ci(2, 4)}), 0 edited")
            check(row(s, "bob").startswith(">"), s)
            t.keys("o")  # highest rate first
            s = t.wait_for("ordered by rate")
            lines = [x for x in s.splitlines() if x.rstrip().endswith(("of 5", "of 4"))]
            eq([x[1:4] for x in lines], ["bob", "ann", "cy "])
            t.keys("q")
            eq(t.wait_exit(), 0)


def test_panels_reasons_batches_models_days_scorers():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("Tab")
            t.wait_for("share of the rejections per reason")
            s = t.wait_for("60.0% of 5")  # the figures, not only the title
            check(row(s, "blurry").rstrip().endswith("60.0% of 5"), s)
            check(row(s, "factual error").rstrip().endswith("20.0% of 5"), s)
            check(row(s, "other: off topic").rstrip().endswith("20.0% of 5"), s)
            check("(not rejected)" not in s, s)
            contains(s, f"blurry: 3 of 5 rejections = 60.0% (95% CI {ci(3, 5)})")
            t.keys("3")
            t.wait_for("rejection rate per batch")
            s = t.wait_for("33.3% of 12")
            check(row(s, "b").rstrip().endswith("33.3% of 12"), s)
            check(row(s, "c").rstrip().endswith("50.0% of 2"), s)
            t.keys("4")
            t.wait_for("rejection rate per model (meta.model)")
            s = t.wait_for("33.3% of 6")
            check(row(s, "m1").rstrip().endswith("33.3% of 6"), s)
            check(row(s, "m2").rstrip().endswith("33.3% of 6"), s)
            check(row(s, "m3").rstrip().endswith("50.0% of 2"), s)
            t.keys("5")
            s = t.wait_for(f"{today()}: 5 of 14 rejected = 35.7%")
            contains(s, "decisions and rejection rate per day (UTC)")
            contains(s, f"1 day, {today()} to {today()}")
            contains(s, " 14-14")
            check(any(x.startswith(" decisions \u2584") for x in s.splitlines()), s)
            t.keys("6")
            t.wait_for("scorers against the human verdict")
            s = t.wait_for("rejected (4) | kept (6)")
            rep = row(s, "rep")
            contains(rep, "10  0.917")  # 22 of 24 (rejected, kept) pairs ordered right
            contains(s, "rejected (4) | kept (6)")
            t.keys("Enter")
            t.wait_for("a scorer row has no samples to open")
            t.keys("BTab")
            t.wait_for("decisions and rejection rate per day")
            t.keys("Tab", "Tab")
            t.wait_for("the samples behind the figures")
            t.keys("Tab")
            t.wait_for("No pair has a preference here.")
            t.keys("Tab")
            t.wait_for("rejection rate per annotator")


def test_drill_down_opens_the_rejections_read_only():
    with Workdir() as w:
        setup(w)
        before = w.dump()
        with screen(w) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("Down")
            t.wait_for("bob: 2 of 4")
            t.keys("Enter")
            s = t.wait_for("s0  (b)  rejected: factual error")
            contains(s, "rejections by bob")
            contains(s, "read-only: bob's verdict, 1 of 2")
            contains(s, "Caption number 0 of the first batch.")
            check("a accept" not in s and "? help" in s, s)
            for k in ("a", "r", "e", "s", "u", "n", "E", "g", "/"):
                t.keys(k)
                t.wait_for(f"read-only: {k} does nothing here")
            t.keys("Escape")
            t.keys("l")
            s = t.wait_for("s1  (b)  rejected: blurry")
            contains(s, "2/2")
            t.keys("l")
            t.wait_for("this is the last of the 2")
            t.keys("h")
            t.wait_for("s0  (b)")
            t.keys("h")
            t.wait_for("this is the first of the 2")
            t.keys("q")
            s = t.wait_for("rejection rate per annotator")
            contains(s, "bob: 2 of 4")
            # a reason's rejections, by whoever made them
            t.keys("2")
            t.wait_for("share of the rejections per reason")
            t.keys("Home")
            t.wait_for("blurry: 3 of 5")
            t.keys("Enter")
            s = t.wait_for("rejections for blurry")
            contains(s, "s1  (b)  rejected: blurry")
            contains(s, "read-only: ann's verdict, 1 of 3")
            t.keys("l")
            t.wait_for("read-only: bob's verdict, 2 of 3")
            t.keys("l")
            s = t.wait_for("read-only: ann's verdict, 3 of 3")
            contains(s, "s2  (b)  rejected: blurry")
            t.keys("q")
            # all of a batch's decisions, edits with their diff
            t.keys("3")
            t.wait_for("rejection rate per batch")
            t.keys("a")
            t.wait_for("decisions in batch b")
            t.wait_for("verdict, 1 of 12")
            for _ in range(8):
                t.keys("l")
            s = t.wait_for("s4  (b)  edited")
            contains(s, "A corrected caption four.")
            t.keys("d")
            s = t.wait_for("s4  (b)  edited  [diff: d]")
            contains(s, "Caption number 4 of the first batch A corrected caption four.")
            t.keys("q")
            # a day's rejections
            t.keys("5")
            t.wait_for("per day")
            t.keys("Enter")
            t.wait_for(f"rejections on {today()}")
            contains(t.screen(), "1 of 5")
            t.keys("q")
            t.wait_for("per day")
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(w.dump(), before)


def test_a_bar_without_rejections_and_the_model_drill_down():
    with Workdir() as w:
        setup(w, decisions=DECISIONS + [("dee", "s5", "accept", None)])
        with screen(w) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("End")
            t.wait_for("dee: 0 of 1 rejected = 0.0%")
            t.keys("Enter")
            t.wait_for("no rejections behind this bar")
            t.keys("4", "End")
            t.wait_for("m3: 1 of 2 rejected")
            t.keys("Enter")
            s = t.wait_for("rejections of model m3")
            contains(s, "t0  (c)  rejected: other: off topic")
            contains(s, "read-only: cy's verdict, 1 of 1")


def test_the_missing_model_bar_opens_only_samples_without_a_model():
    """A model literally named "(none)" is a value: the bar of samples
    without meta.model lists only those."""
    with Workdir() as w:
        setup(w)
        recs = [json.dumps({"id": "n0", "caption": "A literal none model.", "meta": {"model": "(none)"}}),
                json.dumps({"id": "n1", "caption": "Another literal none.", "meta": {"model": "(none)"}}),
                json.dumps({"id": "x0", "caption": "A sample without a model.", "meta": {}})]
        eq(w.run("import", "--no-score", "--batch", "d", w.file("n.jsonl", "\n".join(recs))).code, 0)
        for sid in ("n0", "x0"):
            eq(w.run("decide", "--annotator", "ann", sid, "reject", "--reason", "blurry").code, 0)
        eq(w.run("decide", "--annotator", "ann", "n1", "accept").code, 0)
        with screen(w) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("4")
            t.wait_for("rejection rate per model")
            t.keys("Home")
            s = t.wait_for("(none): 1 of ")
            if "(none): 1 of 2 rejected" in s:  # the literal one: the other bar
                t.keys("Down")
                t.wait_for("(none): 1 of 1 rejected")
            t.keys("Enter")
            s = t.wait_for("x0  (d)  rejected: blurry")
            contains(s, "read-only: ann's verdict, 1 of 1")
            t.keys("q")
            t.wait_for("rejection rate per model")


def test_resize_to_40x12_and_below():
    with Workdir() as w:
        setup(w)
        with screen(w, size=(80, 24)) as t:
            t.wait_for("rejection rate per annotator")
            t.resize(40, 12)
            s = t.wait_for(" 1 annotators ")
            check(row(s, "ann").rstrip().endswith("40.0%"), s)
            contains(s, "ann: 2 of 5")
            t.resize(39, 12)
            t.wait_for("terminal too small")
            t.resize(40, 11)
            t.wait_for("terminal too small")
            t.keys("6")  # keys still work while too small
            t.resize(40, 12)
            s = t.wait_for("scorers against")
            t.resize(100, 30)
            s = t.wait_for("rejected (4) | kept (6)")
            t.keys("5")
            t.resize(40, 12)
            t.wait_for("per day")
            t.keys("?")
            t.wait_for("audit keys")
            t.resize(60, 20)  # the dashboard is redrawn behind the help
            s = t.wait_for("audit keys")
            contains(s, "1-8")
            t.keys("x")
            t.wait_gone("audit keys")


HOSTILE = "evil \x1b[31mRED\x1b]0;pwned\x07 \u202eeman"


def test_hostile_names_reasons_batches_and_models_are_inert():
    with Workdir() as w:
        setup(w, decisions=DECISIONS + [(HOSTILE, "s6", "reject", HOSTILE)], model=HOSTILE + "{}")
        with screen(w) as t:
            s = t.wait_for("rejection rate per annotator")
            for k in ("1", "2", "4", "1"):
                t.keys(k)
                time.sleep(0.3)
                raw = t.screen_escapes()
                check("\x1b]" not in raw and "\x1b[31m" not in raw and "\x9b" not in raw, raw)
            t.keys("End")
            s = t.wait_for("evil ^[[31mRED^[]0;pwned^G <U+202E>eman: 1 of 1 rejected")
            t.keys("Enter")
            s = t.wait_for("read-only: evil ^[[31mRED")
            contains(s, "rejected: evil ^[[31mRED^[]0;pwned^G <U+202E>eman")
            title = subprocess.run(["tmux", "-L", t.sock, "display", "-p", "#{pane_title}"],
                                   capture_output=True, text=True).stdout
            check("pwned" not in title, title)


def test_ascii_when_the_locale_is_not_utf8_and_themes():
    with Workdir() as w:
        setup(w)
        with screen(w, env={"LANG": "C", "LC_ALL": "C"}) as t:
            s = t.wait_for("rejection rate per annotator")
            check("#" in row(s, "bob") and "\u2588" not in s, s)
            check("|" in row(s, "cy"), row(s, "cy"))
            t.keys("5")
            s = t.wait_for(" 14-14")  # one day: the sparkline at mid-height
            check(any(x.startswith(" decisions -") for x in s.splitlines()), s)
        for theme in ("light", "high-contrast", "mono"):
            with screen(w, "--theme", theme) as t:
                t.wait_for("40.0% of 5")
        with screen(w, env={"NO_COLOR": "1"}) as t:
            t.wait_for("40.0% of 5")
            check("\x1b[3" not in t.screen_escapes().replace("\x1b[39m", ""),
                  "colours drawn with NO_COLOR")


def test_filters_empty_database_and_errors():
    with Workdir() as w:
        setup(w)
        with screen(w, "--batch", "c") as t:
            s = t.wait_for("rejection rate per annotator")
            contains(s, "assay audit | assay.db | c")
            contains(s, "2 decisions, 50.0% rejected")
            check(row(s, "cy").rstrip().endswith("50.0% of 2"), s)
            check(not any(x.startswith((" ann ", ">ann ")) for x in s.splitlines()), s)
            t.keys("Enter")
            s = t.wait_for("rejections by cy")
            contains(s, "t0  (c)")
            contains(s, "1 of 1")
            t.keys("q")
            t.keys("6")
            t.wait_for("all decisions (no filter)")
        with screen(w, "--since", "2000-01-01", "--until", "2000-01-02") as t:
            s = t.wait_for("No decisions here.")
            contains(s, "| 2000-01-01..2000-01-01")
            t.keys("2")
            t.wait_for("No rejections here.")
            t.keys("Enter")  # nothing to open
            t.keys("5")
            t.wait_for("No decisions here.")
        with screen(w, "--batch", "nope") as t:
            t.wait_for('no batch named "nope"')
        r = w.run("audit")
        eq(r.code, 2, r)
        contains(r.err, "needs a terminal")
        r = w.run("audit", "--since", "yesterday")
        eq(r.code, 2, r)
        r = w.run("audit", "--since", "2026-01-02", "--until", "2026-01-01")
        eq(r.code, 2, r)
        contains(r.out + r.err, "--until must come after --since")
    with Workdir() as w:
        eq(w.run("import", "--no-score", "--batch", "b",
                 w.file("s.jsonl", json.dumps({"id": "x", "caption": "One."}))).code, 0)
        with screen(w) as t:
            s = t.wait_for("No decisions here.")
            contains(s.splitlines()[0], "0 decisions, - rejected")
            contains(s, "0 annotators")
            t.keys("6")
            t.wait_for("No scored sample has a human verdict yet.")
            t.keys("q")
            eq(t.wait_exit(), 0)


def sanitized_build():
    out = subprocess.run(["meson", "introspect", "--buildoptions",
                          os.environ.get("ASSAY_BUILD", "")], capture_output=True, text=True).stdout
    try:
        opts = {o["name"]: o["value"] for o in json.loads(out)}
    except ValueError:
        return False
    return opts.get("b_sanitize", "none") != "none"


def test_dashboard_and_drill_down_under_valgrind():
    """No invalid access and no leak through every panel and a drill-down
    (the plain build; an ASan build cannot run valgrind)."""
    if sanitized_build():
        return
    with Workdir() as w:
        setup(w, decisions=DECISIONS + [(HOSTILE, "s6", "reject", HOSTILE)])
        log = os.path.join(w.path, "vg-%p.log")
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s',
               "valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
               "--show-leak-kinds=definite", "--error-exitcode=99", f"--log-file={log}",
               BIN, "--db", w.db, "audit"]
        with Tmux(cmd, width=100, height=30, env={"HOME": w.path, "LANG": "C.UTF-8"}) as t:
            t.wait_for("40.0% of 5", timeout=60)
            for k in ("2", "3", "4", "5", "6"):
                t.keys(k)
                time.sleep(0.5)
            t.wait_for("rejected (5) | kept (5)", timeout=30)
            t.keys("1", "Down")
            t.wait_for("bob: 2 of 4", timeout=30)
            t.keys("Enter")
            t.wait_for("bob's verdict, 1 of 2", timeout=30)
            t.keys("l", "a", "q")
            t.wait_for("rejection rate per annotator", timeout=30)
            t.keys("o", "R", "?")
            t.wait_for("audit keys", timeout=30)
            t.keys("x", "q")
            eq(t.wait_exit(timeout=60), 0)
        text = "".join(open(os.path.join(w.path, p)).read() for p in os.listdir(w.path)
                       if p.startswith("vg-"))
        contains(text, "ERROR SUMMARY: 0 errors")
        check("definitely lost: 0 bytes" in text or "definitely lost" not in text, text[-3000:])


def test_where_slices_every_panel_and_shows_the_filter_in_the_top_bar():
    with Workdir() as w:
        setup(w)
        # model m1: s0, s2, s4, s6 (batch b); ann s0 s2 s4, bob s0 s2, cy s6
        with screen(w, "--where", "meta.model=m1", size=(120, 30)) as t:
            s = t.wait_for("rejection rate per annotator")
            contains(s, 'assay audit | assay.db | all batches | where meta.model = "m1"')
            contains(s, "6 decisions, 33.3% rejected")
            check(row(s, "ann").rstrip().endswith("33.3% of 3"), s)
            check(row(s, "bob").rstrip().endswith("50.0% of 2"), s)
            check(row(s, "cy").rstrip().endswith("0.0% of 1"), s)
            t.keys("6")  # scorers: s0 s2 rejected by most (0.1, 0.3), s4 s6 kept (0.7, 0.9)
            s = t.wait_for("scorers against the human verdict")
            check("rep" in s, s)
            t.keys("q")
            eq(t.wait_exit(), 0)
        r = w.run("audit", "--where", "meta.model =")
        eq(r.code, 2, r)
        contains(r.err, "assay: --where: column 13: ")


def test_the_drill_down_shows_what_an_instruction_sample_answers():
    """The read-only walk draws the same context pane as the review
    screen: the instruction and input above the response, labelled, J/K
    scroll it and c folds it (not decision keys), at 80x24 and 200x60."""
    recs = [{"id": "i0", "instruction": "Draw a logo for a bakery. " * 30 + "INSTR-END",
             "input": "The bakery is called Crumb.", "output": "I cannot draw. RESPONSE-0"},
            {"id": "i1", "instruction": "Add 2 and 4.", "input": "", "output": "6"}]
    for size in ((80, 24), (200, 60)):
        with Workdir() as w:
            eq(w.run("import", "--no-score", "--batch", "tasks",
                     w.file("t.jsonl", "\n".join(json.dumps(r) for r in recs))).code, 0)
            eq(w.run("decide", "--annotator", "ann", "i0", "reject", "--reason",
                     "impossible task").code, 0)
            eq(w.run("decide", "--annotator", "ann", "i1", "accept").code, 0)
            before = w.dump()
            with screen(w, size=size) as t:
                t.wait_for("ann: 1 of 2")
                t.keys("Enter")
                s = t.wait_for("i0  (tasks)  rejected: impossible task")
                s = t.wait_for("RESPONSE-0")
                contains(s, "read-only: ann's verdict, 1 of 1")
                lines = s.splitlines()
                at = [i for i, r in enumerate(lines) if "instruction: Draw a logo" in r]
                check(at and at[0] < [i for i, r in enumerate(lines) if "RESPONSE-0" in r][0], s)
                if size == (80, 24):
                    # more than a third of the rows: scrolled on its own keys
                    contains(s, "(J/K, c folds)")
                    check("input: The bakery" not in s, s)
                    for _ in range(20):
                        t.keys("J")
                    s = t.wait_for("input: The bakery is called Crumb.")
                    contains(s, "RESPONSE-0")
                else:
                    contains(s, "input: The bakery is called Crumb.")
                t.keys("c")
                s = t.wait_for("context: 2 fields, ")
                check("instruction: Draw" not in s, s)
                contains(s, "RESPONSE-0")
                t.keys("c")
                t.wait_for("INSTR-END")
                t.keys("q")
                t.wait_for("rejection rate per annotator")
                t.keys("q")
                eq(t.wait_exit(), 0)
            eq(w.dump(), before)
