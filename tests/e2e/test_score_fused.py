"""End-to-end tests of the rule scorers run inside the near-duplicate pass:
an import (or `score` after `import --no-score`) writes each sample's row
of scores and its notes once (the rules' and neardup's scores together)
and its combined score once, as triggers on the tables count; a run killed
between two of the pass's chunks leaves every committed sample with all
of its scores and its combined score, and `score` then completes it to
what an uninterrupted run stores (the combined score's indexes, set aside
by the pass, built again as they were; read-only commands work without
them meanwhile); a sample that already holds a score of
another scorer (a learned one) gets its combined score from its stored
row, that score included."""
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import time

from harness import BIN, SAMPLE_DATA, Workdir, check, eq

FILES = [os.path.join(SAMPLE_DATA, n) for n in
         ("captions.jsonl", "instructions.jsonl", "chat.jsonl", "tasks.jsonl")]

# Every write of a sample's scores, notes and combined score, as it lands.
TRACE = """
CREATE TABLE fused_trace (tbl TEXT, op TEXT, sample_id INTEGER);
CREATE TRIGGER fused_si AFTER INSERT ON sample_scores
  BEGIN INSERT INTO fused_trace VALUES ('scores', 'insert', NEW.sample_id); END;
CREATE TRIGGER fused_su AFTER UPDATE ON sample_scores
  BEGIN INSERT INTO fused_trace VALUES ('scores', 'update', NEW.sample_id); END;
CREATE TRIGGER fused_ni AFTER INSERT ON score_notes
  BEGIN INSERT INTO fused_trace VALUES ('notes', 'insert', NEW.sample_id); END;
CREATE TRIGGER fused_nu AFTER UPDATE ON score_notes
  BEGIN INSERT INTO fused_trace VALUES ('notes', 'update', NEW.sample_id); END;
CREATE TRIGGER fused_q AFTER UPDATE OF quality ON sample_quality
  BEGIN INSERT INTO fused_trace VALUES ('quality', 'update', NEW.sample_id); END;
"""


def traced(w):
    con = sqlite3.connect(w.db)
    try:
        con.executescript(TRACE)
    finally:
        con.close()


def writes(w):
    """(table, op): {sample id: times written}."""
    out = {}
    for tbl, op, sid in w.sql("SELECT tbl, op, sample_id FROM fused_trace"):
        d = out.setdefault((tbl, op), {})
        d[sid] = d.get(sid, 0) + 1
    return out


def check_once(w):
    scored = {r[0] for r in w.sql("SELECT sample_id FROM sample_scores")}
    check(len(scored) > 500, len(scored))
    got = writes(w)
    once = {sid: 1 for sid in scored}
    eq(got.get(("scores", "insert")), once, "each sample's row of scores inserted once")
    eq(got.get(("scores", "update")), None, "a row of scores written again")
    eq(got.get(("notes", "insert")), once, "each sample's notes inserted once")
    eq(got.get(("notes", "update")), None, "notes written again")
    eq(got.get(("quality", "update")), once, "each sample's combined score written once")
    # and it is the product of the scores the sample holds (default weights)
    bad = w.sql("SELECT count(*) FROM sample_quality q WHERE q.sample_id IN"
                " (SELECT sample_id FROM sample_scores) AND abs(q.quality - (SELECT"
                " exp(sum(ln(max(min(value, 1), 1e-300)))) FROM scores WHERE sample_id ="
                " q.sample_id AND value IS NOT NULL)) > 1e-9")
    eq(bad, [(0,)])


def test_import_and_its_pass_write_each_samples_scores_once():
    with Workdir() as w:
        seed = w.file("seed.jsonl", json.dumps({"id": "seed", "text": "a seed"}) + "\n")
        eq(w.run("import", "--no-score", "--batch", "seed", seed).code, 0)
        traced(w)
        r = w.run("import", "--batch", "data", *FILES)
        eq(r.code, 0, r)
        check_once(w)
        n = w.sql("SELECT count(*) FROM sample_scores")[0][0]
        check(f"combined scores written: {n}\n" in r.out, r.out)
        check(all(f"{name} " in r.out for name in ("length", "task", "neardup")), r.out)
        # the seed batch was not in scope: no score
        eq(w.sql("SELECT count(*) FROM sample_scores ss JOIN samples s ON s.id = ss.sample_id"
                 " WHERE s.ext_id = 'seed'"), [(0,)])


def test_score_after_import_no_score_writes_each_samples_scores_once():
    with Workdir() as w:
        eq(w.run("import", "--no-score", *FILES).code, 0)
        traced(w)
        r = w.run("score")
        eq(r.code, 0, r)
        check_once(w)
        # nothing left: a second run writes nothing
        before = w.sql("SELECT count(*) FROM fused_trace")
        eq(w.run("score").code, 0)
        eq(w.sql("SELECT count(*) FROM fused_trace"), before)


def stored(w):
    """Every sample's scores and notes as stored, the forms of the notes,
    the scorers' versions, the combined scores and the index's rows."""
    return (w.sql("SELECT ss.sample_id, ss.flags, ss.learned, hex(ss.vals), hex(ss.vers),"
                  " hex(n.notes) FROM sample_scores ss LEFT JOIN score_notes n"
                  " ON n.sample_id = ss.sample_id ORDER BY 1"),
            w.sql("SELECT * FROM score_forms ORDER BY id"),
            w.sql("SELECT id, slot, version FROM scorer_versions ORDER BY id"),
            w.sql("SELECT ext_id, quality FROM samples JOIN sample_quality ON sample_id = id"
                  " ORDER BY 1"),
            w.sql("SELECT * FROM neardup ORDER BY sample_id"))


def many(w, n=70000):
    """n varied captions: more than two of the pass's chunks (32,768)."""
    rnd = random.Random(11)
    words = [f"w{i}" for i in range(3000)]
    lines = []
    for i in range(n):
        text = " ".join(rnd.choice(words) for _ in range(rnd.randint(4, 14))) + "."
        if i % 50 == 7:
            text = lines[-1][1] if lines else text  # a near-duplicate now and then
            text = text.replace("w1", "w2", 1)
        lines.append((f"c{i}", text))
    return w.file("many.jsonl", "".join(json.dumps({"id": i, "caption": t}) + "\n"
                                        for i, t in lines))


def copy_db(src, dst):
    for sfx in ("", "-wal", "-shm"):
        if os.path.exists(dst + sfx):
            os.remove(dst + sfx)
    for sfx in ("", "-wal"):
        if os.path.exists(src + sfx):
            shutil.copyfile(src + sfx, dst + sfx)


def kill_after_a_chunk(db):
    """Runs `score`, SIGKILLed once the pass has committed a chunk; whether
    it was killed before it ended."""
    p = subprocess.Popen([BIN, "--db", db, "score", "--quiet"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while p.poll() is None and time.monotonic() < deadline:
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)
            try:
                upto = con.execute("SELECT upto FROM neardup_index").fetchone()
            finally:
                con.close()
        except sqlite3.Error:
            upto = None
        if upto and upto[0] > 0:
            break
        time.sleep(0.002)
    killed = p.poll() is None
    if killed:
        os.kill(p.pid, signal.SIGKILL)
    p.wait()
    return killed


def test_kill_between_chunks_then_score_completes_identically():
    with Workdir() as ref, Workdir() as w:
        src = many(ref)
        eq(ref.run("import", "--no-score", src).code, 0)
        eq(w.run("import", "--no-score", src).code, 0)
        eq(ref.run("score").code, 0)
        want = stored(ref)
        total = len(want[3])
        template = os.path.join(w.path, "unscored.db")
        copy_db(w.db, template)
        for _ in range(5):
            if kill_after_a_chunk(w.db):
                break
            copy_db(template, w.db)
        else:
            check(False, "no run was killed mid-pass")
        # one transaction a chunk: a committed sample holds every score and
        # its combined score, the others none
        upto = w.sql("SELECT upto FROM neardup_index")[0][0]
        check(0 < upto < total, upto)
        counts = w.sql("SELECT scorer, count(*) FROM scores GROUP BY scorer")
        check(len(counts) == 9 and len({c for _, c in counts}) == 1, counts)
        eq(w.sql("SELECT count(*) FROM sample_quality WHERE quality IS NOT NULL"),
           [(counts[0][1],)])
        eq(w.sql("SELECT count(*) FROM sample_scores WHERE sample_id > ?", upto), [(0,)])
        # the pass had set the combined score's indexes aside: commands that
        # only read work without them, and the next writer builds them
        indexes = ("SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                   " AND tbl_name = 'sample_quality' ORDER BY name")
        eq(w.sql(indexes), [])
        for cmd in (["stats"], ["stats", "--scorers"], ["info"]):
            r = w.run(*cmd)
            eq(r.code, 0, r)
        r = w.run("score")
        eq(r.code, 0, r)
        eq(stored(w), want)
        eq(w.sql(indexes), ref.sql(indexes))
        eq(len(ref.sql(indexes)), 2)


def test_a_sample_holding_another_score_gets_its_combined_from_its_row():
    """A sample that held a learned score (a model from the verdicts) gets
    the rules' and neardup's scores written in the pass, and its combined
    score is the product of all of them, the learned one included: read
    back from its row, not made from the pass's values alone."""
    with Workdir() as w:
        files = FILES[:2]
        eq(w.run("import", "--no-score", *files).code, 0)
        labels = [json.loads(line) for line in open(os.path.join(SAMPLE_DATA, "labels.jsonl"))]
        lines = [json.dumps({"id": l["id"], "verdict": "reject" if l["flaws"] else "accept",
                             **({"reason": l["flaws"][0]} if l["flaws"] else {})})
                 for l in labels]
        r = w.run("decide", "--annotator", "ana", "--from", "-", stdin="\n".join(lines) + "\n")
        check(r.code in (0, 65), r)
        eq(w.run("learn").code, 0)
        eq(w.run("score", "--scorer", "learned").code, 0)
        n = w.sql("SELECT count(*) FROM samples")[0][0]
        eq(w.sql("SELECT count(*) FROM scores WHERE scorer = 'learned'"), [(n,)])
        rules = "length,gopher,repetition,artifacts,truncation,charset,hedging,task,neardup"
        r = w.run("score", "--scorer", rules)
        eq(r.code, 0, r)
        check(f"combined scores written: {n}\n" in r.out, r.out)
        eq(w.sql("SELECT count(*) FROM scores"), [(10 * n,)])
        bad = w.sql("SELECT count(*) FROM sample_quality q WHERE abs(q.quality - (SELECT"
                    " exp(sum(ln(max(min(value, 1), 1e-300)))) FROM scores WHERE sample_id ="
                    " q.sample_id AND value IS NOT NULL)) > 1e-9")
        eq(bad, [(0,)], "combined scores without the learned score")
