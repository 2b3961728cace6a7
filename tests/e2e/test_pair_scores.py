"""End-to-end tests of candidate b's scores: the rule scorers score b with
the pair's prompt as its context, exactly as they score the same text
imported as a single sample; `assay score` scores what lacks a current
score, --rescore and --scorer score again."""
import json
import os
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
