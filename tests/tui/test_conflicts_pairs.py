"""`assay review --conflicts` on pairs of candidates, in a real terminal
(tmux): pairs whose annotators' preferences differ (a against b, a against
a tie or both bad) are walked with both candidates named as imported and
every preference with its placement, and settled with the pair's own keys
(a, b, =, 0, e, 1-9, d), at 80x24 and 200x60; export honours the lead."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workdir, check, contains, eq  # noqa: E402
from test_conflicts import screen  # noqa: E402

SIZES = [(80, 24), (200, 60)]

# p6 is an agreement (a against a corrected a): no conflict
VERDICTS = [
    ("p0", [("ann", "a"), ("bob", "b")]),
    ("p1", [("ann", "a"), ("bob", "tie")]),
    ("p2", [("ann", "a"), ("bob", "both-bad", "--reason", "both wrong")]),
    ("p3", [("ann", "b"), ("bob", "tie")]),
    ("p4", [("ann", "a"), ("bob", "b", "--text", "Bad answer 4, mended.")]),
    ("p5", [("ann", "a"), ("bob", "b")]),
    ("p6", [("ann", "a"), ("bob", "a", "--text", "Good answer 6, mended.")]),
    ("p7", [("ann", "tie"), ("bob", "both-bad", "--reason", "off topic")]),
]


def setup(w):
    recs = [{"id": f"p{i}", "prompt": f"Question {i}?", "chosen": f"Good answer {i}.",
             "rejected": f"Bad answer {i}.", "chosen_model": "strong",
             "rejected_model": "weak"} for i in range(8)]
    r = w.run("import", "--no-score", "--batch", "b",
              w.file("p.jsonl", "\n".join(map(json.dumps, recs))))
    eq(r.code, 0, r)
    for pid, vs in VERDICTS:
        for who, pref, *extra in vs:
            r = w.run("decide", "--annotator", who, pid, "prefer", pref, *extra)
            eq(r.code, 0, r)


def adjudications(w):
    return w.sql("SELECT s.ext_id, j.verdict, j.pref, j.text, j.reason IS NOT NULL FROM "
                 "adjudications j JOIN samples s ON s.id = j.sample_id ORDER BY s.id")


def every_key(size):
    with Workdir() as w:
        setup(w)
        with screen(w, size=size) as t:
            s = t.wait_for("p0  (b)  pair, 2 preferences: 1 a, 1 b, 0 tie, 0 both bad")
            contains(s, "7 left, 0 settled")
            contains(s, "Question 0?")
            contains(s, "a  (strong)")
            contains(s, "Good answer 0.")
            contains(s, "b  (weak)")
            contains(s, "Bad answer 0.")
            contains(s, "1  ann  prefers a")
            contains(s, "2  bob  prefers b")
            contains(s, "a a is better")
            t.keys("a")
            s = t.wait_for("p1  (b)  pair, 2 preferences: 1 a, 0 b, 1 tie, 0 both bad")
            contains(s, "p0: settled: a is better")
            t.keys("b")
            s = t.wait_for("p2  (b)  pair")
            contains(s, "2  bob  both bad: both wrong")
            t.keys("=")
            t.wait_for("p3  (b)  pair")
            t.keys("0")
            t.wait_for("why?")
            t.keys("4")
            s = t.wait_for("p4  (b)  pair")
            contains(s, "corrected b:")
            t.keys("2")  # bob's preference for b, with bob's correction
            s = t.wait_for("p5  (b)  pair")
            t.keys("d")  # b as a word diff against a: both words shown
            t.wait_for("Good Bad answer 5.")
            t.keys("d")
            t.wait_gone("Good Bad answer 5.")
            t.keys("e")
            t.wait_for("correct which: a or b")
            t.keys("x")
            t.wait_for("a or b: the candidate to correct")
            t.keys("b")
            t.wait_for("Ctrl-S save")
            t.keys("End")
            t.keys(" Fixed.", literal=True)
            t.keys("C-s")
            s = t.wait_for("p7  (b)  pair")  # p6 agrees: not a conflict
            contains(s, "1  ann  tie")
            contains(s, "2  bob  both bad: off topic")
            t.keys("s")
            t.wait_for("No conflicting sample left")
            t.keys("h")
            t.wait_for("p7  (b)  pair")
            t.keys("h")
            s = t.wait_for("p5  (b)  pair settled by lead: prefers b")
            contains(s, "final (lead):  prefers b")
            t.keys("?")
            s = t.wait_for("previous conflict of this session")
            contains(s, "take N's preference")
            contains(s, "b as a word diff against a")
            t.keys("q")
            t.wait_gone("previous conflict of this session")
            t.keys("q")
            t.wait_for("settled 6 conflicting samples")
            eq(t.wait_exit(), 0)
        got = adjudications(w)
        eq(got[:3], [("p0", "accepted", "a", None, 0), ("p1", "accepted", "b", None, 0),
                     ("p2", "accepted", "tie", None, 0)])
        eq(got[3][:3], ("p3", "rejected", "both-bad"))
        check(got[3][4] == 1, got)
        eq(got[4], ("p4", "edited", "b", "Bad answer 4, mended.", 0))
        eq(got[5], ("p5", "edited", "b", "Bad answer 5. Fixed.", 0))
        eq(len(got), 6)
        r = w.run("export", "--format", "dpo", "--with", "tie,both-bad")
        eq(r.code, 0, r)
        out = {g["id"]: g for g in map(json.loads, r.out.splitlines())}
        eq((out["p1"]["chosen"], out["p1"]["rejected"]), ("Bad answer 1.", "Good answer 1."))
        eq(out["p5"]["chosen"], "Bad answer 5. Fixed.")
        eq(out["p3"]["preference"], "both-bad")
        check("p7" not in out, out)  # still a conflict
        contains(r.err, "1 where annotators disagree")


def test_every_pair_key_80x24():
    every_key(SIZES[0])


def test_every_pair_key_200x60():
    every_key(SIZES[1])


def test_single_samples_and_pairs_in_one_walk():
    with Workdir() as w:
        setup(w)
        r = w.run("import", "--no-score", "--batch", "s",
                  w.file("s.jsonl", json.dumps({"id": "s0", "text": "One caption."})))
        eq(r.code, 0, r)
        eq(w.run("decide", "--annotator", "ann", "s0", "accept").code, 0)
        eq(w.run("decide", "--annotator", "bob", "s0", "reject", "--reason", "x").code, 0)
        with screen(w, "--batch", "s") as t:
            s = t.wait_for("s0  (s)  2 verdicts")
            contains(s, "a accept")  # the single sample's keys
            t.keys("a")
            t.wait_for("No conflicting sample left")
            t.keys("q")
        with screen(w, "--batch", "b") as t:
            s = t.wait_for("p0  (b)  pair")
            contains(s, "b b is better")
            t.keys("b")
            t.wait_for("p1  (b)  pair")
            t.keys("q")
        eq(w.sql("SELECT s.ext_id, j.verdict, j.pref FROM adjudications j "
                 "JOIN samples s ON s.id = j.sample_id ORDER BY s.id"),
           [("p0", "accepted", "b"), ("s0", "accepted", None)])
