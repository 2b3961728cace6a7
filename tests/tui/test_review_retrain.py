"""The model in the loop on the review screen, in a real terminal (tmux):
after every N decisions (--retrain-every) the learned model retrains in a
child process and the top bar shows its out-of-fold AUC and how many
verdicts it learned from; the undecided samples' learned scores follow
the new model; keys keep working while it trains; the config's
review.retrain_every; a valgrind-clean session."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402

BAD = "I cannot draw pictures, as an AI. Sorry about that."
GOOD = "The heron number {} stands in the water of the lake at dawn."


def setup(w, n=40, decided=12):
    """n instruction samples, alternating impossible and answered; the
    first `decided` decided by ann (the impossible ones rejected)."""
    recs = []
    for i in range(n):
        bad = i % 2 == 0
        recs.append({"id": f"s{i:02d}",
                     "instruction": f"Draw a logo number {i}." if bad else f"Describe heron {i}.",
                     "output": BAD if bad else GOOD.format(i)})
    r = w.run("import", "--batch", "b", w.file("s.jsonl", "\n".join(json.dumps(x) for x in recs)))
    eq(r.code, 0, r)
    lines = [json.dumps({"id": f"s{i:02d}", "verdict": "reject" if i % 2 == 0 else "accept",
                         "reason": "impossible task" if i % 2 == 0 else None,
                         "annotator": "ann"}) for i in range(decided)]
    r = w.run("decide", "--from", w.file("d.jsonl", "\n".join(lines)))
    eq(r.code, 0, r)


def screen(w, *args, size=(120, 30), valgrind=None):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    cmd = [BIN, "--db", w.db, "review", "--order", "import", *args]
    if valgrind:
        cmd = ["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
               "--error-exitcode=99", "--trace-children=no", f"--log-file={valgrind}"] + cmd
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s'] + cmd
    return Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)


def newest_model(w):
    got = w.sql("SELECT max(id) FROM models")
    return got[0][0]


def learned_versions(w):
    """The models of the undecided samples' learned scores, with counts."""
    return w.sql("SELECT json_extract(sc.detail, '$.model'), count(*) FROM scores sc JOIN samples s ON s.id = sc.sample_id"
                 " WHERE sc.scorer = 'learned' AND NOT EXISTS (SELECT 1 FROM decisions d"
                 " WHERE d.sample_id = s.id AND d.verdict <> 'skipped') GROUP BY 1")


def wait_versions(w, model, undecided, timeout=30):
    """Until every undecided sample's learned score is of the model."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = learned_versions(w)
        if v == [(model, undecided)]:
            return
        time.sleep(0.1)
    raise AssertionError(f"the undecided samples' learned scores: {learned_versions(w)}")


def sanitized_build():
    out = subprocess.run(["meson", "introspect", "--buildoptions",
                          os.environ.get("ASSAY_BUILD", "")], capture_output=True, text=True).stdout
    try:
        return {o["name"]: o["value"] for o in json.loads(out)}.get("b_sanitize", "none") != "none"
    except ValueError:
        return False


def decide(t, key, sid_next):
    t.keys(key)
    if key == "r":
        t.wait_for("reject: why?")
        t.keys("1")
    t.wait_for(sid_next)


def test_the_model_retrains_every_n_decisions_and_the_top_bar_follows():
    with Workdir() as w:
        setup(w)
        eq(newest_model(w), None)
        with screen(w, "--retrain-every", "4") as t:
            s = t.wait_for("s12  (b)")
            check("model" not in s.splitlines()[0], s)
            # four decisions: a retrain starts; keys keep working meanwhile
            decide(t, "r", "s13  (b)")
            decide(t, "a", "s14  (b)")
            decide(t, "r", "s15  (b)")
            decide(t, "a", "s16  (b)")
            t.keys("l")  # undecided: the screen answers at once
            t.wait_for("decide this one first")
            s = t.wait_for("model AUC ", timeout=60)
            contains(s.splitlines()[0], "of 16 verdicts")
            first = newest_model(w)
            check(first is not None, "a model was stored")
            # the undecided samples' learned scores follow the new model
            wait_versions(w, first, 24)
            # four more: the next version, of 20 verdicts
            decide(t, "r", "s17  (b)")
            decide(t, "a", "s18  (b)")
            decide(t, "r", "s19  (b)")
            decide(t, "a", "s20  (b)")
            s = t.wait_for("of 20 verdicts", timeout=60)
            check(newest_model(w) > first, "a second version")
            wait_versions(w, newest_model(w), 20)
            # the decided samples keep the score the first model gave them
            eq(w.sql("SELECT count(*) FROM scores WHERE scorer = 'learned'"), [(24,)])
            t.keys("q")
            t.wait_exit()
        # only the model rows were written by the retrains: the verdicts are the screen's
        eq(w.sql("SELECT count(*) FROM decisions"), [(20,)])


def test_zero_never_retrains_and_the_config_sets_n():
    with Workdir() as w:
        setup(w)
        with screen(w, "--retrain-every", "0") as t:
            t.wait_for("s12  (b)")
            for i in range(13, 17):
                decide(t, "a", f"s{i}  (b)")
            t.keys("q")
            t.wait_exit()
        eq(newest_model(w), None)
        w.file("assay.conf", "[review]\nretrain_every = 2\n")
        with screen(w) as t:
            t.wait_for("s16  (b)")
            decide(t, "r", "s17  (b)")
            decide(t, "a", "s18  (b)")
            t.wait_for("model AUC ", timeout=60)
            t.keys("q")
            t.wait_exit()
        check(newest_model(w) is not None, "the config's 2 retrained")
        r = w.run("review", "--retrain-every", "x")
        eq(r.code, 2, r)
        contains(r.err, "--retrain-every: expected a number of decisions")
        contains(w.run("review", "--help").out, "--retrain-every N")


def test_a_retraining_session_under_valgrind():
    if sanitized_build():
        return  # valgrind and AddressSanitizer do not mix
    with Workdir() as w:
        setup(w)
        log = os.path.join(w.path, "vg-%p.log")
        with screen(w, "--retrain-every", "2", valgrind=log) as t:
            t.wait_for("s12  (b)", timeout=60)
            decide(t, "r", "s13  (b)")
            decide(t, "a", "s14  (b)")
            t.wait_for("model AUC ", timeout=120)
            decide(t, "r", "s15  (b)")
            decide(t, "a", "s16  (b)")
            t.keys("q")
            eq(t.wait_exit(timeout=120), 0)
        text = "".join(open(os.path.join(w.path, p)).read() for p in os.listdir(w.path)
                       if p.startswith("vg-"))
        contains(text, "ERROR SUMMARY: 0 errors")
