"""End-to-end test of `decide --auto` on PostgreSQL writing a page of
rejections with a few statements, and of `decide --undo --all` undoing
them all with one, not several per sample (statements counted on the
wire); test_pg_learn checks that what they write is what SQLite's one by
one writes."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import ROOT, eq  # noqa: E402
import test_pg_same_output as same  # noqa: E402
import test_pg_store as pgs  # noqa: E402
from test_pg_review_script import Counter, drop, pg_case  # noqa: E402


def test_decide_auto_and_its_undo_on_postgresql_write_a_page_not_a_sample_at_a_time():
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
        who = "auto:learned@1"
        before = relay.count
        r = w.run("--db", relay.uri(w.db), "decide", "--undo", "--annotator", who, "--all")
        eq(r.code, 0, r)
        eq(r.out.strip(), f"undid {rejected} decisions of {who}")
        eq(relay.count - before < rejected, True, (relay.count - before, rejected))
        # each rejection undone once, the latest first; no decision left
        eq(pgs.psql(w.db, "SELECT count(*), bool_and(u.id > e.id), count(DISTINCT u.undoes),"
                          " bool_and(u.session = 'decide'),"
                          " (SELECT count(*) FROM decisions d JOIN annotators a"
                          "  ON a.id = d.annotator_id WHERE a.name = 'auto:learned@1'),"
                          " (SELECT bool_and(x.undoes > y.undoes) FROM events x JOIN events y"
                          "  ON y.id = x.id + 1 WHERE x.kind = 'undo' AND y.kind = 'undo')"
                          " FROM events u JOIN events e ON e.id = u.undoes"
                          " WHERE u.kind = 'undo'").strip(),
           f"{rejected}|t|{rejected}|t|0|t")
    finally:
        relay.close()
        drop(w)
