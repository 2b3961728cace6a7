"""An edit saved on the review screen is scored on its corrected text at
once (the built-in text scorers), and the screen shows each changed score
as the original's value, an arrow and the correction's ("0.09 -> 1.00"),
with the combined score likewise; the audit drill-down shows them too;
an undone edit shows the original's alone. In a real terminal (tmux)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402

FLAWED = ("As an AI language model, I cannot see the image. The the the the image image"
          " image.")
FIXED = "A grey heron stands in shallow water at dawn."


def setup(w):
    recs = [{"id": "s0", "caption": FLAWED}, {"id": "s1", "caption": "A swan on a lake."}]
    r = w.run("import", "--batch", "b", w.file("s.jsonl", "\n".join(json.dumps(x) for x in recs)))
    eq(r.code, 0, r)


def screen(w, *args, size=(80, 24), env=None):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    e.update(env or {})
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, *args]
    return Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)


def editor(w):
    script = w.file("ed.sh", f"#!/bin/sh\nprintf '%s' '{FIXED}' > \"$1\"\n")
    os.chmod(script, 0o755)
    return {"EDITOR": script, "VISUAL": script}


def test_an_edit_saved_on_the_screen_shows_its_corrected_scores():
    for size in ((80, 24), (200, 60)):
        with Workdir() as w:
            setup(w)
            with screen(w, "review", "--order", "import", size=size, env=editor(w)) as t:
                s = t.wait_for("s0  (b)")
                check(" -> " not in s, "no arrow before an edit")
                contains(s, "artifacts    0.04")
                t.keys("E")
                t.wait_for("edit saved")
                s = t.wait_for("repetition   0.09 -> 1.00")
                contains(s, "artifacts    0.04 -> 1.00")
                # the flag follows the corrected text: no "!" left on those rows
                check(not re.search(r"! (artifacts|repetition) ", s), s)
                contains(s, "quality      0.00 -> 1.00  combined score")
                # the next sample has no edit, no arrow
                t.keys("l")
                s = t.wait_for("s1  (b)")
                check(" -> " not in s, "an unedited sample shows one value")
                # back on the edited one: read from the store again
                t.keys("h")
                t.wait_for("repetition   0.09 -> 1.00")
                # undone: the original's scores alone
                t.keys("u")
                t.wait_for("undone")
                s = t.wait_for("artifacts    0.04")
                check(" -> " not in s, "an undone edit's scores are not shown: " + s)
            got = w.sql("SELECT e.scorer, e.value, e.flagged FROM edit_scores e"
                        " WHERE e.scorer IN ('artifacts', 'repetition') ORDER BY e.scorer")
            eq(got, [("artifacts", 1.0, 0), ("repetition", 1.0, 0)])


def test_the_audit_drill_down_shows_an_edit_beside_the_original():
    with Workdir() as w:
        setup(w)
        r = w.run("decide", "--annotator", "ann", "s0", "edit", "--text", FIXED)
        eq(r.code, 0, r)
        with screen(w, "audit", size=(120, 40)) as t:
            t.wait_for("rejection rate per annotator")
            # all of the batch's decisions: the edit among them
            t.keys("3")
            t.wait_for("rejection rate per batch")
            t.keys("a")
            t.wait_for("decisions in batch b")
            s = t.wait_for("s0  (b)  edited")
            s = t.wait_for("repetition   0.09 -> 1.00")
            contains(s, "quality      0.00 -> 1.00")
            contains(s, "read-only: ann's verdict, 1 of 1")


def test_a_leads_edit_in_review_conflicts_is_scored_as_saved():
    with Workdir() as w:
        setup(w)
        eq(w.run("decide", "--annotator", "ann", "s0", "accept").code, 0)
        eq(w.run("decide", "--annotator", "bob", "s0", "edit", "--text",
                 "As an AI, I cannot see it. A heron.").code, 0)
        # bob's correction was scored by decide: still flagged for "As an AI"
        eq(w.sql("SELECT flagged FROM edit_scores WHERE scorer = 'artifacts'"), [(1,)])
        e = {"ASSAY_ANNOTATOR": "lead"}
        with screen(w, "review", "--conflicts", size=(100, 30), env=e) as t:
            t.wait_for("s0  (b)")
            t.keys("e")
            t.wait_for("edit from")
            t.keys("2")  # bob's edit, into the editor
            t.wait_for("Ctrl-S save")
            t.keys("C-a")
            for _ in range(len("As an AI, I cannot see it. ")):
                t.keys("Delete")
            t.keys("C-s")
            t.wait_for("0 left, 1 settled")
        eq(w.sql("SELECT verdict, text FROM adjudications"), [("edited", "A heron.")])
        # the lead's text was scored as it was saved, before any `assay score`
        eq(w.sql("SELECT flagged FROM edit_scores WHERE scorer = 'artifacts'"), [(0,)])
