"""The model in the loop on a PostgreSQL store (--db postgresql://...), in
a real terminal (tmux): after every N decisions (--retrain-every) `learn`
runs in a child process against the server, the top bar shows its
out-of-fold AUC and verdicts, and the undecided samples' learned scores
follow the new model, as on an SQLite file (test_review_retrain.py). The
server is the one tests/run starts ($ASSAY_TEST_PG); without it these
tests say so."""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, HERE)
from harness import check, contains, eq  # noqa: E402
import test_pg_store as pgs  # noqa: E402
import test_review_retrain as rt  # noqa: E402


def newest_model(w):
    got = pgs.psql(w.db, "SELECT coalesce(max(id), 0) FROM models").strip()
    return int(got)


def learned_versions(w):
    """The models of the undecided samples' learned scores, with counts."""
    out = pgs.psql(w.db, "SELECT n.details[k.slot + 1]::jsonb ->> 'model', count(*)"
                   " FROM sample_scores sc JOIN score_notes n ON n.sample_id = sc.sample_id"
                   " JOIN scorers k ON k.name = 'learned'"
                   " WHERE sc.learned IS NOT NULL AND NOT EXISTS (SELECT 1 FROM decisions d"
                   "  WHERE d.sample_id = sc.sample_id AND d.verdict <> 'skipped') GROUP BY 1")
    return [(int(m), int(c)) for m, c in (ln.split("|") for ln in out.splitlines() if ln)]


def wait_versions(w, model, undecided, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if learned_versions(w) == [(model, undecided)]:
            return
        time.sleep(0.2)
    raise AssertionError(f"the undecided samples' learned scores: {learned_versions(w)}")


def test_the_model_retrains_on_postgresql_and_the_top_bar_follows():
    uri = pgs.server()
    if not uri:
        return
    w = pgs.pg_workdir(uri, "retrain")
    try:
        rt.setup(w)
        eq(newest_model(w), 0)
        with rt.screen(w, "--retrain-every", "4", size=(160, 30)) as t:
            s = t.wait_for("s12  (b)")
            check("model" not in s.splitlines()[0], s)
            # the top bar names the schema and database
            contains(s.splitlines()[0], f"| {w.schema}@")
            rt.decide(t, "r", "s13  (b)")
            rt.decide(t, "a", "s14  (b)")
            rt.decide(t, "r", "s15  (b)")
            rt.decide(t, "a", "s16  (b)")
            s = t.wait_for("model AUC ", timeout=60)
            contains(s.splitlines()[0], "of 16 verdicts")
            first = newest_model(w)
            eq(first, 1)
            wait_versions(w, first, 24)
            rt.decide(t, "r", "s17  (b)")
            rt.decide(t, "a", "s18  (b)")
            rt.decide(t, "r", "s19  (b)")
            rt.decide(t, "a", "s20  (b)")
            t.wait_for("of 20 verdicts", timeout=60)
            eq(newest_model(w), 2)
            wait_versions(w, 2, 20)
            t.keys("q")
            t.wait_exit()
        eq(pgs.psql(w.db, "SELECT count(*) FROM decisions").strip(), "20")
    finally:
        pgs.pg_done(w)
