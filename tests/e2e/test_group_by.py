"""End-to-end tests of `import --group-by FIELD`: the generations of one
prompt, imported one per record, paired up (every pair, or a budget per
group chosen by a seeded hash, the same for the same seed), with their
models and prompt, into a batch of pairs that review, decide and export
--format dpo treat as any pair file; re-running adds only what is new."""
import itertools
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, contains, eq  # noqa: E402

MODELS = ["big", "small", "mid"]


def gens(prompts=3, models=MODELS, extra=()):
    recs = [{"id": f"q{p}-{m}", "prompt": f"Question {p}?", "response": f"Answer {p} by {m}.",
             "model": m} for p in range(prompts) for m in models]
    recs.append({"id": "lonely", "prompt": "Alone?", "response": "Only one answer.",
                 "model": "big"})
    recs.append({"id": "nofield", "response": "No prompt at all.", "model": "big"})
    return recs + list(extra)


def load(w, recs, batch="gens"):
    r = w.run("import", "--no-score", "--batch", batch,
              w.file(batch + ".jsonl", "\n".join(map(json.dumps, recs))))
    eq(r.code, 0, r)


def pairs_in(w, batch):
    return w.sql("SELECT s.ext_id, s.text, p.b_text, p.a_model, p.b_model, s.context, "
                 "p.claimed FROM pairs p JOIN samples s ON s.id = p.sample_id "
                 "JOIN batches b ON b.id = s.batch_id WHERE b.name = ? ORDER BY s.id", batch)


def test_every_pair_of_each_group():
    with Workdir() as w:
        load(w, gens())
        r = w.run("import", "--no-score", "--group-by", "prompt")
        eq(r.code, 0, r)
        contains(r.out, "grouped by prompt: 10 samples, 3 groups, 9 pairs (1 samples alone), 9 new")
        contains(r.out, 'batch "pairs-by-prompt": 9 read, 9 imported, 0 duplicate, 0 rejected')
        got = pairs_in(w, "pairs-by-prompt")
        want = []
        for p in range(3):
            for a, b in itertools.combinations(MODELS, 2):  # a: imported first
                want.append((f"q{p}-{a}~q{p}-{b}", f"Answer {p} by {a}.", f"Answer {p} by {b}.",
                             a, b, json.dumps([{"name": "prompt", "text": f"Question {p}?"}],
                                              separators=(",", ":")), None))
        eq(got, want)
        rec = json.loads(w.sql("SELECT record FROM samples WHERE ext_id = 'q0-big~q0-mid'")[0][0])
        eq(rec, {"id": "q0-big~q0-mid", "prompt": "Question 0?", "response_a": "Answer 0 by big.",
                 "response_b": "Answer 0 by mid.", "model_a": "big", "model_b": "mid",
                 "a_id": "q0-big", "b_id": "q0-mid"})
        # the singles are untouched; a second run adds nothing
        eq(w.sql("SELECT count(*) FROM samples s JOIN batches b ON b.id = s.batch_id "
                 "WHERE b.name = 'gens'"), [(11,)])
        r = w.run("import", "--no-score", "--group-by", "prompt")
        eq(r.code, 0, r)
        contains(r.out, "9 pairs (1 samples alone), 0 new")
        eq(len(pairs_in(w, "pairs-by-prompt")), 9)
        # a new generation: only its pairs are new
        load(w, [{"id": "q0-tiny", "prompt": "Question 0?", "response": "Answer 0 by tiny.",
                  "model": "tiny"}], batch="more")
        r = w.run("import", "--no-score", "--group-by", "prompt")
        eq(r.code, 0, r)
        contains(r.out, "12 pairs (1 samples alone), 3 new")
        contains(r.out, "3 read, 3 imported, 0 duplicate, 0 rejected")
        eq(len(pairs_in(w, "pairs-by-prompt")), 12)


def test_pairs_per_group_is_a_seeded_budget():
    def picked(seed, prompts=3, n=2):
        with Workdir() as w:
            load(w, gens(prompts, MODELS + ["tiny"]))
            r = w.run("import", "--no-score", "--group-by", "prompt", "--pairs-per-group",
                      str(n), "--seed", str(seed))
            eq(r.code, 0, r)
            contains(r.out, f"{prompts} groups, {prompts * n} pairs")
            return [x[0] for x in pairs_in(w, "pairs-by-prompt")]

    first = picked(7)
    eq(picked(7), first)  # the same seed, the same pairs
    eq(len(first), 6)
    for p in range(3):  # n of each group, each pair within its group
        mine = [x for x in first if x.startswith(f"q{p}-")]
        eq(len(mine), 2, first)
        check(all(x.split("~")[1].startswith(f"q{p}-") for x in mine), first)
    check(any(picked(s) != first for s in (1, 2, 3, 4)), "every seed picked the same pairs")


def test_from_batch_nested_field_and_into_batch():
    with Workdir() as w:
        recs = [{"id": f"g{i}", "text": f"Caption {i} of the picture.",
                 "meta": {"img": f"i{i // 2}", "model": f"m{i % 2}"}} for i in range(4)]
        load(w, recs, batch="caps")
        load(w, gens(), batch="gens")
        r = w.run("import", "--no-score", "--group-by", "meta.img", "--from-batch", "caps",
                  "--batch", "cap-pairs")
        eq(r.code, 0, r)
        eq([(x[0], x[3], x[4]) for x in pairs_in(w, "cap-pairs")],
           [("g0~g1", "m0", "m1"), ("g2~g3", "m0", "m1")])
        rec = json.loads(w.sql("SELECT record FROM samples WHERE ext_id = 'g0~g1'")[0][0])
        eq(rec["meta.img"], "i0")
        r = w.run("import", "--no-score", "--group-by", "meta.img", "--from-batch", "nope")
        eq(r.code, 2, r)
        contains(r.err, 'no batch named "nope"')
        r = w.run("import", "--no-score", "--group-by", "colour")
        eq(r.code, 65, r)
        contains(r.err, "no two samples share a value of colour (0 samples have it)")


def test_grouped_pairs_decided_and_exported_as_dpo():
    with Workdir() as w:
        load(w, gens(1))
        eq(w.run("import", "--no-score", "--group-by", "prompt").code, 0)
        eq(w.run("decide", "--annotator", "ann", "q0-big~q0-small", "prefer", "b").code, 0)
        eq(w.run("decide", "--annotator", "ann", "q0-big~q0-mid", "prefer", "a").code, 0)
        r = w.run("export", "--format", "dpo")
        eq(r.code, 0, r)
        got = [json.loads(x) for x in r.out.splitlines()]
        eq([(g["prompt"], g["chosen"], g["rejected"], g["chosen_model"], g["rejected_model"])
            for g in got],
           [("Question 0?", "Answer 0 by small.", "Answer 0 by big.", "small", "big"),
            ("Question 0?", "Answer 0 by big.", "Answer 0 by mid.", "big", "mid")])
        eq((got[0]["a_id"], got[0]["b_id"]), ("q0-big", "q0-small"))
        r = w.run("stats", "--pairs", "--format", "json")
        eq(r.code, 0, r)


def test_group_limits_and_usage():
    with Workdir() as w:
        big = [{"id": f"x{i}", "prompt": "Same?", "response": f"Answer number {i}."}
               for i in range(1415)]  # 1415 * 1414 / 2 = 1,000,405 pairs
        load(w, big, batch="big")
        r = w.run("import", "--no-score", "--group-by", "prompt")
        eq(r.code, 2, r)
        contains(r.err, 'the group "Same?" has 1415 samples, 1000405 pairs: more than 1000000; '
                 "give --pairs-per-group")
        eq(w.sql("SELECT count(*) FROM pairs"), [(0,)])
        r = w.run("import", "--no-score", "--group-by", "prompt", "--pairs-per-group", "5")
        eq(r.code, 0, r)
        eq(w.sql("SELECT count(*) FROM pairs"), [(5,)])
        for args, msg in [
                (["--group-by", "prompt", "x.jsonl"], "it takes no SOURCE"),
                (["--group-by", "prompt", "--pair", "a,b"], "goes without --pair"),
                (["--seed", "3", "x.jsonl"], "go with --group-by"),
                (["--group-by", "prompt", "--pairs-per-group", "0"],
                 "--pairs-per-group: expected a number of pairs from 1 to 1000000"),
                (["--group-by", "prompt", "--seed", "-1"], "--seed: expected a whole number"),
                (["--group-by", ""], "--group-by: the field name is empty")]:
            r = w.run("import", *args)
            eq(r.code, 2, (args, r))
            contains(r.err, msg)
        contains(w.run("import", "--help").out, "--group-by FIELD")
