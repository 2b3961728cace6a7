"""What a rejection is when pairs and single samples are decided together,
the same in `stats`, the audit dashboard's top bar and the HTML report: a
pair judged both bad is one rejection (of both candidates); a preference
(a, b or a tie) is a decision that rejects nothing, though it prefers one
candidate to the other."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, contains, eq  # noqa: E402
from test_audit import screen  # noqa: E402

DECISIONS = [("p0", ["prefer", "both-bad", "--reason", "both wrong"]),
             ("p1", ["prefer", "a"]), ("p2", ["prefer", "b"]), ("p3", ["prefer", "tie"]),
             ("p4", ["prefer", "b", "--text", "Bad answer 4, mended."]),
             ("s0", ["reject", "--reason", "off topic"]), ("s1", ["accept"])]


def setup(w):
    recs = [{"id": f"p{i}", "prompt": f"Question {i}?", "chosen": f"Good answer {i}.",
             "rejected": f"Bad answer {i}."} for i in range(5)]
    recs += [{"id": f"s{i}", "response": f"A single answer {i}."} for i in range(2)]
    r = w.run("import", "--no-score", "--batch", "b",
              w.file("m.jsonl", "\n".join(map(json.dumps, recs))))
    eq(r.code, 0, r)
    for sid, args in DECISIONS:
        r = w.run("decide", "--annotator", "ann", sid, *args)
        eq(r.code, 0, r)


def test_both_bad_is_a_rejection_a_preference_is_not_in_stats_dashboard_and_report():
    with Workdir() as w:
        setup(w)
        total = json.loads(w.run("stats", "--format", "json").out)["total"]
        # 7 decisions: p0 (both bad) and s0 rejected; p4's corrected b an edit
        eq((total["decided"], total["accepted"], total["edited"], total["rejected"]),
           (7, 4, 1, 2))
        eq(round(total["reject_rate"]["rate"], 4), round(2 / 7, 4))
        want = f"{100 * 2 / 7:.1f}%"
        r = w.run("report", "--html", "r.html")
        eq(r.code, 0, r)
        html = open(os.path.join(w.path, "r.html"), encoding="utf-8").read()
        eq(re.findall(r"<div class='big'>([0-9.]+%)</div>rejected", html), [want])
        with screen(w, size=(120, 30)) as t:
            s = t.wait_for("rejection rate per annotator")
            contains(s.splitlines()[0], f"7 decisions, {want} rejected")
            t.keys("2")  # the reasons: both-bad's reason is one of the rejections'
            s = t.wait_for("share of the rejections")
            contains(s, "both wrong")
            contains(s, "off topic")
            t.keys("q")
