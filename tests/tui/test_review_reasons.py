"""The reason picker on the review screen (tmux, 80x24 and 200x60): more
than ten configured reasons are all reachable (digits for the first ten,
Up/Down and Enter for every one, the list scrolling), and the sample's
flagged scorers' reasons come first, then the learned model's likely one,
then the rest in the configured order."""
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, eq, put_score  # noqa: E402

REPEATED = "The heron stands in the water. " * 12
NAMED = [f"reason-{i:02d}" for i in range(1, 19)]
REASONS = NAMED[:4] + ["repetition"] + NAMED[4:] + ["late-one", "other"]


def setup(w):
    recs = [json.dumps({"id": f"s{i}", "caption": f"{REPEATED} Number {i}."}) for i in range(2)]
    r = w.run("import", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
    eq(r.code, 0, r)
    flagged = w.sql("SELECT count(*) FROM scores WHERE scorer = 'repetition' AND flagged = 1")
    eq(flagged[0][0], 2)
    # the learned model's likely reason for s0
    con = sqlite3.connect(w.db)
    (n,) = con.execute("SELECT id FROM samples WHERE ext_id = 's0'").fetchone()
    put_score(con, n, "learned", 0.9, version="t",
              detail='{"p_reject": 0.9, "model": "t", "reason": "late-one"}')
    con.commit()
    con.close()
    w.file("assay.conf", "reasons = " + ", ".join(REASONS) + "\n")


def screen(w, size):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
           "--order", "import"]
    return Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)


def wait_db(w, query, want, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and w.sql(query) != want:
        time.sleep(0.05)
    eq(w.sql(query), want)


def test_flagged_and_learned_reasons_come_first_and_every_reason_is_reachable():
    for size in ((80, 24), (200, 60)):
        with Workdir() as w:
            setup(w)
            with screen(w, size) as t:
                t.wait_for("s0  (b)")
                t.keys("r")
                s = t.wait_for("reject: why?")
                t.wait_for("1  repetition")
                s = t.wait_for("2  late-one")
                check("3  reason-01" in s, s)
                t.keys("1")
                wait_db(w, "SELECT reason FROM decisions", [("repetition",)])
                # s1 has no learned reason; "other" is the 22nd: Down to it
                t.wait_for("s1  (b)")
                t.keys("r")
                t.wait_for("1  repetition")
                s = t.screen()
                check("late-one" not in s or size[1] > 24, s)
                for _ in range(len(REASONS) - 1):
                    t.keys("Down")
                s = t.wait_for("other")
                check("1  repetition" not in s or size[1] > 24, s)
                t.keys("Enter")
                t.wait_for("other reason:")
                t.keys("far away", literal=True)
                t.keys("Enter")
                wait_db(w, "SELECT reason FROM decisions ORDER BY sample_id",
                        [("repetition",), ("other: far away",)])
