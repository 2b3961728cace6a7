"""End-to-end tests of the commands a PostgreSQL store runs beyond the
first ones (see test_pg_store.py): `info --check`, ... Each is compared with
the same command on an SQLite file where their output can be alike, and
damage a server meets is reported like a damaged file's.

Without $ASSAY_TEST_PG (no server binaries) these tests say so and pass
nothing (see test_pg_store.py)."""
import contextlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workdir, contains, eq  # noqa: E402
import pgserver  # noqa: E402
import test_pg_store as pgs  # noqa: E402


def schema_uri(base, schema):
    pgs.psql(base, f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    return base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"


def test_check_on_a_whole_postgresql_store():
    uri = pgs.server()
    if not uri:
        return
    w = pgs.pg_workdir(uri, "check")
    try:
        eq(w.run("import", "--no-score", pgs.SAMPLES[0]).code, 0)
        eq(w.run("decide", "cap-0000000", "accept", env={"ASSAY_ANNOTATOR": "a"}).code, 0)
        r = w.run("info", "--check")
        eq(r.code, 0, r)
        contains(r.out, "every table of the store reads whole (row_check, ")
        r = w.run("info", "--check", "--full", "--json")
        eq(r.code, 0, r)
        report = json.loads(r.out)
        eq((report["ok"], report["check"], report["problems"]),
           (True, "row_and_index_check", []))
        # the server's setting is the connection's own again afterwards
        eq(pgs.psql(w.base, "SHOW enable_seqscan").strip(), "on")
    finally:
        pgs.pg_done(w)


def restart(pg):
    """Stops the server (its pages on disk) and starts it again (nothing
    cached)."""
    r = pg._run("pg_ctl", "-D", pg.data, "-m", "fast", "-w", "stop")
    eq(r.returncode, 0, r.stderr)
    opts = f"-c listen_addresses='' -k {pg.sock} -c fsync=off"
    r = pg._run("pg_ctl", "-D", pg.data, "-l", pg.log, "-o", opts, "-w", "start")
    eq(r.returncode, 0, r.stderr)


def spoil(pg, relpath, block):
    """Writes garbage over one 8 KiB page of a relation's file."""
    path = os.path.join(pg.data, relpath)
    with open(path, "r+b") as f:
        f.seek(block * 8192)
        f.write(bytes([0xA5]) * 8192)


def test_check_names_the_damaged_table_and_index_on_postgresql():
    """A page of a table and a page of an index overwritten on the server's
    disk: the check reports the table (exit 65), the full check the index
    too, each with the server's words; the other tables still read."""
    if not pgs.server() or not pgserver.available():
        return
    with pgserver.PgServer() as pg, Workdir() as w:
        base = pg.create_db("dmg")
        w.db = schema_uri(base, "p")
        eq(w.run("import", "--no-score", pgs.SAMPLES[0]).code, 0)
        for i in range(5):
            eq(w.run("decide", f"cap-000000{i}", "accept", env={"ASSAY_ANNOTATOR": "a"}).code, 0)
        pgs.psql(base, "CHECKPOINT")
        heap = pgs.psql(base, "SELECT pg_relation_filepath('p.events')").strip()
        index = pgs.psql(base, "SELECT pg_relation_filepath(indexrelid) FROM pg_index "
                         "WHERE indrelid = 'p.samples'::regclass AND indisprimary").strip()
        restart(pg)
        spoil(pg, heap, 0)
        spoil(pg, index, 1)
        r = w.run("info", "--check")
        eq(r.code, 65, r)
        eq(r.out.splitlines(), ["table events: invalid page in block 0 of relation " + heap])
        contains(r.err, "the store's tables are damaged: row_check found 1 problem")
        contains(r.err, "pg_dump of the schema salvages what is readable")
        r = w.run("info", "--check", "--full", "--json")
        eq(r.code, 65, r)
        report = json.loads(r.out.splitlines()[0])
        eq(report["ok"], False)
        eq(len(report["problems"]), 2, report)
        eq(report["problems"][1], "table samples: invalid page in block 1 of relation " + index)
        # the data the damage spared still reads
        r = w.run("export", "--status", "all", "--output", "-")
        eq(r.code, 0, r)
        eq(len(r.out.splitlines()) > 500, True)


def pair_session(w):
    """Pairs on either store: imported from a file and grouped from single
    generations, preferences of three annotators (a correction, an undo, a
    lead's adjudication), then stats --pairs and DPO exports."""
    out = {}
    r = w.run("import", "--no-score", "--batch", "p", os.path.join(pgs.ROOT, "sample-data",
                                                                     "pairs.jsonl"))
    eq(r.code, 0, r)
    out["import"] = r.out + r.err
    gens = [{"id": f"q{p}-{m}", "prompt": f"Question {p}?", "response": f"Answer {p} by {m}.",
             "model": m} for p in range(3) for m in ("big", "mid", "small")]
    gens.append({"id": "nofield", "response": "No prompt.", "model": "big"})
    r = w.run("import", "--no-score", "--batch", "gens",
              w.file("gens.jsonl", "\n".join(map(json.dumps, gens))))
    eq(r.code, 0, r)
    r = w.run("import", "--no-score", "--group-by", "prompt")
    eq(r.code, 0, r)
    out["group"] = r.out + r.err
    prefs = ("a", "b", "tie", "both-bad")
    lines = []
    for i in range(60):
        pid = f"pair-{i:03d}"
        lines.append({"id": pid, "verdict": "prefer", "prefer": prefs[i % 4], "annotator": "ann",
                      **({"reason": "clearer"} if i % 4 == 1 else {})})
        if i % 3 == 0:
            lines.append({"id": pid, "verdict": "prefer", "annotator": "bob",
                          "prefer": prefs[(i // 3) % 4]})
        if i % 5 == 0:
            lines.append({"id": pid, "verdict": "prefer", "annotator": "cy", "prefer": "a"})
    r = w.run("decide", "--from", w.file("d.jsonl", "\n".join(map(json.dumps, lines))))
    eq(r.code, 0, r)
    out["decide"] = r.out + r.err
    for args in (("pair-000", "prefer", "b", "--text", "Mended."), ("--undo",),
                 ("pair-001", "prefer", "a", "--text", "Fixed answer."),
                 ("q0-big~q0-mid", "prefer", "b"), ("q1-mid~q1-small", "prefer", "tie")):
        r = w.run("decide", "--annotator", "ann", *args)
        eq(r.code, 0, (args, r))
    r = w.run("decide", "--annotator", "lead", "--adjudicate", "pair-003", "prefer", "a")
    eq(r.code, 0, r)
    for args in ((), ("--annotator", "bob"), ("--format", "json"), ("--format", "csv")):
        r = w.run("stats", "--pairs", *args)
        out["stats" + " ".join(args)] = (r.code, r.out, r.err)
    for args in ((), ("--status", "all"), ("--status", "rejected"),
                 ("--resolve", "majority", "--with", "tie,both-bad"), ("--annotator", "bob"),
                 ("--batch", "pairs-by-prompt", "--status", "all")):
        r = w.run("export", "--format", "dpo", "--output", "-", *args)
        out["dpo" + " ".join(args)] = (r.code, r.out, r.err)
    return out


def test_pairs_same_output_on_sqlite_and_postgresql():
    uri = pgs.server()
    if not uri:
        return
    with Workdir() as lite:
        a = pair_session(lite)
    w = pgs.pg_workdir(uri, "pairs")
    try:
        b = pair_session(w)
    finally:
        pgs.pg_done(w)
    eq(sorted(b), sorted(a))
    for k in a:
        eq(pgs.normal(b[k]), pgs.normal(a[k]), k)
    eq(len(a["dpo--status all"][1].splitlines()) > 20, True, a["dpo--status all"])


def as_role(uri, role, schema):
    """uri's server and database as another role, in schema."""
    u = uri.replace("user=assay", f"user={role}")
    return u + ("&" if "?" in u else "?") + f"options=-csearch_path%3D{schema}"



@contextlib.contextmanager
def readme_roles(uri, prefix):
    """A database of its own with PUBLIC's default rights taken away and
    three login roles holding README's database and schema privileges (an
    owner who may create in schema proj, a worker, a reader; the table
    grants are the test's); yields (uri of the database, owner, worker,
    reader) and drops them all at the end."""
    tag = os.getpid()
    db, owner, worker, reader = (f"{prefix}{tag}", f"{prefix}o{tag}", f"{prefix}w{tag}",
                                 f"{prefix}r{tag}")
    base = uri.split("?")[0].rsplit("/", 1)[0] + f"/{db}?" + uri.split("?", 1)[1]
    pgs.psql(uri, f"CREATE DATABASE {db}")
    try:
        pgs.psql(base, f"""REVOKE ALL ON DATABASE {db} FROM PUBLIC;
            REVOKE ALL ON SCHEMA public FROM PUBLIC;
            CREATE ROLE {owner} LOGIN; CREATE ROLE {worker} LOGIN; CREATE ROLE {reader} LOGIN;
            GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {owner}, {worker};
            GRANT CONNECT ON DATABASE {db} TO {reader};
            CREATE SCHEMA proj AUTHORIZATION assay;
            GRANT USAGE, CREATE ON SCHEMA proj TO {owner};
            GRANT USAGE ON SCHEMA proj TO {worker}, {reader};""")
        yield base, owner, worker, reader
    finally:
        pgs.psql(uri, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        pgs.psql(uri, f"DROP ROLE IF EXISTS {owner}, {worker}, {reader}")

def test_the_readme_privileges_are_enough_and_reading_needs_select_only():
    """Roles holding exactly the privileges README lists: an owner with
    CONNECT, TEMPORARY and USAGE and CREATE on the schema makes the store
    by the first import; a worker with CONNECT, TEMPORARY, USAGE on the
    schema, SELECT, INSERT, UPDATE and DELETE on its tables and USAGE on
    their sequences runs a whole session (import, decide, review, undo,
    pairs, export, info, stats, check, learn, score); a reader with CONNECT,
    USAGE and SELECT exports, counts, reports and dry-runs decide --auto but
    cannot decide or import. PUBLIC's
    default rights on the database are taken away first, so nothing else
    is granted."""
    uri = pgs.server()
    if not uri:
        return
    with readme_roles(uri, "priv") as (base, owner, worker, reader), Workdir() as w:
        w.db = as_role(base, owner, "proj")
        r = w.run("import", "--no-score", "--batch", "b1", pgs.SAMPLES[0])
        eq(r.code, 0, r)
        pgs.psql(base, f"""GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA proj
            TO {worker}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA proj TO {worker};
            GRANT SELECT ON ALL TABLES IN SCHEMA proj TO {reader};""")
        w.db = as_role(base, worker, "proj")
        session(w)
        # a worker learns a model and scores with it
        lines = [{"id": f"cap-{i:07d}", "annotator": "lea",
                  **({"verdict": "reject", "reason": "blurry"} if i % 2 else
                     {"verdict": "accept"})} for i in range(20, 60)]
        r = w.run("decide", "--from", w.file("lea.jsonl", "\n".join(map(json.dumps, lines))))
        eq(r.code in (0, 65), True, r)  # a few ids are not in the sample data
        contains(r.out, "decisions recorded")
        for args in (("learn",), ("score", "--scorer", "learned")):
            r = w.run(*args)
            eq(r.code, 0, (args, r))
        w.db = as_role(base, reader, "proj")
        for args in (("export", "--status", "all", "--output", "-"), ("info",),
                     ("info", "--check", "--full"), ("stats", "--by", "annotator"),
                     ("stats", "--pairs"), ("export", "--format", "dpo", "--output", "-"),
                     ("report", "--html", "-")):
            r = w.run(*args)
            eq(r.code, 0, (args, r))
        # decide --auto's dry run reads only (found a threshold or said why not)
        r = w.run("decide", "--auto", "--precision", "0.5", "--dry-run")
        eq(r.code in (0, 1), True, r)
        contains(r.out + r.err, "model version 1")
        eq("permission denied" in r.err, False, r)
        r = w.run("decide", "cap-0000010", "accept", env={"ASSAY_ANNOTATOR": "ann"})
        eq(r.code, 1, r)
        contains(r.err, "permission denied")
        r = w.run("import", "--no-score", "--batch", "b9", pgs.SAMPLES[2])
        eq(r.code != 0, True, r)
        contains(r.err, "permission denied")


def session(w):
    """A worker's session: more imports (one of pairs), decisions, the
    review screen's queue, an undo, exports, counts and the check."""
    ann = {"ASSAY_ANNOTATOR": "ann"}
    for args in (("--batch", "b2", pgs.SAMPLES[1]),
                 ("--batch", "p", os.path.join(pgs.ROOT, "sample-data", "pairs.jsonl"))):
        r = w.run("import", "--no-score", *args)
        eq(r.code, 0, (args, r))
    for args in (("cap-0000000", "accept"), ("cap-0000001", "reject", "--reason", "blurry"),
                 ("pair-000", "prefer", "a"), ("cap-0000002", "edit", "--text", "Mended.")):
        r = w.run("decide", *args, env=ann)
        eq(r.code, 0, (args, r))
    r = w.run("decide", "--undo", env=ann)
    eq(r.code, 0, r)
    r = w.run("review", "--script", "--batch", "b1", "--order", "import",
              stdin="next\naccept\nnext\nreject blurry\nnext\nskip\n", env={"ASSAY_ANNOTATOR": "cy"})
    eq(r.code, 0, r)
    eq(sum(ln.startswith("decided ") for ln in r.out.splitlines()), 3, r)
    for args in (("export", "--status", "all", "--output", "-"), ("info",),
                 ("info", "--check", "--full"), ("stats", "--by", "annotator"),
                 ("stats", "--pairs"), ("export", "--format", "dpo", "--status", "all",
                                        "--output", "-"), ("batch", "set-media-root", "b1", "/tmp")):
        r = w.run(*args)
        eq(r.code, 0, (args, r))
