"""End-to-end tests of `decide --adjudicate` against the conflicts screen's
leases, on an SQLite file and on PostgreSQL: a conflict another lead has on
screen (`review --conflicts` leases it) is refused with exit 1, naming the
lead and when the lease ends, and nothing is written; the lead's own lease,
a lease that ran out and a sample no one holds are adjudicated; in `decide
--from` the held line is refused and the others recorded."""
import json
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, contains, eq  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_pg_store as pgs  # noqa: E402


def setup(w):
    """s0..s3, each a conflict of ann (accept) and bob (reject)."""
    recs = [json.dumps({"id": f"s{i}", "caption": f"A red kite number {i} flies."})
            for i in range(4)]
    r = w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
    eq(r.code, 0, r)
    lines = [json.dumps({"id": f"s{i}", "verdict": v, "annotator": who, "reason": "blurry"})
             for i in range(4) for who, v in (("ann", "accept"), ("bob", "reject"))]
    r = w.run("decide", "--from", w.file("d.jsonl", "\n".join(lines)))
    eq(r.code, 0, r)
    for who in ("lea", "max"):  # the leads are known (a first session)
        r = w.run("decide", "--annotator", who, "s0", "note", "--text", "looked")
        eq(r.code, 0, r)


def write(w, sql):
    if w.db.startswith("postgresql:"):
        pgs.psql(w.db, sql)
        return
    con = sqlite3.connect(w.db)
    try:
        con.executescript(sql)
    finally:
        con.close()


def read(w, sql):
    if w.db.startswith("postgresql:"):
        return [tuple(ln.split("|")) for ln in pgs.psql(w.db, sql).splitlines() if ln]
    return [tuple(str(v) for v in r) for r in w.sql(sql)]


def lease(w, sample, lead, from_now_ms):
    """lead's lease on sample, ending from_now_ms from now by the store's
    clock (the server's on PostgreSQL), as the conflicts screen writes it."""
    now = ("(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
           if w.db.startswith("postgresql:") else str(int(time.time() * 1000)))
    write(w, "INSERT INTO leases (sample_id, annotator_id, expires_at)"
             f" SELECT s.id, a.id, {now} + {from_now_ms} FROM samples s, annotators a"
             f" WHERE s.ext_id = '{sample}' AND a.name = '{lead}'")


def adjudications(w):
    return read(w, "SELECT s.ext_id, a.name, j.verdict FROM adjudications j"
                   " JOIN samples s ON s.id = j.sample_id"
                   " JOIN annotators a ON a.id = j.annotator_id ORDER BY s.ext_id")


def session(w):
    setup(w)
    lease(w, "s0", "lea", 600000)
    before = read(w, "SELECT count(*) FROM events")
    r = w.run("decide", "--annotator", "max", "--adjudicate", "s0", "accept")
    eq(r.code, 1, r)
    m = re.search(r"s0 is on lea's screen, leased until (\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)"
                  r" \((\d+) min (\d+) s from now", r.err)
    check(m, r.err)
    until = time.strptime(m.group(1), "%Y-%m-%d %H:%M:%SZ")
    left = int(m.group(2)) * 60 + int(m.group(3))
    check(590 <= left <= 600, r.err)
    check(abs(time.mktime(until) - time.mktime(time.gmtime()) - 600) < 60, r.err)
    contains(r.err, "not adjudicated")
    eq(adjudications(w), [])
    eq(read(w, "SELECT count(*) FROM events"), before, "nothing written")
    eq(read(w, "SELECT count(*) FROM leases"), [("1",)], "lea's lease stays")
    # lea herself, from the command line: her own lease is no obstacle
    r = w.run("decide", "--annotator", "lea", "--adjudicate", "s0", "reject", "--reason", "x")
    eq(r.code, 0, r)
    # a lease that ran out holds nothing back
    lease(w, "s1", "lea", -1000)
    r = w.run("decide", "--annotator", "max", "--adjudicate", "s1", "accept")
    eq(r.code, 0, r)
    # in bulk the held line is refused, the others recorded
    lease(w, "s2", "lea", 600000)
    lines = [json.dumps({"id": f"s{i}", "verdict": "accept", "adjudicate": True})
             for i in (2, 3)]
    r = w.run("decide", "--annotator", "max", "--from", w.file("a.jsonl", "\n".join(lines)))
    eq(r.code, 65, r)
    contains(r.out, "1 decisions recorded, 1 refused")
    contains(r.err, "a.jsonl:1: s2 is on lea's screen, leased until ")
    eq(adjudications(w), [("s0", "lea", "rejected"), ("s1", "max", "accepted"),
                          ("s3", "max", "accepted")])


def test_a_conflict_another_lead_holds_is_refused_naming_the_lead():
    with Workdir() as w:
        session(w)


def test_a_conflict_another_lead_holds_is_refused_on_postgresql():
    uri = pgs.server()
    if not uri:
        return
    w = pgs.pg_workdir(uri, "adjlease")
    try:
        session(w)
    finally:
        w.__exit__(None, None, None)


def beside_the_screen(w):
    """A lead on the conflicts screen holds the conflict shown: another
    lead's decide --adjudicate of it is refused naming her, of another
    conflict recorded; once she has left it goes through."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "tui"))
    import test_conflicts as tc
    tc.setup(w)
    with tc.screen(w) as t:
        t.wait_for("s0  (b)  2 verdicts", timeout=30)
        r = w.run("decide", "--annotator", "max", "--adjudicate", "s0", "accept")
        eq(r.code, 1, r)
        contains(r.err, "s0 is on lead's screen, leased until ")
        r = w.run("decide", "--annotator", "max", "--adjudicate", "s1", "accept")
        eq(r.code, 0, r)
        t.keys("q")
        t.wait_exit()
    r = w.run("decide", "--annotator", "max", "--adjudicate", "s0", "accept")
    eq(r.code, 0, r)
    eq(adjudications(w), [("s0", "max", "accepted"), ("s1", "max", "accepted")])


def test_the_conflicts_screen_holds_its_sample_against_the_command_line():
    with Workdir() as w:
        beside_the_screen(w)


def test_the_conflicts_screen_holds_its_sample_on_postgresql():
    uri = pgs.server()
    if not uri:
        return
    w = pgs.pg_workdir(uri, "adjscreen")
    try:
        beside_the_screen(w)
    finally:
        w.__exit__(None, None, None)
