"""A decision kept while another writer's lock holds it back keeps its
sample leased: on PostgreSQL a lock on the events table does not stop the
lease's renewal (the leases table is free), so the sample on screen must
stay its annotator's however long the decision waits, and another
annotator opening the queue meanwhile gets the next sample, never this
one (else both decide it once the lock goes)."""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from harness import BIN, Tmux, WriteLock, check, eq  # noqa: E402
import test_pg_store as pgs  # noqa: E402


def pg_screen(w, annotator):
    e = {"ASSAY_ANNOTATOR": annotator, "HOME": w.path, "XDG_CONFIG_HOME": w.path,
         "ASSAY_LEASE_MS": "2000"}
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
           "--order", "import", "--retrain-every", "0"]
    return Tmux(cmd, width=160, height=24, env=e, cwd=w.path)


def lease_left_ms(w, ext_id, annotator):
    out = pgs.psql(w.db, "SELECT max(l.expires_at) - (extract(epoch FROM clock_timestamp())"
                         " * 1000)::bigint FROM leases l JOIN samples s ON s.id = l.sample_id"
                         " JOIN annotators a ON a.id = l.annotator_id"
                         f" WHERE s.ext_id = '{ext_id}' AND a.name = '{annotator}'").strip()
    return int(out) if out else None


def test_on_postgresql_a_waiting_decision_keeps_its_sample_leased():
    uri = pgs.server()
    if not uri:
        return
    w = pgs.pg_workdir(uri, "waitlease")
    try:
        recs = [json.dumps({"id": f"s{i}", "caption": f"Sample number {i}: a grey heron."})
                for i in range(3)]
        r = w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
        eq(r.code, 0, r)
        with pg_screen(w, "tester") as t:
            t.wait_for("s0  (b)  undecided", timeout=30)
            with WriteLock(w, "events"):
                t.keys("a")
                t.wait_for("waiting for another writer", timeout=30)
                time.sleep(3.5)  # longer than the lease: it is renewed meanwhile
                left = lease_left_ms(w, "s0", "tester")
                check(left is not None and left > 0, f"the waiting sample's lease: {left}")
                with pg_screen(w, "bob") as b:
                    s = b.wait_for("(b)  undecided", timeout=30)
                    check("s0  (b)" not in s, "another annotator got the sample on screen:\n" + s)
                    b.keys("q")
                    b.wait_exit()
            t.wait_for("s1  (b)  undecided", timeout=30)
            t.keys("q")
            eq(t.wait_exit(), 0)
    finally:
        w.__exit__(None, None, None)
