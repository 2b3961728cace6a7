"""End-to-end test of `decide --auto` on PostgreSQL writing a page of
rejections with a few statements, not several per sample (statements
counted on the wire); test_pg_learn checks that what it writes is what
SQLite's one by one writes."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import ROOT, eq  # noqa: E402
import test_pg_same_output as same  # noqa: E402
import test_pg_store as pgs  # noqa: E402
from test_pg_review_script import Counter, drop, pg_case  # noqa: E402


def test_decide_auto_on_postgresql_writes_a_page_not_a_sample_at_a_time():
    w = pg_case("autopages")
    if not w:
        return
    relay = Counter(w.db)
    try:
        r = w.run("import", os.path.join(ROOT, "sample-data", "captions.jsonl"), timeout=300)
        eq(r.code, 0, r)
        with open(os.path.join(ROOT, "sample-data", "labels.jsonl")) as f:
            labels = [json.loads(line) for line in f]
        r = w.run("decide", "--annotator", "lead",
                  "--from", w.file("d.jsonl", same.decisions(labels, every=2)), timeout=300)
        eq(r.code in (0, 65), True, r)
        for args in (("learn",), ("score", "--scorer", "learned")):
            r = w.run(*args, timeout=300)
            eq(r.code, 0, r)
        before = relay.count
        r = w.run("--db", relay.uri(w.db), "decide", "--auto", "--precision", "0.8",
                  timeout=300)
        eq(r.code, 0, r)
        rejected = int(re.search(r"rejected (\d+) undecided", r.out).group(1))
        eq(rejected > 20, True, r.out)
        eq(relay.count - before < rejected, True, (relay.count - before, rejected))
        eq(pgs.psql(w.db, "SELECT count(*) FROM decisions d JOIN events e"
                               " ON e.id = d.event_id AND e.kind = 'reject'"
                               " AND e.session = 'auto' AND e.reason = d.reason"
                               " WHERE d.verdict = 'rejected'").strip(), str(rejected))
    finally:
        relay.close()
        drop(w)
