"""End-to-end tests of `assay learn`: it learns the verdicts of sample-data
with an honest out-of-fold figure, chance on random labels, the same bytes
for the same seed, undone decisions left out and adjudications winning, a
kill never costs the previous model, and bad options are usage errors."""
import json
import os
import random
import re
import sqlite3
import struct

from harness import (BIN, OWN_TEXTS, SAMPLE_DATA, check, connect, contains, eq, put_score,
                     workdir)


def decide_labels(w, shuffle_seed=None, two_batches=False):
    """Imports sample-data and decides every sample as its labels say (or,
    with shuffle_seed, with the labels shuffled: no signal left); with
    two_batches, the captions are batch "demo" and the instructions "more"."""
    files = [os.path.join(SAMPLE_DATA, n) for n in ("captions.jsonl", "instructions.jsonl")]
    for batch, names in ((("demo", files[:1]), ("more", files[1:])) if two_batches
                         else (("demo", files),)):
        r = w.run("import", "--batch", batch, *names)
        eq(r.code, 0, r)
    labels = [json.loads(l) for l in open(os.path.join(SAMPLE_DATA, "labels.jsonl"))]
    flaws = [l["flaws"] for l in labels]
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(flaws)
    lines = []
    for l, f in zip(labels, flaws):
        d = {"id": l["id"], "verdict": "reject" if f else "accept"}
        if f:
            d["reason"] = f[0]
        lines.append(json.dumps(d))
    r = w.run("decide", "--annotator", "ana", "--from", "-", stdin="\n".join(lines) + "\n")
    check(r.code in (0, 65), r)  # the 5 exact duplicates were never imported


def learn_json(w, *args):
    r = w.run("learn", "--json", *args)
    eq(r.code, 0, r)
    return json.loads(r.out)


def test_learns_sample_data_and_says_how_well_out_of_fold():
    with workdir() as w:
        decide_labels(w)
        r = w.run("learn")
        eq(r.code, 0, r)
        contains(r.out, "learned from 715 verdicts (189 rejected, 526 kept)")
        contains(r.out, "out-of-fold ROC AUC 0.")
        contains(r.out, "strongest signals:")
        contains(r.out, "stored as model version 1")
        info = json.loads(w.sql("SELECT info FROM models")[0][0])
        eq((info["verdicts"], info["rejected"], info["kept"]), (715, 189, 526))
        auc = info["out_of_fold_auc"]
        check(auc["auc"] > 0.8, auc)  # the rule scorers' values are features too
        check(auc["low"] < auc["auc"] < auc["high"], auc)
        eq(info["out_of_fold_auc"]["interval"], "bootstrap")
        eq(w.sql("SELECT substr(model, 1, 4) FROM models"), [(b"ASLM",)])
        # without the scorers' values the words alone still beat chance
        j = learn_json(w, "--no-scores", "--dry-run")
        check(j["out_of_fold_auc"]["auc"] > 0.65, j)
        eq(j["version"], 0)
        eq(w.sql("SELECT count(*) FROM models"), [(1,)], "--dry-run stored a model")


def test_random_labels_give_chance():
    with workdir() as w:
        decide_labels(w, shuffle_seed=3)
        j = learn_json(w, "--no-scores", "--dry-run")
        auc = j["out_of_fold_auc"]["auc"]
        check(abs(auc - 0.5) <= 0.08, f"random labels learned: AUC {auc}")
        check(auc - 0.08 <= 0.5 <= auc + 0.08)


def test_same_seed_same_model_bytes():
    with workdir() as w:
        decide_labels(w)
        for args in ([], [], ["--seed", "2"]):
            eq(w.run("learn", *args).code, 0)
        blobs = [b for (b,) in w.sql("SELECT model FROM models ORDER BY id")]
        eq(len(blobs), 3)
        check(blobs[0] == blobs[1], "the same seed gave different bytes")
        check(blobs[0] != blobs[2], "another seed gave the same bytes")


def test_undone_decisions_do_not_count_and_adjudications_win():
    with workdir() as w:
        decide_labels(w)
        base = learn_json(w, "--dry-run")
        # bob disagrees on a kept sample, then a lead settles it as rejected;
        # carol's reject is undone
        kept = w.sql("SELECT s.ext_id FROM samples s JOIN decisions d ON d.sample_id = s.id "
                     "WHERE d.verdict = 'accepted' ORDER BY s.id LIMIT 2")
        a, b = kept[0][0], kept[1][0]
        eq(w.run("decide", "--annotator", "bob", a, "reject", "--reason", "other").code, 0)
        eq(w.run("decide", "--annotator", "lead", "--adjudicate", a, "reject",
                 "--reason", "other").code, 0)
        eq(w.run("decide", "--annotator", "carol", b, "reject", "--reason", "other").code, 0)
        eq(w.run("decide", "--annotator", "carol", "--undo").code, 0)
        j = learn_json(w, "--dry-run")
        eq(j["verdicts"], base["verdicts"])
        eq((j["rejected"], j["kept"]), (base["rejected"] + 1, base["kept"] - 1))


def test_too_few_verdicts_and_bad_options():
    with workdir() as w:
        eq(w.run("import", w.file("a.jsonl", '{"id":"a","text":"A heron."}\n'
                                             '{"id":"b","text":"A crane."}\n')).code, 0)
        eq(w.run("decide", "--annotator", "ana", "a", "accept").code, 0)
        r = w.run("learn")
        eq(r.code, 1, r)
        contains(r.err, "too few verdicts to learn from: 0 rejected and 1 kept")
        eq(w.sql("SELECT count(*) FROM models"), [(0,)])
        for args, msg in ((["--folds", "1"], "--folds: expected a whole number from 2 to 10"),
                          (["--bits", "40"], "--bits: expected a whole number from 16 to 24"),
                          (["--rule", "coin"], "--rule: expected majority"),
                          (["extra"], "unexpected argument 'extra'")):
            r = w.run("learn", *args)
            eq(r.code, 2, r)
            contains(r.err, msg)
        r = w.run("learn", "--help")
        eq(r.code, 0)
        contains(r.out, "usage: assay learn")
        r = w.run("learn", db=False, env={"ASSAY_DB": os.path.join(w.path, "none.db")})
        eq(r.code, 66, r)


def test_score_gives_every_sample_its_learned_score_with_reasons():
    with workdir() as w:
        decide_labels(w)
        r = w.run("score")
        eq(r.code, 0, r)
        check("learned" not in r.out or " 0 " in r.out.split("learned")[1].split("\n")[0],
              "a learned score without a model")
        eq(w.sql("SELECT count(*) FROM scores WHERE scorer = 'learned'"), [(0,)])
        eq(w.run("learn").code, 0)
        r = w.run("score")
        eq(r.code, 0, r)
        n = w.sql("SELECT count(*) FROM samples")[0][0]
        eq(w.sql("SELECT count(*) FROM scores WHERE scorer = 'learned'"), [(n,)])
        rows = w.sql("SELECT value, flagged, reason, detail FROM scores "
                     "WHERE scorer = 'learned' ORDER BY value LIMIT 1")
        value, flagged, reason, detail = rows[0]
        check(value < 0.5 and flagged == 1, rows)
        check(reason.startswith("learned: ") and "% likely rejected; " in reason, reason)
        d = json.loads(detail)
        eq(d["model"], 1)
        check(abs(d["p_reject"] - (1 - value)) < 1e-3, d)
        # 715 verdicts >= 200: the model joins the combined score
        q, prod = w.sql("SELECT q.quality, exp(sum(ln(max(sc.value, 1e-300)))) FROM samples s "
                        "JOIN sample_quality q ON q.sample_id = s.id "
                        "JOIN scores sc ON sc.sample_id = s.id GROUP BY s.id "
                        "ORDER BY s.id LIMIT 1")[0]
        check(abs(q - prod) < 1e-9, (q, prod))
        # a new model makes every learned score stale
        eq(w.run("learn", "--seed", "2").code, 0)
        eq(w.run("score").code, 0)
        eq(w.sql("SELECT count(*) FROM scores WHERE scorer = 'learned' "
                 "AND json_extract(detail, '$.model') = 2"), [(n,)])


def test_a_model_of_few_verdicts_is_shown_but_not_combined():
    with workdir() as w:
        decide_labels(w)
        w.file("assay.conf", "[score.learned]\nmin_verdicts = 100000\n")
        eq(w.run("learn").code, 0)
        eq(w.run("score").code, 0)
        bad = w.sql("SELECT count(*) FROM sample_quality s WHERE abs(s.quality - (SELECT "
                    "exp(sum(ln(max(value, 1e-300)))) FROM scores WHERE sample_id = s.sample_id "
                    "AND scorer <> 'learned')) > 1e-9")
        eq(bad, [(0,)], "the learned score moved the combined score")
        w.file("assay.conf", "[score.learned]\nmin_verdicts = lots\n")
        r = w.run("score")
        eq(r.code, 2, r)
        contains(r.err, "min_verdicts")


def test_learned_beats_the_rules_on_verdicts_it_never_saw():
    """sample-data: trained on half of the labels, judged on the other half
    (the figures of sample-data/EVALUATION.md)."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                    "score"))
    from evaluate import learned_half
    for seed in (0, 1):
        h = learned_half(BIN, seed)
        check(h["learned"] >= 0.9, h)
        check(h["learned"] > h["rules"], h)


def test_the_evaluated_share_counts_decided_samples_and_wild_scores_do_no_harm():
    with workdir() as w:
        decide_labels(w)
        # 3,000 undecided samples do not shrink the fold models' share
        extra = "\n".join(json.dumps({"id": f"u{i}", "text": f"an undecided sample {i}"})
                          for i in range(3000))
        eq(w.run("import", "--no-score", w.file("more.jsonl", extra + "\n")).code, 0)
        j = learn_json(w, "--eval-max", "500", "--dry-run")
        n = j["out_of_fold_auc"]["verdicts"]
        check(380 <= n <= 620, f"the fold models saw {n} of 715 verdicts, not about 500")
        # a score far outside [0, 1] (an old or foreign database) is clamped
        con = connect(w.db)
        (n, version, reason) = con.execute(
            "SELECT sample_id, version, reason FROM scores WHERE scorer = 'length'"
            " ORDER BY sample_id LIMIT 1").fetchone()
        put_score(con, n, "length", 1e30, reason=reason, version=version)
        con.commit()
        con.close()
        r = w.run("learn")
        eq(r.code, 0, r)
        check("nan" not in r.out.lower(), r.out)
        eq(w.run("score").code, 0)


def test_identifier_fields_are_left_out_and_move_no_score():
    """A field that identifies its record (named like an id, or a single
    word that never repeats) is left out of the features: learn says so,
    the model is the same as without those fields, and rewriting them
    changes no learned score."""
    with workdir() as w:
        decide_labels(w)
        # every record gets a unique single word not named like an id, and
        # a field that repeats (kept)
        con = connect(w.db)
        con.execute(OWN_TEXTS)  # the texts stay where the records move
        con.execute("UPDATE samples SET record = json_set(record, '$.run', 'r' || hex(randomblob(6)),"
                    " '$.meta.shift', CASE id % 2 WHEN 0 THEN 'day' ELSE 'night' END)")
        con.commit()
        con.close()
        j = learn_json(w)
        eq(j["left_out"], ["id", "run"])
        r = w.run("learn", "--dry-run")
        eq(r.code, 0, r)
        contains(r.out, "left out as identifiers of their records: id, run\n")
        eq(w.run("score").code, 0)
        before = w.sql("SELECT sample_id, value, reason FROM scores WHERE scorer = 'learned'"
                       " ORDER BY sample_id")
        named = re.compile(r"[;,] (id|run) '")
        check(not any(named.search(reason) for _, _, reason in before), before[:3])
        # other ids and runs: not one learned score moves
        con = connect(w.db)
        con.execute("UPDATE samples SET record = json_set(record, '$.id', 'x' || id,"
                    " '$.run', 'other' || hex(randomblob(6)))")
        con.commit()
        con.close()
        eq(w.run("score", "--scorer", "learned", "--rescore").code, 0)
        after = w.sql("SELECT sample_id, value, reason FROM scores WHERE scorer = 'learned'"
                      " ORDER BY sample_id")
        eq(len(after), len(before))
        check(after == before, "an identifier moved a learned score")
        # the model is the one learned without those fields at all
        con = connect(w.db)
        con.execute("UPDATE samples SET record = json_remove(record, '$.id', '$.run')")
        con.commit()
        con.close()
        eq(w.run("learn").code, 0)
        blobs = [b for (b,) in w.sql("SELECT model FROM models ORDER BY id")]
        # the same bytes but the names at the end: 2, "id", "run" against 0
        names = struct.pack("<II", 2, 2) + b"id" + struct.pack("<I", 3) + b"run"
        eq(blobs[-1][-4:], struct.pack("<I", 0))
        check(blobs[0] == blobs[-1][:-4] + names, "the left-out fields still counted")


def test_samples_without_a_verdict_change_no_byte_of_the_model():
    """learn reads only the decided samples (a read as long as the verdicts):
    a few verdicts spread among many undecided samples, and thousands of
    undecided samples more, give the very bytes of the model learned before."""
    with workdir() as w:
        r = w.run("import", "--batch", "demo", os.path.join(SAMPLE_DATA, "captions.jsonl"),
                  os.path.join(SAMPLE_DATA, "instructions.jsonl"))
        eq(r.code, 0, r)
        labels = [json.loads(l) for l in open(os.path.join(SAMPLE_DATA, "labels.jsonl"))]
        # a run decided in a row, then one sample in 13: near and far apart
        chosen = labels[:80] + labels[80::13]
        lines = [json.dumps({"id": l["id"], "verdict": "reject", "reason": l["flaws"][0]}
                            if l["flaws"] else {"id": l["id"], "verdict": "accept"})
                 for l in chosen]
        r = w.run("decide", "--annotator", "ana", "--from", "-", stdin="\n".join(lines) + "\n")
        check(r.code in (0, 65), r)
        eq(w.run("learn").code, 0)
        filler = w.file("more.jsonl", "".join(
            json.dumps({"id": f"more-{i}", "text": f"an undecided caption number {i} of many"})
            + "\n" for i in range(3000)))
        eq(w.run("import", "--batch", "more", filler).code, 0)
        eq(w.run("learn").code, 0)
        blobs = [b for (b,) in w.sql("SELECT model FROM models ORDER BY id")]
        eq(len(blobs), 2)
        check(blobs[0] == blobs[1], "undecided samples changed the model")
        n = [json.loads(i)["verdicts"] for (i,) in w.sql("SELECT info FROM models ORDER BY id")]
        eq(n[0], n[1])
        check(100 < n[0] < 200, n)


def test_learn_folds_the_write_ahead_log_into_the_database():
    """The review screen leaves its checkpoints to the learn it runs every N
    decisions: learn folds what the log holds into the database file."""
    with workdir() as w:
        decide_labels(w)
        # another connection keeps the log from being folded when it closes
        keep = sqlite3.connect(w.db)
        keep.execute("PRAGMA wal_autocheckpoint = 0")
        keep.execute("CREATE TABLE filler (x BLOB)")
        for _ in range(50):
            keep.execute("INSERT INTO filler VALUES (zeroblob(8000))")
            keep.commit()
        size = os.path.getsize(w.db)
        eq(w.run("learn").code, 0)
        check(os.path.getsize(w.db) > size + 50 * 8000, "the log was not folded in")
        busy, frames, folded = keep.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        eq((busy, folded), (0, frames))
        keep.close()


def learned_state(w):
    """Every learned score (value, flag, reason, detail), the combined
    scores in queue order, and the learned order."""
    return (w.sql("SELECT sample_id, value, flagged, reason, detail FROM scores "
                  "WHERE scorer = 'learned' ORDER BY sample_id"),
            w.sql("SELECT id, quality FROM samples JOIN sample_quality ON sample_id = id ORDER BY quality, id"),
            w.sql("SELECT sample_id FROM sample_scores WHERE learned IS NOT NULL "
                  "ORDER BY learned, sample_id"))


def test_rescoring_on_two_cores_writes_the_same_and_only_what_changed():
    with workdir() as one, workdir() as two:
        for w in (one, two):
            decide_labels(w, two_batches=True)
            eq(w.run("learn").code, 0)
        # every score written, predicted on one core ...
        eq(one.run("score", "--scorer", "learned", "--rescore", env={"ASSAY_THREADS": "1"}).code, 0)
        want = learned_state(one)
        n = one.sql("SELECT count(*) FROM samples")[0][0]
        eq(len(want[0]), n)
        check(any(f for _, _, f, _, _ in want[0]) and not all(f for _, _, f, _, _ in want[0]),
              "some flagged, some not")
        # ... and on two, in pages, the same bytes
        args = ("score", "--scorer", "learned", "--rescore")
        eq(two.run(*args, env={"ASSAY_THREADS": "2"}).code, 0)
        eq(learned_state(two), want)
        # a rescore that changes nothing writes nothing and leaves the same
        eq(two.run(*args, env={"ASSAY_THREADS": "2"}).code, 0)
        eq(learned_state(two), want)
        # a new model of the same verdicts predicts the same values, but every
        # score now names it: none may be left as it was (the second batch's
        # with the new version already known from the first's)
        eq(two.run("learn").code, 0)
        eq(two.run(*args, "--batch", "demo").code, 0)
        eq(two.run(*args).code, 0)
        got = learned_state(two)
        eq([(i, v, f, r) for i, v, f, r, _ in got[0]], [(i, v, f, r) for i, v, f, r, _ in want[0]])
        eq({json.loads(d)["model"] for *_, d in got[0]}, {2})
        eq(got[1:], want[1:])
        # the flagged reasons read the same in the export's provenance
        r = two.run("export", "--provenance", "--status", "rejected")
        eq(r.code, 0, r)
        reasons = {i: rs for i, _, f, rs, _ in want[0] if f}
        ids = dict(two.sql("SELECT ext_id, id FROM samples"))
        seen = 0
        for line in r.out.splitlines():
            rec = json.loads(line)
            sid = ids[rec["id"]]
            if sid in reasons:
                eq(rec["_assay"]["scores"]["learned"]["reason"], reasons[sid])
                seen += 1
        check(seen > 0, "no flagged sample exported")


def test_a_new_model_over_many_samples_writes_in_bulk_what_row_by_row_writes():
    """A new model's scores over most of a large database are written in one
    transaction with the indexes over them built again after (score_bulk.c);
    the same scores written a batch of under 10,000 at a time, row by row,
    leave every value, reason, combined score, order and index the same."""
    rng = random.Random(7)
    words = ["logo", "draw", "as", "an", "ai"] + [f"w{k}" for k in range(300)]
    halves = [[json.dumps({"id": f"g{h}-{i}",
                           "text": " ".join(rng.choice(words) for _ in range(9))})
               for i in range(6000)] for h in range(2)]
    with workdir() as one, workdir() as two:
        paths = [one.file(f"half{h}.jsonl", "\n".join(lines) + "\n")
                 for h, lines in enumerate(halves)]
        for w in (one, two):
            decide_labels(w)
        eq(one.run("import", "--no-score", "--batch", "many", *paths).code, 0)
        for h, p in enumerate(paths):
            eq(two.run("import", "--no-score", "--batch", f"half{h}", p).code, 0)
        schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
        before = one.sql(schema)
        for w in (one, two):
            eq(w.run("learn").code, 0)
        # one run over every sample: in bulk
        eq(one.run("score", "--scorer", "learned", "--rescore").code, 0)
        # a batch at a time, each under 10,000 samples: row by row
        for b in ("demo", "half0", "half1"):
            eq(two.run("score", "--scorer", "learned", "--rescore", "--batch", b).code, 0)
        got, want = learned_state(one), learned_state(two)
        eq(len(got[0]), one.sql("SELECT count(*) FROM samples")[0][0])
        eq(got, want)
        eq(one.sql(schema), before)
        eq(one.sql("PRAGMA integrity_check"), [("ok",)])
        # the rebuilt indexes hold every row
        eq(one.sql("SELECT sample_id FROM sample_scores INDEXED BY sample_scores_by_learned"
                   " WHERE learned IS NOT NULL ORDER BY learned, sample_id"), got[2])
        eq(one.sql("SELECT sample_id, quality FROM sample_quality"
                   " INDEXED BY sample_quality_by_quality ORDER BY quality, sample_id"), got[1])


def test_stats_marks_the_learned_score_in_sample_beside_its_out_of_fold_figure():
    """Judged against the verdicts its model learned, the learned score looks
    near perfect: stats --scorers (table, CSV, JSON) and the HTML report mark
    it in-sample and give the out-of-fold AUC that `learn` measured."""
    with workdir() as w:
        decide_labels(w)
        r = w.run("stats", "--scorers")
        eq(r.code, 0, r)
        check("in-sample" not in r.out and "learned" not in r.out, r.out)  # no model yet
        info = learn_json(w)
        oof = info["out_of_fold_auc"]["auc"]
        eq(w.run("score").code, 0)
        r = w.run("stats", "--scorers")
        eq(r.code, 0, r)
        row = [x for x in r.out.splitlines() if x.startswith("learned")][0]
        check(row.startswith("learned* "), row)
        check(not [x for x in r.out.splitlines() if x.startswith("length*")], r.out)
        contains(r.out, "* in-sample: the learned model was trained on these verdicts")
        contains(r.out, f"measured its AUC out of fold: {oof:.3f}")
        j = json.loads(w.run("stats", "--scorers", "--format", "json").out)
        by = {s["scorer"]: s for s in j["scorers"]}
        eq(by["learned"]["in_sample"], True)
        check(abs(by["learned"]["out_of_fold_auc"] - oof) < 1e-9, by["learned"])
        eq(by["length"]["in_sample"], False)
        check("out_of_fold_auc" not in by["length"], by["length"])
        check(by["learned"]["auc_reject"]["auc"] > oof, by["learned"])  # why it is marked
        csv = w.run("stats", "--scorers", "--format", "csv").out.splitlines()
        head = csv[0].split(",")
        learned = [x.split(",") for x in csv if x.startswith("learned,")][0]
        eq(learned[head.index("in_sample")], "1")
        check(abs(float(learned[head.index("out_of_fold_auc")]) - oof) < 1e-5, learned)
        page = os.path.join(w.path, "audit.html")
        eq(w.run("report", "--html", page).code, 0)
        html = open(page, encoding="utf-8").read()
        contains(html, "<td>learned*</td>")
        contains(html, f"measured its AUC out of fold: {oof:.3f}")
