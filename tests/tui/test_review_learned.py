"""The review screen in the learned model's orders (tmux): --order learned
shows the sample the model finds likeliest to be rejected first, --order
uncertain the one closest to its decision boundary; without learned scores
both orders are refused."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, SAMPLE_DATA, Tmux, Workdir, check, contains, eq  # noqa: E402


def screen(w, order):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s',
           BIN, "--db", w.db, "review", "--batch", "b", "--order", order]
    return Tmux(cmd, width=100, height=30, env=e, cwd=w.path)


def learned_db(w):
    """sample-data's captions: the first 300 in batch "train", decided by ana
    as the labels say, a model learned from them; the rest in batch "b";
    every sample scored by the model. (ana's verdicts are in another batch,
    so b's queue starts at the start of its order, not after them.)"""
    lines = open(os.path.join(SAMPLE_DATA, "captions.jsonl")).read().splitlines()
    eq(w.run("import", "--batch", "train", w.file("train.jsonl", "\n".join(lines[:300]))).code, 0)
    eq(w.run("import", "--batch", "b", w.file("b.jsonl", "\n".join(lines[300:]))).code, 0)
    labels = [json.loads(l) for l in open(os.path.join(SAMPLE_DATA, "labels.jsonl"))]
    decisions = [json.dumps({"id": l["id"], "verdict": "reject" if l["flaws"] else "accept",
                             "reason": l["flaws"][0] if l["flaws"] else None, "batch": "train"})
                 for l in labels[:300]]
    r = w.run("decide", "--annotator", "ana", "--from", "-", stdin="\n".join(decisions) + "\n")
    check(r.code in (0, 65), r)
    eq(w.run("learn").code, 0)
    eq(w.run("score").code, 0)


UNDECIDED = ("FROM scores sc JOIN samples s ON s.id = sc.sample_id"
             " JOIN batches b ON b.id = s.batch_id WHERE sc.scorer = 'learned' AND b.name = 'b'")


def test_learned_order_shows_the_likeliest_rejection_first():
    with Workdir() as w:
        learned_db(w)
        (want, p), = w.sql("SELECT s.ext_id, 1 - sc.value " + UNDECIDED +
                           " ORDER BY sc.value, s.id LIMIT 1")
        (first,), = w.sql("SELECT s.ext_id " + UNDECIDED + " ORDER BY s.id LIMIT 1")
        check(want != first and p > 0.5, (want, first, p))  # the order matters here
        with screen(w, "learned") as t:
            s = t.wait_for(f"{want}  (b)  undecided")
            contains(s, "% likely rejected")
            t.keys("q")
            eq(t.wait_exit(), 0)
        (near,), = w.sql("SELECT s.ext_id " + UNDECIDED +
                         " ORDER BY abs(sc.value - 0.5), s.id LIMIT 1")
        check(near != want, near)
        with screen(w, "uncertain") as t:
            t.wait_for(f"{near}  (b)  undecided")
            t.keys("q")
            eq(t.wait_exit(), 0)


def test_learned_orders_need_learned_scores():
    with Workdir() as w:
        eq(w.run("import", "--batch", "b", os.path.join(SAMPLE_DATA, "captions.jsonl")).code, 0)
        for order in ("learned", "uncertain"):
            with screen(w, order) as t:
                t.wait_for("no sample has a learned score yet")
                eq(t.wait_exit(), 2)
