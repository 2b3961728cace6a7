"""End-to-end tests of settling conflicting preferences on pairs: which
pairs are conflicts (the preferences compared, not the verdicts), a lead's
`decide --adjudicate ID prefer ...`, and export honouring it (`--format
dpo` and JSONL, a corrected b in b's field)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workdir, contains, eq  # noqa: E402
from test_pairs import jsonl, setup  # noqa: E402

# (pair, [(annotator, prefer, extra)]): p0 a vs b, p1 a vs tie, p2 a vs
# both-bad, p3 agreement on a (one of them corrected it), p4 b vs b, p5 one
# annotator only.
VERDICTS = [
    ("p0", [("ann", "a", []), ("bob", "b", [])]),
    ("p1", [("ann", "a", []), ("bob", "tie", [])]),
    ("p2", [("ann", "a", []), ("bob", "both-bad", ["--reason", "both wrong"])]),
    ("p3", [("ann", "a", []), ("bob", "a", ["--text", "Good answer 3, mended."])]),
    ("p4", [("ann", "b", []), ("bob", "b", [])]),
    ("p5", [("ann", "tie", [])]),
]


def decided(w):
    setup(w)
    for pid, vs in VERDICTS:
        for who, pref, extra in vs:
            r = w.run("decide", "--annotator", who, pid, "prefer", pref, *extra)
            eq(r.code, 0, r)


def test_conflicting_preferences_are_conflicts():
    with Workdir() as w:
        decided(w)
        # a against b is a conflict though both are accepts; a against a
        # corrected a is none (the export keeps the correction)
        r = w.run("info", "--where", "conflict", "--json")
        eq(r.code, 0, r)
        eq(json.loads(r.out)["samples"], 3)
        r = w.run("stats", "--format", "json", "--where", "conflict")
        eq(r.code, 0, r)
        r = w.run("export", "--format", "dpo", "--with", "tie,both-bad")
        eq(r.code, 0, r)
        eq(sorted(g["id"] for g in jsonl(r.out)), ["p3", "p4", "p5"])
        contains(r.err, "3 where annotators disagree")


def test_lead_settles_pairs_and_export_honours_it():
    with Workdir() as w:
        decided(w)
        lead = ["--annotator", "lead", "--adjudicate"]
        eq(w.run("decide", *lead, "p0", "prefer", "b", "--text", "Bad answer 0, mended.").code,
           0)
        eq(w.run("decide", *lead, "p1", "prefer", "tie").code, 0)
        eq(w.run("decide", *lead, "p2", "prefer", "both-bad", "--reason", "off topic").code, 0)
        # the lead overrules the agreement on p4 too
        eq(w.run("decide", *lead, "p4", "prefer", "a").code, 0)
        eq(w.sql("SELECT s.ext_id, j.verdict, j.pref, j.text, j.reason FROM adjudications j "
                 "JOIN samples s ON s.id = j.sample_id ORDER BY s.id"),
           [("p0", "edited", "b", "Bad answer 0, mended.", None),
            ("p1", "accepted", "tie", None, None),
            ("p2", "rejected", "both-bad", None, "off topic"),
            ("p4", "accepted", "a", None, None)])
        eq(w.sql("SELECT kind, verdict, pref FROM events WHERE kind = 'adjudicate' ORDER BY id"),
           [("adjudicate", "edited", "b"), ("adjudicate", "accepted", "tie"),
            ("adjudicate", "rejected", "both-bad"), ("adjudicate", "accepted", "a")])
        r = w.run("export", "--format", "dpo", "--with", "tie,both-bad", "--provenance")
        eq(r.code, 0, r)
        got = {g["id"]: g for g in jsonl(r.out)}
        eq(sorted(got), ["p0", "p1", "p2", "p3", "p4", "p5"])
        eq((got["p0"]["chosen"], got["p0"]["rejected"], got["p0"]["chosen_model"]),
           ("Bad answer 0, mended.", "Good answer 0.", "weak"))
        eq(got["p0"]["_assay"]["adjudicated_by"], "lead")
        eq(got["p0"]["_assay"]["original_chosen"], "Bad answer 0.")
        eq(got["p1"]["preference"], "tie")
        eq(got["p2"]["preference"], "both-bad")
        eq((got["p3"]["chosen"], got["p3"]["_assay"]["adjudicated_by"]),
           ("Good answer 3, mended.", None))
        eq((got["p4"]["chosen"], got["p4"]["rejected"]), ("Good answer 4.", "Bad answer 4."))
        eq(got["p4"]["_assay"]["flipped"], False)
        # settled: no conflict is left for the adjudication screen's walk
        r = w.run("export", "--format", "dpo")
        contains(r.err, "0 where annotators disagree")
        # JSONL: the lead's corrected b goes into b's field, a left as it was
        r = w.run("export", "--format", "jsonl", "--status", "all")
        eq(r.code, 0, r)
        rec = {g["id"]: g for g in jsonl(r.out)}["p0"]
        eq((rec["chosen"], rec["rejected"]), ("Good answer 0.", "Bad answer 0, mended."))


def test_adjudicated_pair_refusals():
    with Workdir() as w:
        decided(w)
        lead = ["--annotator", "lead", "--adjudicate"]
        r = w.run("decide", *lead, "p0", "prefer", "tie", "--text", "x")
        eq(r.code, 2, r)
        contains(r.err, "goes with prefer a or b")
        r = w.run("decide", *lead, "p0", "prefer", "a", "--text", "Good answer 0.")
        eq(r.code, 2, r)
        contains(r.err, "the edit is the same as the original text")
        eq(w.sql("SELECT count(*) FROM adjudications"), [(0,)])
