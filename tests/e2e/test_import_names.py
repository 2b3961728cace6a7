"""End-to-end tests of the names `assay import` gives batches: a default
name (SOURCE@TIME, to the second) already taken gets "#2", "#3", ...; the
insert itself tells a name taken, so imports picking names at once never
both fail; an existing --batch NAME is added to."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, Workdir, WriteLock, check, contains, eq, wait_for_handler  # noqa: E402
import test_pg_store as pgs  # noqa: E402


def stamps(ahead=120):
    """The default names' times from a second ago to `ahead` seconds on."""
    now = int(time.time())
    return [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
            for t in range(now - 1, now + ahead)]


def take_names(w, base, engine="sqlite"):
    """Batches named BASE@TIME for every second around now, as an import in
    the same second would have made them (so the next one must take #2)."""
    rows = ", ".join(f"('{base}@{t}', 'elsewhere', 'jsonl', 1)" for t in stamps())
    sql = f"INSERT INTO batches (name, source, format, created_at) VALUES {rows}"
    if engine == "pg":
        pgs.psql(w.db, sql)
        return
    if not os.path.exists(w.db):
        eq(w.run("import", "--no-score", "--batch", "first", "-",
                 stdin='{"text": "makes the database"}\n').code, 0)
    con = sqlite3.connect(w.db)
    con.execute(sql)
    con.commit()
    con.close()


def batch_of(out):
    """The batch name in an import's summary line."""
    return out.split('batch "', 1)[1].split('"', 1)[0]


def test_same_base_name_in_the_same_second_gets_a_counter():
    with Workdir() as w:
        a = w.file("d1/data.jsonl", json.dumps({"text": "from the first shard"}) + "\n")
        b = w.file("d2/data.jsonl", json.dumps({"text": "from the second shard"}) + "\n")
        take_names(w, "data.jsonl")
        r1 = w.run("import", "--no-score", a)
        eq(r1.code, 0, r1)  # was 1: UNIQUE constraint failed: batches.name
        r2 = w.run("import", "--no-score", b)
        eq(r2.code, 0, r2)
        n1, n2 = batch_of(r1.out), batch_of(r2.out)
        check(n1.endswith("#2") and n2.endswith(("#2", "#3")) and n1 != n2, (n1, n2))
        eq(w.sql("SELECT count(*) FROM samples"), [(3,)])  # with the first batch's
        # each name addresses its batch, and a re-run goes back to its own
        r = w.run("info", "--where", f'batch = "{n2}"')
        eq(r.code, 0, r)
        contains(r.out, "samples   1 ")
        r = w.run("import", "--no-score", b)
        eq((r.code, batch_of(r.out)), (0, n2), r)
        contains(r.out, "(existing)")
        r = w.run("import", "--no-score", "--batch", n1, a)
        eq(r.code, 0, r)
        contains(r.out, "1 already present")


def test_two_stdin_imports_in_a_row():
    with Workdir() as w:
        take_names(w, "stdin")
        names = []
        for text in ("piped first", "piped second"):
            r = w.run("import", "--no-score", "-", stdin=json.dumps({"text": text}) + "\n")
            eq(r.code, 0, r)
            names.append(batch_of(r.out))
        check(names[0] != names[1] and all("#" in n for n in names), names)
        eq(w.sql("SELECT count(*) FROM batches WHERE name LIKE 'stdin@%#%'"), [(2,)])
    with Workdir() as w:  # unforced: the same second or not, both go in
        for text in ("one", "two", "three"):
            r = w.run("import", "--no-score", "-", stdin=json.dumps({"text": text}) + "\n")
            eq(r.code, 0, r)
        eq(w.sql("SELECT count(DISTINCT name) FROM batches"), [(3,)])


def start_piped(w, text):
    r, wr = os.pipe()
    p = subprocess.Popen([BIN, "--db", w.db, "import", "--no-score", "-"], stdin=r,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(r)
    os.write(wr, (json.dumps({"text": text}) + "\n").encode())
    os.close(wr)
    return p


def imports_at_once(w, lock_table):
    """Two stdin imports held back by another writer, then let go together:
    both pick a name with the base name taken."""
    with WriteLock(w, table=lock_table):
        ps = [start_piped(w, f"concurrent {i}") for i in range(2)]
        for p in ps:  # both past opening the store, at their first write
            check(wait_for_handler(p.pid, signal.SIGINT), "the import ended early")
    outs = [p.communicate(timeout=120) + (p.returncode,) for p in ps]
    for out, err, code in outs:
        eq(code, 0, err)
    names = [batch_of(o[0]) for o in outs]
    check(names[0] != names[1], names)
    return names


def test_imports_picking_names_at_once_both_succeed():
    with Workdir() as w:
        take_names(w, "stdin")
        imports_at_once(w, "events")
        eq(w.sql("SELECT count(*) FROM samples"), [(3,)])


def test_imports_picking_names_at_once_on_postgresql():
    uri = pgs.server()
    if not uri:
        return
    w = pgs.pg_workdir(uri, "names")
    try:
        eq(w.run("import", "--no-score", "--batch", "first", "-",
                 stdin='{"text": "makes the schema"}\n').code, 0)
        take_names(w, "stdin", engine="pg")
        # the batches table locked: both imports' inserts wait, then race
        imports_at_once(w, "batches")
        eq(pgs.psql(w.db, "SELECT count(*) FROM samples").strip(), "3")
    finally:
        pgs.pg_done(w)


def test_existing_batch_name_is_added_to():
    with Workdir() as w:
        a = w.file("a.jsonl", json.dumps({"id": "a", "text": "alpha"}) + "\n")
        b = w.file("b.jsonl", json.dumps({"id": "b", "text": "beta"}) + "\n")
        eq(w.run("import", "--no-score", "--batch", "shared", a).code, 0)
        r = w.run("import", "--no-score", "--batch", "shared", b)
        eq(r.code, 0, r)
        contains(r.out, 'batch "shared" (existing)')
        eq(w.sql("SELECT name FROM batches"), [("shared",)])
