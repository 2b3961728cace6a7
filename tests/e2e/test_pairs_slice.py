"""Pair figures of a slice: `stats --pairs` with --where, --since and
--until, the report's Pairs section under --where, each equal to the same
figures computed on a database holding only the slice."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import SAMPLE_DATA, Workdir, check, contains, eq  # noqa: E402
from test_report_pairs import rate, tables  # noqa: E402

DAY1, DAY9 = 1767225600000, 1767916800000  # 2026-01-01 and 2026-01-09, UTC


def labels():
    return [json.loads(x) for x in open(os.path.join(SAMPLE_DATA, "pairs-labels.jsonl"),
                                        encoding="utf-8")]


def records():
    return [x for x in open(os.path.join(SAMPLE_DATA, "pairs.jsonl"), encoding="utf-8")
            if x.strip()]


def lines_of(keep_ids=None):
    """ann picks the better one (a tie or both bad now and then), bob the
    first twenty, the other way round on every fourth."""
    ann, bob = [], []
    for i, lab in enumerate(labels()):
        if keep_ids is not None and lab["id"] not in keep_ids:
            continue
        good = "b" if lab["mislabelled"] else "a"
        ann.append({"id": lab["id"],
                    "prefer": "tie" if i % 12 == 5 else "both-bad" if i % 20 == 7 else good})
        if i < 20:
            bob.append({"id": lab["id"], "prefer": ("b" if good == "a" else "a")
                        if i % 4 == 0 else good})
    return ann, bob


def build(w, keep_ids=None, who=("ann", "bob")):
    """The sample pairs (only keep_ids' when given) with the decisions of
    the annotators in who; ann's on 2026-01-01, bob's on 2026-01-09;
    placements by sample and annotator as review would record them."""
    recs = [x for x in records() if keep_ids is None or json.loads(x)["id"] in keep_ids]
    eq(w.run("import", "--no-score", "--batch", "prefs", w.file("p.jsonl", "".join(recs))).code,
       0)
    for name, lines in zip(("ann", "bob"), lines_of(keep_ids)):
        # an annotator left out still gets its id, so placements match
        eq(w.run("decide", "--annotator", name, "--from",
                 w.file(f"{name}.jsonl", "\n".join(map(json.dumps, lines if name in who else []))
                        )).code in (0, 65), True)
    con = sqlite3.connect(w.db)
    con.execute("UPDATE decisions SET placement = CASE WHEN (CAST(substr(s.ext_id, -1) AS"
                " INTEGER) + length(a.name)) % 3 = 0 THEN 'ba' ELSE 'ab' END"
                " FROM samples s, annotators a"
                " WHERE s.id = decisions.sample_id AND a.id = decisions.annotator_id")
    con.execute("UPDATE decisions SET decided_at = CASE (SELECT name FROM annotators a WHERE"
                " a.id = decisions.annotator_id) WHEN 'ann' THEN ? ELSE ? END", (DAY1, DAY9))
    con.commit()
    con.close()


def pairs_json(w, *args):
    r = w.run("stats", "--pairs", "--format", "json", *args)
    eq(r.code, 0, r)
    return json.loads(r.out)["pairs"]


def test_stats_pairs_where_equals_a_database_of_the_slice():
    bob_ids = {lab["id"] for lab in labels()[:20]}
    with Workdir() as full, Workdir() as part:
        build(full)
        build(part, keep_ids=bob_ids)
        sliced = pairs_json(full, "--where", 'annotator = "bob"')
        alone = pairs_json(part)
        eq(sliced["pairs"], 20)
        eq(sliced["verdicts"], 40)
        eq(sliced, alone)
        check(sliced != pairs_json(full), "the slice changes the figures")
        # the report's section under the same slice shows the same figures
        r = full.run("report", "--html", "-", "--where", 'annotator = "bob"')
        eq(r.code, 0, r)
        contains(r.out, "40 preferences on 20 pairs")
        t = tables(r.out)
        eq([row[:5] + row[5:8] for row in t["pairs-models"]],
           [[m["model"], str(m["wins"]), str(m["losses"]), str(m["ties"]), str(m["both_bad"]),
             *rate(m["win_rate"])] for m in alone["models"]])
        eq(t["pairs-flip"][-1][1:4], rate(alone["flip"]))


def test_stats_pairs_since_and_until_equal_a_database_of_those_days():
    with Workdir() as full, Workdir() as bob_only, Workdir() as ann_only:
        build(full)
        build(bob_only, who=("bob",))
        build(ann_only, who=("ann",))
        eq(pairs_json(full, "--since", "2026-01-05"), pairs_json(bob_only))
        eq(pairs_json(full, "--until", "2026-01-05"), pairs_json(ann_only))
        eq(pairs_json(full, "--since", "2026-01-02", "--until", "2026-01-05")["verdicts"], 0)
        # --where and --since together: bob's preferences on a's "sky" pairs
        both = pairs_json(full, "--since", "2026-01-05", "--where", 'text ~ "sky"')
        check(0 < both["verdicts"] < 20, both)
        eq(both, pairs_json(bob_only, "--where", 'text ~ "sky"'))
        r = full.run("stats", "--pairs", "--where", "annotator =")
        eq(r.code, 2, r)


def test_stats_pairs_annotator_and_batch_select_their_preferences():
    """--annotator keeps that annotator's preferences only, as a database
    holding only theirs; --batch that batch's; an unknown name fails."""
    with Workdir() as full, Workdir() as bob_only, Workdir() as ann_only:
        build(full)
        build(bob_only, who=("bob",))
        build(ann_only, who=("ann",))
        eq(pairs_json(full, "--annotator", "bob"), pairs_json(bob_only))
        eq(pairs_json(full, "--annotator", "ann"), pairs_json(ann_only))
        eq(pairs_json(full, "--annotator", "bob", "--batch", "prefs"), pairs_json(bob_only))
        r = full.run("stats", "--pairs", "--annotator", "bob")
        eq(r.code, 0, r)
        contains(r.out, "20 pairs")
        r = full.run("stats", "--pairs", "--annotator", "nobody")
        check(r.code not in (0, 2), r)
        contains(r.err, 'no annotator named "nobody"')
        r = full.run("stats", "--pairs", "--batch", "nothere")
        check(r.code != 0, r)
        contains(r.err, "nothere")


def test_stats_pairs_refuses_what_it_cannot_apply():
    """--by groups decisions, not preferences: refused with --pairs
    (exit 2) rather than silently ignored, as --format csv is."""
    with Workdir() as w:
        build(w)
        for extra in (["--by", "batch"], ["--by", "annotator"], ["--format", "csv"]):
            r = w.run("stats", "--pairs", *extra)
            eq(r.code, 2, r)
            contains(r.err, "--pairs")
            eq(r.out, "")
