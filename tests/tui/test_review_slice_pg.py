"""The review screen's slices on a PostgreSQL store, in a real terminal
(tmux), against the same screens on an SQLite file: `review --where` in
each order and `--slice NAME` queue the same samples of sample-data with
the same top bar, a verdict on the slice lands, and `review --conflicts`
walks and settles the same conflicts. The server is the one tests/run
starts ($ASSAY_TEST_PG); without it these tests say so."""
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from harness import BIN, ROOT, Tmux, Workdir, contains, eq  # noqa: E402
import test_pg_same_output as same  # noqa: E402
import test_pg_store as pgs  # noqa: E402

SAMPLE_DATA = os.path.join(ROOT, "sample-data")
WHERE = 'kind = response and not conflict'


def setup(w):
    for i, f in enumerate(("captions.jsonl", "instructions.jsonl", "chat.jsonl")):
        r = w.run("import", "--batch", f"b{i + 1}", os.path.join(SAMPLE_DATA, f))
        eq(r.code, 0, r)
    with open(os.path.join(SAMPLE_DATA, "labels.jsonl")) as f:
        labels = [json.loads(line) for line in f]
    r = w.run("decide", "--from", w.file("d.jsonl", same.decisions(labels)),
              env={"ASSAY_ANNOTATOR": "x"})
    eq(r.code in (0, 65), True, r)
    w.file("assay.conf", f'[slice.answers]\nwhere = "{WHERE}"\n')


def screen(w, *args):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
           "--retrain-every", "0", *args]
    return Tmux(cmd, width=200, height=30, env=e, cwd=w.path)


def top(t, w):
    """The top bar's counts (the rest of it is cut to the database's name)
    and the sample's line."""
    lines = t.screen().splitlines()
    counts = re.findall(r"\d+/\d+, \d+ left|\d+ left, \d+ settled", lines[0])
    return [counts, lines[1].rstrip()]


def next_sample(t, w, before):
    """Waits until the screen shows another sample than before's."""
    end = time.monotonic() + 10
    while top(t, w)[1] == before[1] and time.monotonic() < end:
        time.sleep(0.05)
    return top(t, w)


def session(w):
    out = {}
    setup(w)
    for order in ("import", "quality", "random"):
        with screen(w, "--order", order, "--where", WHERE) as t:
            t.wait_for("0/136, 136 left")
            t.wait_for("(b")
            seen = [top(t, w)]
            for _ in range(3):
                t.keys("s")
                seen.append(next_sample(t, w, seen[-1]))
            t.keys("q")
            eq(t.wait_exit(), 0)
        out["where " + order] = seen
    with screen(w, "--order", "import", "--slice", "answers") as t:
        t.wait_for("0/136, 136 left")
        t.wait_for("(b")
        first = top(t, w)
        t.keys("a")
        t.wait_for("1/136, 135 left")
        out["slice"] = [first, top(t, w)]
        t.keys("q")
        eq(t.wait_exit(), 0)
    with screen(w, "--conflicts") as t:
        t.wait_for("22 left, 0 settled")
        first = top(t, w)
        t.keys("a")
        t.wait_for("21 left, 1 settled")
        out["conflicts"] = [first, top(t, w)]
        t.keys("q")
        eq(t.wait_exit(), 0)
    for e in (WHERE, "conflict", "verdict = accepted and annotator = \"tester\""):
        r = w.run("info", "--where", e)
        out["info " + e] = (r.code, r.out)
    return out


def test_review_slices_and_conflicts_same_on_sqlite_and_postgresql():
    uri = pgs.server()
    if not uri:
        return
    with Workdir() as lite:
        a = session(lite)
    w = pgs.pg_workdir(uri, "rslice")
    try:
        b = session(w)
    finally:
        pgs.pg_done(w)
    eq(sorted(b), sorted(a))
    for k in a:
        eq(b[k], a[k], k)
    eq(a["where import"][0][0], ["0/136, 136 left"])
    contains(a["info verdict = accepted and annotator = \"tester\""][1], "samples   1 ")
