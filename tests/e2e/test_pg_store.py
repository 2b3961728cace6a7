"""End-to-end tests of a PostgreSQL store (--db postgresql://...): the same
commands against an SQLite file and against the server tests/run starts
(its URI in $ASSAY_TEST_PG; each test in a schema of its own) give the
same output, times and batch ids aside; the commands not moved onto it yet
are refused by name; credentials never reach a message.

Without $ASSAY_TEST_PG (no server binaries) these tests say so and pass
nothing: tests/run starts a server whenever the postgresql package is
installed, as CI does."""
import json
import os
import re
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import ROOT, Workdir, check, contains, eq  # noqa: E402
import pgserver  # noqa: E402

SAMPLES = [os.path.join(ROOT, "sample-data", f)
           for f in ("captions.jsonl", "instructions.jsonl", "chat.jsonl")]


def server():
    uri = os.environ.get("ASSAY_TEST_PG")
    if not uri:
        print("ASSAY_TEST_PG is not set: no PostgreSQL server to test against")
    return uri


def psql(uri, sql):
    exe = os.path.join(pgserver.bindir() or "/usr/bin", "psql")
    r = subprocess.run([exe, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", uri, "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"psql failed: {sql}\n{r.stderr}")
    return r.stdout


def pg_workdir(uri, name):
    """A Workdir whose database is a fresh schema on the test server."""
    schema = f"e2e_{name}_{os.getpid()}"
    psql(uri, f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    w = Workdir()
    w.base = uri
    w.schema = schema
    w.db = uri + ("&" if "?" in uri else "?") + "options=" + urllib.parse.quote(
        f"-csearch_path={schema}", safe="")
    return w


def pg_done(w):
    """Drops pg_workdir's schema and removes its work directory."""
    psql(w.base, f"DROP SCHEMA IF EXISTS {w.schema} CASCADE")
    w.__exit__(None, None, None)


def script(w):
    """The same session on either store: import, decisions of two
    annotators (every verdict, a note, an undo, a revision), export, info."""
    out = {}
    r = w.run("import", "--no-score", "--batch", "b1", SAMPLES[0])
    eq(r.code, 0, r)
    out["import1"] = r.out + r.err
    for i, f in enumerate(SAMPLES[1:]):
        r = w.run("import", "--no-score", "--batch", f"b{i + 2}", f)
        eq(r.code, 0, r)
        out[f"import{i + 2}"] = r.out + r.err
    # a re-run: every record already present
    r = w.run("import", "--no-score", "--batch", "b1", SAMPLES[0])
    eq(r.code, 0, r)
    out["rerun"] = r.out + r.err
    ann = {"ASSAY_ANNOTATOR": "ann"}
    bob = {"ASSAY_ANNOTATOR": "bob"}
    steps = [
        (ann, "cap-0000000", "accept"), (ann, "cap-0000001", "reject", "--reason", "blurry"),
        (ann, "cap-0000002", "edit", "--text", "A corrected caption."),
        (ann, "cap-0000003", "skip"), (ann, "cap-0000004", "note", "--text", "look again"),
        (bob, "cap-0000000", "reject", "--reason", "wrong count"),
        (bob, "cap-0000005", "accept"), (bob, "cap-0000006", "accept"),
        (ann, "cap-0000001", "accept"),
    ]
    for env, *args in steps:
        r = w.run("decide", *args, env=env)
        eq(r.code, 0, (args, r))
    r = w.run("decide", "--undo", env=bob)
    eq(r.code, 0, r)
    out["undo"] = r.out + r.err
    r = w.run("decide", "cap-9999999", "accept", env=ann)
    out["missing"] = (r.code, r.err)
    for name, args in (("export", ()), ("export_b1", ("--batch", "b1")),
                       ("export_ann", ("--annotator", "ann")),
                       ("export_all", ("--status", "all")),
                       ("export_reject", ("--status", "rejected,conflict", "--resolve",
                                          "any-reject")),
                       ("export_csv", ("--format", "csv", "--status", "all"))):
        r = w.run("export", "--output", "-", *args)
        out[name] = (r.code, r.out, r.err)
    r = w.run("info")
    out["info"] = (r.code, r.out)
    return out


STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\dZ|\"(decided_at|at|created_at)\": *\d+")


def normal(v):
    """Times and batch names made of times aside."""
    if isinstance(v, tuple):
        return tuple(normal(x) for x in v)
    if isinstance(v, str):
        return STAMP.sub("T", v)
    return v


def info_lines(text):
    """info's output without the line of the file's size (a server has no
    file)."""
    return [ln for ln in normal(text).splitlines()
            if not re.match(r"\s*(database|size|file)\b", ln)]


def test_same_session_same_output_on_sqlite_and_postgresql():
    uri = server()
    if not uri:
        return
    with Workdir() as lite:
        a = script(lite)
    w = pg_workdir(uri, "same")
    try:
        b = script(w)
    finally:
        w.__exit__(None, None, None)
    for k in a:
        if k == "info":
            eq(b[k][0], 0, b[k])
            eq(info_lines(b[k][1]), info_lines(a[k][1]), k)
        elif k.startswith("export"):
            eq(b[k][0], a[k][0], (k, b[k]))
            eq(normal(b[k][1]), normal(a[k][1]), k)
            eq(len(b[k][1].splitlines()) > 0, True, k)
            if k != "export_csv":
                [json.loads(ln) for ln in b[k][1].splitlines()]
        elif k == "missing":
            eq(b[k][0], a[k][0], b[k])
            contains(b[k][1], 'cap-9999999')
        else:
            eq(normal(b[k]), normal(a[k]), k)


def test_postgresql_schema_made_once_and_refusals():
    uri = server()
    if not uri:
        return
    w = pg_workdir(uri, "schema")
    try:
        # a reading command on an empty schema, or one that needs a store
        # (as a missing SQLite file is refused): nothing made
        for args in (("info",), ("learn",), ("decide", "s1", "accept"), ("score",),
                     ("decide", "--auto", "--precision", "0.9")):
            r = w.run(*args)
            eq(r.code, 66, (args, r))
            contains(r.err, "no assay store in schema")
        eq(psql(w.base, f"SELECT count(*) FROM pg_tables WHERE schemaname = '{w.schema}'")
           .strip(), "0")
        r = w.run("import", "--no-score", SAMPLES[0])
        eq(r.code, 0, r)
        version = f"SELECT value FROM {w.schema}.assay_meta WHERE key = 'user_version'"
        eq(psql(w.base, version).strip(), "5")
        # a store an earlier build left at version 3: raised when opened for writing
        psql(w.base, f"UPDATE {w.schema}.assay_meta SET value = 3 WHERE key = 'user_version'")
        eq(w.run("info").code, 0)
        eq(psql(w.base, version).strip(), "3")
        eq(w.run("import", "--no-score", SAMPLES[0]).code, 0)
        eq(psql(w.base, version).strip(), "5")
        # version 4: the combined scores in samples.quality, moved to their
        # own table when opened for writing (the column dropped: no rewrite
        # on a server); a reading command says how to raise it
        n = psql(w.base, f"SELECT count(*) FROM {w.schema}.samples").strip()
        psql(w.base, f"SET search_path = {w.schema};"
             "ALTER TABLE samples ADD COLUMN quality DOUBLE PRECISION;"
             "UPDATE samples SET quality = (id % 4) / 4.0;"
             "DROP TABLE sample_quality;"
             "CREATE INDEX samples_by_quality ON samples(quality, id);"
             "UPDATE assay_meta SET value = 4 WHERE key = 'user_version'")
        r = w.run("info")
        check(r.code != 0, r)
        contains(r.err, "open it once for writing")
        eq(w.run("import", "--no-score", SAMPLES[0]).code, 0)
        eq(psql(w.base, version).strip(), "5")
        eq(psql(w.base, f"SELECT count(*) FROM {w.schema}.sample_quality"
                " WHERE quality = (sample_id % 4) / 4.0").strip(), n)
        eq(psql(w.base, "SELECT count(*) FROM information_schema.columns WHERE"
                f" table_schema = '{w.schema}' AND table_name = 'samples'"
                " AND column_name = 'quality'").strip(), "0")
        eq(w.run("info").code, 0)
        # events are append-only on the server too
        try:
            psql(w.base, f"DELETE FROM {w.schema}.events")
            psql(w.base, f"INSERT INTO {w.schema}.annotators (name, first_seen) VALUES ('x', 0)")
            psql(w.base, f"INSERT INTO {w.schema}.events (sample_id, annotator_id, kind, at)"
                 f" VALUES (1, 1, 'accept', 0)")
            psql(w.base, f"UPDATE {w.schema}.events SET at = 1")
            raise AssertionError("an event was updated")
        except RuntimeError as e:
            contains(str(e), "events are append-only")
        # a slice's report (refused here until --where ran on PostgreSQL)
        r = w.run("report", "--html", "r.html", "--where", "quality < 0.5")
        eq(r.code, 0, r)
        eq(os.path.exists(os.path.join(w.path, "r.html")), True)
        # a newer schema is refused, untouched
        psql(w.base, f"UPDATE {w.schema}.assay_meta SET value = 99 WHERE key = 'user_version'")
        r = w.run("info")
        eq(r.code, 1, r)
        contains(r.err, "written by a newer assay (schema version 99")
        # a schema holding other tables is not taken over
        psql(w.base, f"DROP SCHEMA {w.schema} CASCADE; CREATE SCHEMA {w.schema};"
             f" CREATE TABLE {w.schema}.other (x int)")
        r = w.run("import", "--no-score", SAMPLES[0])
        eq(r.code, 65, r)
        contains(r.err, "holds 1 tables but no assay store")
    finally:
        pg_done(w)


def test_postgresql_password_never_printed():
    uri = server()
    if not uri:
        return
    w = pg_workdir(uri, "secret")
    try:
        # a password in the URI (the test server trusts the socket, so it
        # connects): the messages name the server with the password hidden
        w.db = w.db.replace("user=assay", "user=assay&password=hunter2sec")
        r = w.run("export", "--output", "-")
        eq(r.code, 66, r)
        contains(r.err, "password=***")
        eq("hunter2sec" in r.err + r.out, False, r)
        r = w.run("info")
        eq("hunter2sec" in r.err + r.out, False, r)
        bad = "postgresql://assay:hunter2sec@127.0.0.1:1/none?connect_timeout=2"
        r = w.run("info", env={"ASSAY_DB": bad}, db=False)
        eq(r.code, 69, r)
        contains(r.err, "postgresql://assay:***@127.0.0.1:1/none")
        eq("hunter2sec" in r.err, False, r)
    finally:
        pg_done(w)


def test_sslmode_require_on_a_unix_socket_is_refused_not_met_unencrypted():
    """libpq never encrypts a Unix-socket connection: sslmode=require (in
    the URI or $PGSSLMODE) or verify-* is refused at once with the reason,
    never answered by an unencrypted connection or a hang; prefer connects."""
    uri = server()
    if not uri:
        return
    w = pg_workdir(uri, "ssl")
    try:
        for db, env in ((w.db + "&sslmode=require", None), (w.db, {"PGSSLMODE": "verify-full"})):
            r = w.run("--db", db, "info", db=False, env=env, timeout=30)
            eq(r.code, 69, r)
            contains(r.err, "but the connection is not encrypted (a Unix socket is never "
                     "encrypted")
        r = w.run("--db", w.db + "&sslmode=prefer", "info", db=False, timeout=30)
        contains(r.err, "no assay store in schema")  # connected: the schema is empty
    finally:
        w.__exit__(None, None, None)
