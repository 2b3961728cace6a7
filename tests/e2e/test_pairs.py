"""End-to-end tests of pairwise preference review: importing pairs (the
default field pairs, --pair, --pair-model, message lists, the record's
claimed chosen), `decide ID prefer a|b|tie|both-bad` and its --from lines
with undo, and `export --format dpo` mapping every verdict to the right
chosen and rejected candidate."""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import SAMPLE_DATA, Workdir, check, contains, eq  # noqa: E402


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def pairs(w):
    return w.sql("SELECT s.ext_id, s.text_field, s.text, p.a_field, p.b_field, p.b_text, "
                 "p.a_model, p.b_model, p.claimed, p.chat, s.context FROM pairs p "
                 "JOIN samples s ON s.id = p.sample_id ORDER BY s.id")


def prefs(w):
    return w.sql("SELECT s.ext_id, a.name, d.verdict, d.pref, d.text, d.reason FROM decisions d "
                 "JOIN samples s ON s.id = d.sample_id JOIN annotators a ON a.id = d.annotator_id "
                 "ORDER BY s.ext_id, a.name")


def test_import_default_field_pairs_models_and_claim():
    with Workdir() as w:
        recs = [
            {"id": "c1", "prompt": "Why?", "chosen": "Because.", "rejected": "No idea.",
             "chosen_model": "m1", "rejected_model": "m2"},
            {"id": "r1", "question": "Sum 2+2?", "response_a": "4", "response_b": "5",
             "model_a": "big", "model_b": "small"},
            {"id": "o1", "instruction": "Greet", "output_1": "Hello", "output_2": "Hi"},
            {"id": "k1", "prompt": "Name a fruit", "completion_a": "apple",
             "completion_b": "rock"},
        ]
        r = w.run("import", "--no-score", w.file("p.jsonl", "\n".join(map(json.dumps, recs))))
        eq(r.code, 0, r)
        eq(pairs(w), [
            ("c1", "chosen", "Because.", "chosen", "rejected", "No idea.", "m1", "m2", "a", 0,
             '[{"name":"prompt","text":"Why?"}]'),
            ("r1", "response_a", "4", "response_a", "response_b", "5", "big", "small", None, 0,
             '[{"name":"question","text":"Sum 2+2?"}]'),
            ("o1", "output_1", "Hello", "output_1", "output_2", "Hi", None, None, None, 0,
             '[{"name":"instruction","text":"Greet"}]'),
            ("k1", "completion_a", "apple", "completion_a", "completion_b", "rock", None, None,
             None, 0, '[{"name":"prompt","text":"Name a fruit"}]'),
        ])


def test_import_named_pair_fields_and_models():
    with Workdir() as w:
        recs = [{"id": "x", "prompt": "P", "left": "L text", "right": "R text",
                 "gen": {"l": "ml", "r": "mr"}, "rejected": "ignored"}]
        r = w.run("import", "--no-score", "--pair", "right,left", "--pair-model", "gen.r,gen.l",
                  w.file("p.jsonl", json.dumps(recs[0])))
        eq(r.code, 0, r)
        eq([p[:9] for p in pairs(w)],
           [("x", "right", "R text", "right", "left", "L text", "mr", "ml", None)])
        # a candidate given first as rejected makes b the claimed chosen
        r = w.run("import", "--no-score", "--pair", "rejected,chosen",
                  w.file("q.jsonl", json.dumps({"id": "y", "prompt": "Q", "chosen": "good",
                                                "rejected": "bad"})))
        eq(r.code, 0, r)
        eq(w.sql("SELECT claimed, b_text FROM pairs p JOIN samples s ON s.id = p.sample_id "
                 "WHERE s.ext_id = 'y'"), [("b", "good")])


def test_import_pair_refusals():
    with Workdir() as w:
        f = w.file("p.jsonl", json.dumps({"id": "a", "chosen": "x", "rejected": "y"}))
        for args, msg in [(["--pair", "chosen"], "--pair: expected two field names"),
                          (["--pair", "a,b,c"], "--pair: expected two field names"),
                          (["--pair-model", ",b"], "--pair-model: expected two field names")]:
            r = w.run("import", "--no-score", *args, f)
            eq(r.code, 2, r)
            contains(r.err, msg)
        r = w.run("import", "--no-score", "--pair", "chosen,rejected", "--text", "chosen", f)
        eq(r.code, 2, r)
        contains(r.err, "--pair names the texts: it goes without --text")
        bad = [{"id": "m", "chosen": "x"},
               {"id": "n", "chosen": "x", "rejected": 3},
               {"id": "o", "chosen": " ", "rejected": "y"},
               {"id": "p", "chosen": "x", "rejected": [{"role": "assistant", "content": "y"}]}]
        r = w.run("import", "--no-score", "--pair", "chosen,rejected",
                  w.file("bad.jsonl", "\n".join(map(json.dumps, bad))))
        eq(r.code, 65, r)
        contains(r.err, 'bad.jsonl:1: no field "rejected" (a candidate of the pair)')
        contains(r.err, 'bad.jsonl:2: field "rejected": expected a string or a list of messages')
        contains(r.err, 'bad.jsonl:3: field "chosen": the candidate is empty')
        contains(r.err, 'bad.jsonl:4: fields "chosen" and "rejected": one is a string, the '
                        'other a list of messages')


def test_import_chat_pairs():
    with Workdir() as w:
        explicit = {"id": "e", "prompt": [{"role": "system", "content": "Be brief."},
                                          {"role": "user", "content": "Sky colour?"}],
                    "chosen": [{"role": "assistant", "content": "Blue."}],
                    "rejected": [{"role": "assistant", "content": "Green."}]}
        implicit = {"id": "i",
                    "chosen": [{"role": "user", "content": "2+2?"},
                               {"role": "assistant", "content": "4"}],
                    "rejected": [{"role": "user", "content": "2+2?"},
                                 {"role": "assistant",
                                  "content": [{"type": "text", "text": "five"}]}]}
        r = w.run("import", "--no-score",
                  w.file("c.jsonl", json.dumps(explicit) + "\n" + json.dumps(implicit)))
        eq(r.code, 0, r)
        eq([(p[0], p[1], p[2], p[5], p[9], p[10]) for p in pairs(w)], [
            ("e", "chosen.0.content", "Blue.", "Green.", 1,
             '[{"role":"system","text":"Be brief."},{"role":"user","text":"Sky colour?"}]'),
            ("i", "chosen.1.content", "4", "five", 1, '[{"role":"user","text":"2+2?"}]'),
        ])


def setup(w):
    recs = [{"id": f"p{i}", "prompt": f"Question {i}?", "chosen": f"Good answer {i}.",
             "rejected": f"Bad answer {i}.", "chosen_model": "strong", "rejected_model": "weak"}
            for i in range(6)]
    r = w.run("import", "--no-score", "--batch", "b",
              w.file("p.jsonl", "\n".join(map(json.dumps, recs))))
    eq(r.code, 0, r)


def test_decide_prefer_and_from_lines():
    with Workdir() as w:
        setup(w)
        ann = ["--annotator", "ann"]
        eq(w.run("decide", *ann, "p0", "prefer", "a").code, 0)
        eq(w.run("decide", *ann, "p1", "prefer", "b", "--reason", "clearer",
                 "--text", "Bad answer 1, fixed.").code, 0)
        eq(w.run("decide", *ann, "p2", "prefer", "tie").code, 0)
        eq(w.run("decide", *ann, "p3", "prefer", "both-bad", "--reason", "both wrong").code, 0)
        lines = [{"id": "p4", "verdict": "prefer", "prefer": "b"},
                 {"id": "p5", "prefer": "a", "text": "Good answer 5, better."},
                 {"id": "p0", "verdict": "accept", "prefer": "a"},
                 {"id": "p0", "verdict": "prefer"},
                 {"id": "p0", "prefer": "left"},
                 {"id": "p0", "prefer": "tie", "text": "x"},
                 {"id": "p0", "verdict": "accept"}]
        r = w.run("decide", *ann, "--from", w.file("d.jsonl", "\n".join(map(json.dumps, lines))))
        eq(r.code, 65, r)
        contains(r.out, "2 decisions recorded, 5 refused")
        contains(r.err, 'd.jsonl:3: "prefer" goes with "verdict": "prefer" or none, got '
                 '"verdict": "accept"')
        contains(r.err, 'd.jsonl:4: "verdict": "prefer" needs "prefer": a, b, tie or both-bad')
        contains(r.err, 'd.jsonl:5: "prefer": expected a, b, tie or both-bad, got "left"')
        contains(r.err, 'd.jsonl:6: "text" (the chosen one corrected) goes with a or b')
        contains(r.err, "d.jsonl:7: this sample is a pair of candidates: decide it with prefer")
        eq(prefs(w), [("p0", "ann", "accepted", "a", None, None),
                      ("p1", "ann", "edited", "b", "Bad answer 1, fixed.", "clearer"),
                      ("p2", "ann", "accepted", "tie", None, None),
                      ("p3", "ann", "rejected", "both-bad", None, "both wrong"),
                      ("p4", "ann", "accepted", "b", None, None),
                      ("p5", "ann", "edited", "a", "Good answer 5, better.", None)])
        eq(w.sql("SELECT kind, pref FROM events ORDER BY id"),
           [("accept", "a"), ("edit", "b"), ("accept", "tie"), ("reject", "both-bad"),
            ("accept", "b"), ("edit", "a")])


def test_decide_prefer_refusals():
    with Workdir() as w:
        setup(w)
        w.run("import", "--no-score", "--batch", "s",
              w.file("s.jsonl", json.dumps({"id": "single", "text": "One text."})))
        ann = ["--annotator", "ann"]
        for args, code, msg in [
                (["p0", "prefer", "left"], 2, 'prefer: expected a, b, tie or both-bad, got "left"'),
                (["p0", "prefer", "tie", "--text", "t"], 2, "--text (the chosen one corrected) "
                 "goes with prefer a or b"),
                (["p0", "accept", "--adjudicate"], 2, "this sample is a pair of candidates"),
                (["p0", "accept"], 2, "this sample is a pair of candidates: decide it with "
                 "prefer a|b|tie|both-bad"),
                (["p0", "prefer", "a", "--text", "Good answer 0."], 2,
                 "the edit is the same as the original text"),
                (["p0", "prefer", "b", "--text", "Bad answer 0."], 2,
                 "the edit is the same as the original text"),
                (["single", "prefer", "a"], 2, "a preference goes on a pair of candidates")]:
            r = w.run("decide", *ann, *args)
            eq(r.code, code, (args, r))
            contains(r.err, msg)
        eq(prefs(w), [])
        # skips and notes need no preference
        eq(w.run("decide", *ann, "p0", "skip").code, 0)
        eq(w.run("decide", *ann, "p0", "note", "--text", "later").code, 0)


def test_undo_restores_the_previous_preference():
    with Workdir() as w:
        setup(w)
        ann = ["--annotator", "ann"]
        eq(w.run("decide", *ann, "p0", "prefer", "a").code, 0)
        eq(w.run("decide", *ann, "p0", "prefer", "b", "--text", "Bad answer 0, fixed.").code, 0)
        eq(w.run("decide", *ann, "p0", "prefer", "both-bad").code, 0)
        eq(w.run("decide", *ann, "--undo").code, 0)
        eq(prefs(w), [("p0", "ann", "edited", "b", "Bad answer 0, fixed.", None)])
        eq(w.run("decide", *ann, "--undo").code, 0)
        eq(prefs(w), [("p0", "ann", "accepted", "a", None, None)])
        eq(w.run("decide", *ann, "--undo").code, 0)
        eq(prefs(w), [])


def test_export_dpo_maps_verdicts_to_candidates():
    with Workdir() as w:
        setup(w)
        ann = ["--annotator", "ann"]
        for pid, pref in [("p0", "a"), ("p1", "b"), ("p2", "tie"), ("p3", "both-bad")]:
            eq(w.run("decide", *ann, pid, "prefer", pref).code, 0)
        eq(w.run("decide", *ann, "p4", "prefer", "b", "--text", "Bad answer 4, mended.").code, 0)
        # two annotators who disagree leave the pair out unless the majority rule says
        eq(w.run("decide", *ann, "p5", "prefer", "a").code, 0)
        eq(w.run("decide", "--annotator", "bob", "p5", "prefer", "b").code, 0)
        eq(w.run("decide", "--annotator", "cy", "p5", "prefer", "b").code, 0)
        # --status does not narrow the pairs
        r = w.run("export", "--format", "dpo", "--status", "rejected")
        eq(r.code, 0, r)
        got = jsonl(r.out)
        eq(got, [
            {"prompt": "Question 0?", "chosen": "Good answer 0.", "rejected": "Bad answer 0.",
             "chosen_model": "strong", "rejected_model": "weak", "id": "p0"},
            {"prompt": "Question 1?", "chosen": "Bad answer 1.", "rejected": "Good answer 1.",
             "chosen_model": "weak", "rejected_model": "strong", "id": "p1"},
            {"prompt": "Question 4?", "chosen": "Bad answer 4, mended.",
             "rejected": "Good answer 4.", "chosen_model": "weak", "rejected_model": "strong",
             "id": "p4"},
        ])
        contains(r.err, "exported 3 pairs (a 1, b 2; 2 reverse the record's chosen) of 6 looked at")
        # every pair looked at is counted: the tie and the both-bad too
        contains(r.err, "left out: 0 undecided, 1 where annotators disagree (resolve unanimous),"
                 " 1 tie and 1 both bad (--with tie,both-bad adds them)\n")
        r = w.run("export", "--format", "dpo", "--resolve", "majority", "--with", "tie,both-bad")
        eq(r.code, 0, r)
        contains(r.err, "left out: 0 undecided, 0 where annotators disagree (resolve majority)\n")
        got = {g["id"]: g for g in jsonl(r.out)}
        eq(sorted(got), ["p0", "p1", "p2", "p3", "p4", "p5"])
        eq(got["p5"]["chosen"], "Bad answer 5.")
        eq(got["p2"], {"prompt": "Question 2?", "a": "Good answer 2.", "b": "Bad answer 2.",
                       "preference": "tie", "a_model": "strong", "b_model": "weak", "id": "p2"})
        eq(got["p3"]["preference"], "both-bad")
        # one annotator's view
        r = w.run("export", "--format", "dpo", "--annotator", "bob")
        eq([g["id"] for g in jsonl(r.out)], ["p5"])
        eq(jsonl(r.out)[0]["chosen"], "Bad answer 5.")


def test_export_dpo_provenance_and_byte_faithful_fields():
    with Workdir() as w:
        raw = ('{"id": "q", "prompt": "Pick", "chosen": "yes", "rejected": "no",'
               ' "score":  1.50e0, "meta": {"k": [1, 2 ,3]}, "note": "caf\\u00e9"}')
        eq(w.run("import", "--no-score", "--batch", "b", w.file("p.jsonl", raw)).code, 0)
        eq(w.run("decide", "--annotator", "ann", "q", "prefer", "b", "--reason", "r",
                 "--text", "no, but mended").code, 0)
        r = w.run("export", "--format", "dpo", "--provenance")
        eq(r.code, 0, r)
        line = r.out.splitlines()[0]
        contains(line, '"id":"q","score":1.50e0,"meta":{"k": [1, 2 ,3]},"note":"caf\\u00e9"')
        got = json.loads(line)
        eq((got["chosen"], got["rejected"]), ("no, but mended", "yes"))
        p = got["_assay"]
        eq((p["id"], p["batch"], p["preference"], p["claimed"], p["flipped"],
            p["original_chosen"]), ("q", "b", "b", "a", True, "no"))
        eq([(d["annotator"], d["preference"], d["left"], d["reason"]) for d in p["decisions"]],
           [("ann", "b", None, "r")])


def test_export_dpo_chat_pairs_in_conversational_form():
    with Workdir() as w:
        rec = {"id": "e", "prompt": [{"role": "system", "content": "Be brief."},
                                     {"role": "user", "content": "Sky colour?"}],
               "chosen": [{"role": "assistant", "content": "Green."}],
               "rejected": [{"role": "assistant", "content": "Blue."}]}
        eq(w.run("import", "--no-score", w.file("c.jsonl", json.dumps(rec))).code, 0)
        eq(w.run("decide", "--annotator", "ann", "e", "prefer", "b").code, 0)
        r = w.run("export", "--format", "dpo")
        eq(jsonl(r.out), [{"prompt": [{"role": "system", "content": "Be brief."},
                                      {"role": "user", "content": "Sky colour?"}],
                           "chosen": [{"role": "assistant", "content": "Blue."}],
                           "rejected": [{"role": "assistant", "content": "Green."}],
                           "id": "e"}])


def test_export_jsonl_puts_a_corrected_b_in_b():
    """A pair whose chosen b was corrected: export --format jsonl writes the
    correction into b's field (for a message list, its last assistant turn)
    and leaves candidate a as imported."""
    with Workdir() as w:
        setup(w)
        rec = {"id": "c", "chosen": [{"role": "user", "content": "Hi?"},
                                     {"role": "assistant", "content": "Green."}],
               "rejected": [{"role": "assistant", "content": "Blue."},
                            {"role": "user", "content": "Sure?"},
                            {"role": "assistant", "content": "Red."}]}
        eq(w.run("import", "--no-score", "--batch", "c", w.file("c.jsonl", json.dumps(rec))).code, 0)
        ann = ["--annotator", "ann"]
        eq(w.run("decide", *ann, "p0", "prefer", "b", "--text", "Bad answer 0, fixed.").code, 0)
        eq(w.run("decide", *ann, "p1", "prefer", "a", "--text", "Good answer 1, better.").code, 0)
        eq(w.run("decide", *ann, "c", "prefer", "b", "--text", "Red, fixed.").code, 0)
        r = w.run("export", "--format", "jsonl", "--status", "edited")
        eq(r.code, 0, r)
        out = {x["id"]: x for x in jsonl(r.out)}
        eq((out["p0"]["chosen"], out["p0"]["rejected"]), ("Good answer 0.", "Bad answer 0, fixed."))
        eq((out["p1"]["chosen"], out["p1"]["rejected"]), ("Good answer 1, better.", "Bad answer 1."))
        eq(out["c"]["chosen"], rec["chosen"])
        eq([m["content"] for m in out["c"]["rejected"]], ["Blue.", "Sure?", "Red, fixed."])
        # provenance's original text is the corrected candidate's
        r = w.run("export", "--format", "jsonl", "--status", "edited", "--provenance")
        orig = {x["id"]: x["_assay"]["original_text"] for x in jsonl(r.out)}
        eq(orig, {"p0": "Bad answer 0.", "p1": "Good answer 1.", "c": "Red."})


def test_export_dpo_usage():
    with Workdir() as w:
        setup(w)
        for args, msg in [(["--with", "tie"], "--with goes with --format dpo"),
                          (["--format", "dpo", "--with", "ties"], "--with: expected tie"),
                          (["--format", "dpo", "--fields", "id"], "--format dpo writes whole "
                           "pairs")]:
            r = w.run("export", *args)
            eq(r.code, 2, (args, r))
            contains(r.err, msg)


def test_sample_pairs_labels_to_dpo():
    """The preference set: an annotator who picks the better answer of
    each pair (from the labels) makes export put the better model's answer
    as chosen in every line, and reverse exactly the mislabelled pairs."""
    with Workdir() as w:
        src = os.path.join(SAMPLE_DATA, "pairs.jsonl")
        recs = {r["id"]: r for r in jsonl(open(src, encoding="utf-8").read())}
        labels = jsonl(open(os.path.join(SAMPLE_DATA, "pairs-labels.jsonl"),
                            encoding="utf-8").read())
        eq(w.run("import", "--no-score", src).code, 0)
        lines = [{"id": lab["id"], "prefer": "b" if lab["mislabelled"] else "a"}
                 for lab in labels]
        r = w.run("decide", "--annotator", "ann", "--from",
                  w.file("d.jsonl", "\n".join(map(json.dumps, lines))))
        eq(r.code, 0, r)
        r = w.run("export", "--format", "dpo", "--provenance")
        eq(r.code, 0, r)
        out = jsonl(r.out)
        eq(len(out), 60)
        mislabelled = sum(lab["mislabelled"] for lab in labels)
        contains(r.err, f"exported 60 pairs (a {60 - mislabelled}, b {mislabelled}; "
                        f"{mislabelled} reverse the record's chosen)")
        for lab, o in zip(labels, out):
            rec = recs[lab["id"]]
            eq(o["id"], lab["id"])
            eq(o["chosen_model"], lab["better_model"], lab["id"])
            want = (rec["rejected"], rec["chosen"]) if lab["mislabelled"] else \
                (rec["chosen"], rec["rejected"])
            eq((o["chosen"], o["rejected"]), want, lab["id"])
            eq(o["prompt"], rec["prompt"])
            eq(o["_assay"]["flipped"], lab["mislabelled"])
        check(mislabelled > 0)


def wilson(k, n, z=1.959963984540054):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5 / d
    return c - h, c + h


def test_stats_pairs_against_hand_computed_values():
    """Two models: x beats y in 3 pairs, loses 1, ties 1; one pair both bad.
    Two annotators on p0 (a and b: 2-way kappa -1 by hand), the claims are
    the dataset's chosen = x, so the reversed claims are 1 of 4 decisive."""
    with Workdir() as w:
        recs = [{"id": f"p{i}", "prompt": f"Q{i}", "chosen": f"x answer {i}",
                 "rejected": f"y answer {i}", "chosen_model": "x", "rejected_model": "y"}
                for i in range(6)]
        eq(w.run("import", "--no-score", "--batch", "b",
                 w.file("p.jsonl", "\n".join(map(json.dumps, recs)))).code, 0)
        for pid, pref in [("p0", "a"), ("p1", "a"), ("p2", "a"), ("p3", "b"), ("p4", "tie"),
                          ("p5", "both-bad")]:
            eq(w.run("decide", "--annotator", "ann", pid, "prefer", pref).code, 0)
        r = w.run("stats", "--pairs", "--format", "json")
        eq(r.code, 0, r)
        p = json.loads(r.out)["pairs"]
        eq((p["pairs"], p["verdicts"]), (6, 6))
        m = {x["model"]: x for x in p["models"]}
        eq((m["x"]["wins"], m["x"]["losses"], m["x"]["ties"], m["x"]["both_bad"]), (3, 1, 1, 1))
        eq((m["y"]["wins"], m["y"]["losses"]), (1, 3))
        lo, hi = wilson(3, 4)
        check(abs(m["x"]["win_rate"]["rate"] - 0.75) < 1e-12)
        check(abs(m["x"]["win_rate"]["low"] - lo) < 1e-9 and abs(m["x"]["win_rate"]["high"] - hi) < 1e-9)
        # Bradley-Terry with the prior (one virtual win and one loss each
        # against a reference of strength 1), ties half wins: x has 3.5 + 1
        # wins in 5 games and 2 virtual ones, y 1.5 + 1; Hunter's MM update
        # iterated here to its fixed point, then scaled to a geometric mean
        # of 1 and put on the Elo scale (1000 + 400 log10)
        gx = gy = 1.0
        for _ in range(20000):
            gx = 4.5 / (5 / (gx + gy) + 2 / (gx + 1))
            gy = 2.5 / (5 / (gx + gy) + 2 / (gy + 1))
        g = (gx * gy) ** 0.5
        want_x = 1000 + 400 * math.log10(gx / g)
        check(abs(m["x"]["bt_score"] - want_x) < 1e-3, (m["x"]["bt_score"], want_x))
        check(abs(m["y"]["bt_score"] - (2000 - want_x)) < 1e-3, m)
        eq((m["x"]["bt_rank"], m["y"]["bt_rank"]), (1, 2))
        check(m["x"]["bt_low"] <= m["x"]["bt_score"] <= m["x"]["bt_high"], m)
        # no placement from decide: no position bias measured
        eq(p["position_bias"]["n"], 0)
        eq((p["flip"]["agree"], p["flip"]["flips"], p["flip"]["ties"], p["flip"]["both_bad"]),
           (3, 1, 1, 1))
        check(abs(p["flip"]["rate"] - 0.25) < 1e-12)
        eq(list(p["flip"]["by_batch"]), ["b"])
        eq(p["agreement"]["pairs"], 0)
        # undefined coefficients read "-", as in stats --agreement, never "nan"
        r = w.run("stats", "--pairs")
        contains(r.out, "agreement over 0 pairs with two or more annotators:\n  3-way Fleiss -, "
                 "alpha -; 2-way Fleiss -, alpha -")
        # the table and its lines fit 80 columns, in the dashboard's columns
        contains(r.out, "model          wins loss ties  bad  win rate (95% CI)     "
                 "Bradley-Terry, rank\n")
        for line in r.out.splitlines():
            check(len(line) <= 80, line)
        contains(r.out, "position bias: - (no placement recorded: only the pair screen records"
                 " one)\n")
        eq(w.run("decide", "--annotator", "bob", "p0", "prefer", "b").code, 0)
        eq(w.run("decide", "--annotator", "bob", "p1", "prefer", "a").code, 0)
        p = json.loads(w.run("stats", "--pairs", "--format", "json").out)["pairs"]
        eq(p["agreement"]["pairs"], 2)
        # 2-way over p0 (a, b) and p1 (a, a): P_o = 1/2; a is 3 of 4 ratings,
        # P_e = 9/16 + 1/16 = 5/8; Fleiss = (1/2 - 5/8) / (1 - 5/8) = -1/3
        check(abs(p["agreement"]["fleiss_2way"] - (-1 / 3)) < 1e-9, p["agreement"])
        r = w.run("stats", "--pairs")
        eq(r.code, 0, r)
        contains(r.out, "pairs: 8 preferences on 6 pairs")
        contains(r.out, "x                 4    2    1    1  66.7%")
        r = w.run("stats", "--pairs", "--agreement")
        eq(r.code, 2, r)
