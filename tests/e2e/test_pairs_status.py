"""End-to-end tests of how a pair's outcome is judged outside the dpo
export: the ordinary JSONL export with --status judges a pair by its
preferences as the adjudication screen compares them (a against b is a
conflict though both are accepts, a against a corrected a is none)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, eq  # noqa: E402


def setup(w, n=7):
    recs = [{"id": f"p{i}", "prompt": f"Question {i}?", "chosen": f"Good answer {i}.",
             "rejected": f"Bad answer {i}."} for i in range(n)]
    r = w.run("import", "--no-score", "--batch", "b",
              w.file("p.jsonl", "\n".join(map(json.dumps, recs))))
    eq(r.code, 0, r)


# (annotator, pair, preference, corrected text or None)
DECISIONS = [("ann", "p0", "a", None), ("bob", "p0", "b", None),        # a vs b
             ("ann", "p1", "a", None), ("bob", "p1", "a", "Good, fixed."),  # a vs a fixed
             ("ann", "p2", "tie", None), ("bob", "p2", "a", None),      # tie vs a
             ("ann", "p3", "both-bad", None), ("bob", "p3", "both-bad", None),
             ("ann", "p4", "a", None), ("bob", "p4", "both-bad", None),  # a vs both bad
             ("ann", "p5", "b", None),
             ("ann", "p6", "a", None), ("bob", "p6", "a", None), ("cy", "p6", "b", None)]


def decide_all(w):
    for who, pid, pref, text in DECISIONS:
        args = ["decide", "--annotator", who, pid, "prefer", pref]
        if pref == "both-bad":
            args += ["--reason", "both wrong"]
        if text:
            args += ["--text", text]
        r = w.run(*args)
        eq(r.code, 0, r)


def exported(w, *args):
    r = w.run("export", *args)
    eq(r.code, 0, r)
    return [json.loads(x) for x in r.out.splitlines()]


def ids(recs):
    return [x["id"] for x in recs]


def test_export_status_conflict_compares_preferences():
    with Workdir() as w:
        setup(w)
        decide_all(w)
        eq(ids(exported(w, "--status", "conflict")), ["p0", "p2", "p4", "p6"])
        # the same pairs the adjudication screen and the conflict slice find
        eq(ids(exported(w, "--status", "all", "--where", "conflict")),
           ["p0", "p2", "p4", "p6"])
        kept = exported(w)  # accepted,edited
        eq(ids(kept), ["p1", "p5"])
        eq(kept[0]["chosen"], "Good, fixed.")  # a corrected a: edited, not a conflict
        eq(ids(exported(w, "--status", "rejected")), ["p3"])
        # majority: two a against one b settles p6 on a; one against one stays a conflict
        eq(ids(exported(w, "--status", "conflict", "--resolve", "majority")),
           ["p0", "p2", "p4"])
        eq(ids(exported(w, "--resolve", "majority")), ["p1", "p5", "p6"])
        # any-reject: a both-bad rejects the pair
        eq(ids(exported(w, "--status", "rejected", "--resolve", "any-reject")), ["p3", "p4"])
