"""End-to-end tests of a new model's learned scores written while an
annotator is at work (src/store/score_bulk.c): in steps, so decisions made
meanwhile are saved; a kill leaves whole samples and a run again finishes."""
import json
import random
import sqlite3
import subprocess
import time

from harness import BIN, check, eq, workdir
from test_learn import decide_labels, learned_state


def many_samples(ws, n=6000):
    """Sample-data decided as its labels say, two halves of n generated
    undecided samples (batch "many" in the first workdir, "half0" and
    "half1" in the others), and a model learned in each."""
    rng = random.Random(7)
    words = ["logo", "draw", "as", "an", "ai"] + [f"w{k}" for k in range(300)]
    halves = [[json.dumps({"id": f"g{h}-{i}",
                           "text": " ".join(rng.choice(words) for _ in range(9))})
               for i in range(n)] for h in range(2)]
    for k, w in enumerate(ws):
        paths = [w.file(f"half{h}.jsonl", "\n".join(lines) + "\n")
                 for h, lines in enumerate(halves)]
        decide_labels(w)
        if k == 0:
            eq(w.run("import", "--no-score", "--batch", "many", *paths).code, 0)
        else:
            for h, p in enumerate(paths):
                eq(w.run("import", "--no-score", "--batch", f"half{h}", p).code, 0)
        eq(w.run("learn").code, 0)


def row_by_row(w):
    """The new model's scores written a batch at a time (each under 10,000
    samples: row by row), for comparing."""
    for b in ("demo", "half0", "half1"):
        eq(w.run("score", "--scorer", "learned", "--rescore", "--batch", b).code, 0)
    return learned_state(w)


def hold_a_lease(w):
    """An annotator's review screen open on sample 1 (its lease, as the
    screen takes it)."""
    con = sqlite3.connect(w.db)
    con.execute("INSERT INTO annotators (name, first_seen) VALUES ('screen', 1)")
    con.execute("INSERT INTO leases (sample_id, annotator_id, expires_at)"
                " SELECT 1, id, 9000000000000000 FROM annotators WHERE name = 'screen'")
    con.commit()
    con.close()


def test_decisions_made_while_a_new_model_rescores_are_saved():
    """Decisions made while the run writes, each allowed to wait one second,
    are all saved, and the run writes what row by row writes."""
    with workdir() as one, workdir() as two:
        many_samples([one, two])
        hold_a_lease(one)
        run = subprocess.Popen([BIN, "--db", one.db, "score", "--scorer", "learned",
                                "--rescore", "--quiet"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        decided = 0
        while run.poll() is None and decided < 40:
            r = one.run("decide", "--annotator", "bob", f"g0-{decided}", "accept",
                        env={"ASSAY_BUSY_TIMEOUT_MS": "1000"})
            eq(r.code, 0, r)
            decided += 1
        _, err = run.communicate(timeout=300)
        eq(run.returncode, 0, err)
        eq(one.sql("SELECT count(*) FROM decisions d JOIN annotators a"
                   " ON a.id = d.annotator_id WHERE a.name = 'bob'"), [(decided,)])
        eq(learned_state(one), row_by_row(two))
        eq(one.sql("PRAGMA integrity_check"), [("ok",)])


def test_a_rescore_in_steps_killed_leaves_whole_samples_and_a_run_again_finishes_it():
    """kill -9 once the first step is in: the database is whole, every
    sample with scores has its combined score, and the same command then
    finishes the work."""
    with workdir() as one, workdir() as two:
        many_samples([one, two])
        hold_a_lease(one)
        want = row_by_row(two)
        run = subprocess.Popen([BIN, "--db", one.db, "score", "--scorer", "learned",
                                "--rescore", "--quiet"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while run.poll() is None and time.monotonic() < deadline:
            if one.sql("SELECT count(*) FROM sample_scores WHERE learned IS NOT NULL")[0][0]:
                break
            time.sleep(0.005)
        run.kill()
        run.wait()
        eq(one.sql("PRAGMA integrity_check"), [("ok",)])
        eq(one.sql("SELECT count(*) FROM sample_scores ss JOIN sample_quality s"
                   " ON s.sample_id = ss.sample_id WHERE s.quality IS NULL"), [(0,)])
        eq(one.run("score", "--scorer", "learned").code, 0)
        eq(learned_state(one), want)
        check(one.sql("SELECT count(*) FROM samples")[0][0] > 12000)
