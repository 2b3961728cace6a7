"""End-to-end tests of candidate b's scores: the rule scorers score b with
the pair's prompt as its context, exactly as they score the same text
imported as a single sample; `assay score` scores what lacks a current
score, --rescore and --scorer score again."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, eq  # noqa: E402

RULES = ["artifacts", "charset", "gopher", "hedging", "length", "repetition", "task",
         "truncation"]
B_TEXTS = ["bad bad bad bad bad bad bad bad bad bad bad bad",
           "As an AI language model, I cannot answer that",
           "The answer is four, because two and two make four."]


def b_scores(w, ext_id):
    rows = w.sql("SELECT ps.scorer, ps.value, ps.flagged, ps.reason, ps.version "
                 "FROM pair_scores ps JOIN samples s ON s.id = ps.sample_id "
                 "WHERE s.ext_id = ? ORDER BY ps.scorer", ext_id)
    return {r[0]: {"value": r[1], "flagged": bool(r[2]), "reason": r[3], "version": r[4]}
            for r in rows}


def test_b_scored_as_the_same_text_alone():
    with Workdir() as w:
        recs = [{"id": f"p{i}", "prompt": f"What is two and two? ({i})",
                 "chosen": "Four: two and two make four.", "rejected": t}
                for i, t in enumerate(B_TEXTS)]
        singles = [{"id": f"s{i}", "prompt": f"What is two and two? ({i})", "response": t}
                   for i, t in enumerate(B_TEXTS)]
        r = w.run("import", "--batch", "pairs", w.file("p.jsonl", "\n".join(map(json.dumps, recs))))
        eq(r.code, 0, r)
        r = w.run("import", "--batch", "alone", "--context", "prompt",
                  w.file("s.jsonl", "\n".join(map(json.dumps, singles))))
        eq(r.code, 0, r)
        r = w.run("export", "--batch", "alone", "--status", "all", "--provenance")
        eq(r.code, 0, r)
        alone = [json.loads(x) for x in r.out.splitlines()]
        flagged = 0
        for i, rec in enumerate(alone):
            want = {k: v for k, v in rec["_assay"]["scores"].items() if k in RULES}
            eq(sorted(want), RULES)
            got = b_scores(w, f"p{i}")
            eq(got, want)
            flagged += sum(v["flagged"] for v in got.values())
        check(flagged >= 3, flagged)  # the texts were chosen to be flagged


def test_score_scores_b_when_not_current_and_again_when_asked():
    with Workdir() as w:
        recs = [{"id": "p0", "prompt": "Q?", "chosen": "A fine answer.", "rejected": B_TEXTS[0]}]
        r = w.run("import", "--no-score", "--batch", "b",
                  w.file("p.jsonl", "\n".join(map(json.dumps, recs))))
        eq(r.code, 0, r)
        eq(b_scores(w, "p0"), {})
        r = w.run("score", "--scorer", "length")
        eq(r.code, 0, r)
        eq(sorted(b_scores(w, "p0")), ["length"])
        r = w.run("score")
        eq(r.code, 0, r)
        eq(sorted(b_scores(w, "p0")), RULES)
        at = dict(w.sql("SELECT scorer, scored_at FROM pair_scores"))
        r = w.run("score")  # all current: nothing written
        eq(dict(w.sql("SELECT scorer, scored_at FROM pair_scores")), at)
        r = w.run("score", "--rescore", "--scorer", "repetition")
        eq(r.code, 0, r)
        now = dict(w.sql("SELECT scorer, scored_at FROM pair_scores"))
        check(now["repetition"] > at["repetition"], (at, now))
        eq({k: v for k, v in now.items() if k != "repetition"},
           {k: v for k, v in at.items() if k != "repetition"})
        # a changed setting is another version: b is scored again with it
        before = b_scores(w, "p0")["length"]["version"]
        r = w.run("score", "--set", "score.length.min_words=20")
        eq(r.code, 0, r)
        after = b_scores(w, "p0")["length"]["version"]
        check(after != before, after)
        r = w.run("export", "--status", "all", "--provenance")
        eq(json.loads(r.out.splitlines()[0])["_assay"]["scores"]["length"]["version"], after)


def test_export_provenance_has_b_scores_and_each_preference():
    """export --provenance (JSONL and --format dpo) carries candidate b's
    scores as "b_scores", in the shape of a's "scores", and per decision
    the preference and which candidate was on the left."""
    with Workdir() as w:
        recs = [{"id": f"p{i}", "prompt": f"What is two and two? ({i})",
                 "chosen": "Four: two and two make four.", "rejected": t}
                for i, t in enumerate(B_TEXTS)]
        r = w.run("import", "--batch", "pairs", w.file("p.jsonl", "\n".join(map(json.dumps, recs))))
        eq(r.code, 0, r)
        for i in range(3):
            eq(w.run("decide", "--annotator", "ann", f"p{i}", "prefer", "a").code, 0)
        eq(w.run("decide", "--annotator", "bob", "p0", "prefer", "a").code, 0)
        con = sqlite3.connect(w.db)
        con.execute("UPDATE decisions SET placement = 'ba' WHERE annotator_id ="
                    " (SELECT id FROM annotators WHERE name = 'bob')")
        con.commit()
        con.close()
        r = w.run("export", "--status", "all", "--provenance")
        eq(r.code, 0, r)
        plain = {json.loads(x)["id"]: json.loads(x)["_assay"] for x in r.out.splitlines()}
        r = w.run("export", "--format", "dpo", "--provenance")
        eq(r.code, 0, r)
        dpo = {json.loads(x)["id"]: json.loads(x)["_assay"] for x in r.out.splitlines()}
        eq(sorted(plain), ["p0", "p1", "p2"])
        eq(sorted(dpo), ["p0", "p1", "p2"])
        for ext_id in plain:
            want = b_scores(w, ext_id)
            eq(sorted(want), RULES)
            for p in (plain[ext_id], dpo[ext_id]):
                eq(p["b_scores"], want)
                eq(sorted(p["scores"]), sorted(set(RULES) | set(plain[ext_id]["scores"])))
                eq(set(p["b_scores"]["length"]), set(p["scores"]["length"]))
            eq(dpo[ext_id]["scores"], plain[ext_id]["scores"])
        check(plain["p0"]["b_scores"] != plain["p0"]["scores"], plain["p0"])
        eq([(d["annotator"], d["preference"], d["left"]) for d in plain["p0"]["decisions"]],
           [("ann", "a", None), ("bob", "a", "b")])
        eq([(d["annotator"], d["preference"], d["left"]) for d in dpo["p0"]["decisions"]],
           [("ann", "a", None), ("bob", "a", "b")])
        # a single sample's provenance is as before: no b_scores
        eq(w.run("import", "--batch", "one", w.file("s.jsonl", '{"id": "s", "text": "hi"}')).code,
           0)
        r = w.run("export", "--batch", "one", "--status", "all", "--provenance")
        check("b_scores" not in json.loads(r.out)["_assay"], r.out)
        check("preference" not in r.out, r.out)
