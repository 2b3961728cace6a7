"""End-to-end tests of `assay copy SRC DST`: a reviewed database (imports,
scores, decisions, an edit, pairs and a lead's adjudications) copied from
SQLite to PostgreSQL and back gives the same exports, statistics and review
queue; a copy killed with SIGKILL after a committed chunk continues when run
again and ends verified, without a duplicate; a destination holding other
data is refused untouched; a password in a URI is never printed.

The PostgreSQL cases use the server tests/run starts ($ASSAY_TEST_PG, each
test in a schema of its own); without it they say so and the SQLite cases
still run."""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, SAMPLE_DATA, Result, Workdir, check, contains, eq  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_pg_store import psql, server  # noqa: E402

SAMPLES = [os.path.join(SAMPLE_DATA, f) for f in ("captions.jsonl", "instructions.jsonl")]
PAIRS = os.path.join(SAMPLE_DATA, "pairs.jsonl")


class Schema:
    """A fresh schema on the test server, dropped at the end."""

    def __init__(self, base, name):
        self.base = base
        self.name = f"copy_{name}_{os.getpid()}"
        psql(base, f"DROP SCHEMA IF EXISTS {self.name} CASCADE; CREATE SCHEMA {self.name}")
        self.uri = base + ("&" if "?" in base else "?") + "options=" + urllib.parse.quote(
            f"-csearch_path={self.name}", safe="")

    def sql(self, query):
        return psql(self.uri, query)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        psql(self.base, f"DROP SCHEMA IF EXISTS {self.name} CASCADE")


def assay(*args, env=None, stdin=None, timeout=300):
    e = dict(os.environ, ASSAY_ANNOTATOR="tester")
    e.update(env or {})
    return Result(subprocess.run([BIN, *args], capture_output=True, text=True, env=e,
                                 input=stdin, timeout=timeout))


def reviewed(w):
    """Imports (scored), pairs, decisions of two annotators (an edit, a
    rejection, preferences) and a lead's adjudications."""
    for i, f in enumerate(SAMPLES):
        eq(w.run("import", "--batch", f"b{i}", f).code, 0)
    eq(w.run("import", "--batch", "prefs", "--pair", "chosen,rejected", PAIRS).code, 0)
    ann, bob = {"ASSAY_ANNOTATOR": "ann"}, {"ASSAY_ANNOTATOR": "bob"}
    steps = [(ann, "cap-0000000", "accept"), (ann, "cap-0000001", "reject", "--reason", "blurry"),
             (ann, "cap-0000002", "edit", "--text", "A corrected caption."),
             (bob, "cap-0000000", "reject", "--reason", "wrong count"),
             (bob, "cap-0000003", "accept"), (ann, "pair-000", "prefer", "a"),
             (bob, "pair-000", "prefer", "b"), (ann, "pair-001", "prefer", "tie")]
    for env, *args in steps:
        r = w.run("decide", *args, env=env)
        eq(r.code, 0, (args, r))
    lead = ["--annotator", "lead", "--adjudicate"]
    eq(w.run("decide", *lead, "pair-000", "prefer", "b", "--text", "Mended.").code, 0)
    eq(w.run("decide", *lead, "cap-0000000", "accept").code, 0)


def exports(db):
    out = {}
    for name, args in (("jsonl", []), ("csv", ["--format", "csv"]),
                       ("all", ["--status", "accepted,edited,rejected"]),
                       ("majority", ["--resolve", "majority"])):
        r = assay("--db", db, "export", *args)
        eq(r.code, 0, r)
        out[name] = r.out
    return out


def queue(db, order, who):
    """The first samples the review queue hands who out, in order (each
    skipped, so the next call goes on from there)."""
    r = assay("--db", db, "review", "--script", "--order", order, "--annotator", who,
              stdin="next\nskip\n" * 12)
    eq(r.code, 0, r)
    return re.findall(r"^sample (\S+)$", r.out, re.M)


def same_queues(a, b, who):
    for order in ("quality", "import", "random"):
        got = queue(a, order, who)
        eq(len(got), 12, order)
        eq(got, queue(b, order, who), order)


def copy(src, dst, *opts):
    return assay("copy", *opts, src, dst)


def verified(r):
    eq(r.code, 0, r)
    contains(r.out, "counts and checksums equal on both sides")


def test_sqlite_to_postgresql_and_back():
    uri = server()
    with Workdir() as w:
        reviewed(w)
        src = w.db
        back = os.path.join(w.path, "back.db")
        if uri:
            with Schema(uri, "there") as pg:
                verified(copy(src, pg.uri))
                eq(pg.sql("SELECT count(*) FROM adjudications").strip(), "2")
                eq(exports(pg.uri), exports(src))
                same_queues(pg.uri, src, "q")
                verified(copy(pg.uri, back))
                # a new row continues the ids past the copied ones
                r = assay("--db", pg.uri, "decide", "cap-0000009", "accept",
                          env={"ASSAY_ANNOTATOR": "zed"})
                eq(r.code, 0, r)
                eq(pg.sql("SELECT max(id) = (SELECT count(*) FROM events) FROM events").strip(),
                   "t")
        else:
            verified(copy(src, back))
        eq(exports(back), exports(src))
        stats = assay("--db", src, "stats")
        eq(stats.code, 0, stats)
        check("tester" not in stats.out and "ann " in stats.out, stats.out)
        eq(assay("--db", back, "stats").out, stats.out)
        same_queues(back, src, "r")


def test_hard_text_survives_the_round_trip():
    """Text that needs quoting on its way into PostgreSQL (quotes,
    backslashes, braces, commas, NULL-like words, new lines, wide and
    combining characters, an empty context) arrives byte for byte."""
    uri = server()
    if not uri:
        return
    hard = ['say "hi", {then} leave', "back\\slash \\\" and \\x41", "NULL", "",
            "line one\nline two\ttab", "\u00e9\u0301 \u4e2d\u6587 \U0001F600", "{}", ",",
            "a" * 5000]
    rows = "".join(json.dumps({"id": f"h{i}", "caption": t or "-", "note": t,
                               "context": t}) + "\n" for i, t in enumerate(hard))
    with Workdir() as w, Schema(uri, "hard") as pg:
        src = w.file("hard.jsonl", rows)
        eq(w.run("import", "--batch", 'b "1", {x}', "--meta", "note", src).code, 0)
        eq(w.run("decide", "h1", "edit", "--text", hard[0] + " \\ fixed").code, 0)
        eq(w.run("decide", "h2", "reject", "--reason", 'a "quoted", {braced} reason').code, 0)
        eq(w.sql("SELECT count(*) FROM samples"), [(len(hard),)])
        verified(copy(w.db, pg.uri))
        back = os.path.join(w.path, "back.db")
        verified(copy(pg.uri, back))
        eq(exports(back), exports(w.db))
        a, b = sqlite3.connect(w.db), sqlite3.connect(back)
        q = ("SELECT id, text, record, hash, quality FROM samples"
             " JOIN sample_quality ON sample_id = id ORDER BY id")
        eq(b.execute(q).fetchall(), a.execute(q).fetchall())
        a.close()
        b.close()


def big_source(w, n):
    rows = "".join(json.dumps({"id": f"g{i}", "caption": f"Generated caption {i}, a red "
                               f"bicycle {i % 97} near river {i % 13}."}) + "\n"
                   for i in range(n))
    path = w.file("big.jsonl", rows)
    eq(w.run("import", "--no-score", "--batch", "big", path).code, 0)
    eq(w.run("decide", "g5", "accept").code, 0)


def kill_after_chunk(src, dst, chunk, sig=signal.SIGKILL):
    """Runs a copy, sends it sig once it reports a committed chunk of
    samples, and returns the exit status and what it printed on stderr."""
    p = subprocess.Popen([BIN, "copy", "--chunk", str(chunk), src, dst],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in p.stderr:
        seen.append(line)
        if re.match(r"copy: samples: \d+ of \d+ rows$", line.strip()):
            os.kill(p.pid, sig)
            break
    seen.append(p.stderr.read())
    p.wait()
    if sig == signal.SIGKILL:
        eq(p.returncode, -signal.SIGKILL, seen)
    return p.returncode, "".join(seen)


def resumed(src, dst, count):
    r = copy(src, dst)
    verified(r)
    contains(r.err, "copy: samples: resuming after key")
    contains(r.out, "(a previous run's copy continued)")
    m = re.search(r"^samples\s+(\d+)\s+(\d+)\s", r.out, re.M)
    eq(int(m.group(1)), count)
    check(0 < int(m.group(2)) < count, r.out)


def test_killed_copy_into_sqlite_resumes():
    with Workdir() as w:
        # 400 chunks: the kill lands long before the last
        big_source(w, 20000)
        dst = os.path.join(w.path, "copy.db")
        kill_after_chunk(w.db, dst, 50)
        # Ctrl-C: it stops once its chunk is committed, and says so
        code, err = kill_after_chunk(w.db, dst, 50, signal.SIGINT)
        eq(code, 130, err)
        contains(err, "copy: samples: resuming after key")
        m = re.search(r"stopped: (\d+) rows of table samples are committed in .*copy.db; "
                      r"run the same command again", err)
        check(m, err)
        con = sqlite3.connect(dst)
        eq(con.execute("SELECT n_rows, done FROM assay_copy WHERE tbl = 'samples'").fetchone(),
           (int(m.group(1)), 0))
        eq(con.execute("SELECT count(*) FROM samples").fetchone()[0], int(m.group(1)))
        con.close()
        resumed(w.db, dst, 20000)
        eq(exports(dst), exports(w.db))
        # run again: nothing left to copy, verified again
        r = copy(w.db, dst)
        verified(r)
        contains(r.out, "(already complete: verified again)")
        check(re.search(r"^samples\s+20000\s+0\s", r.out, re.M), r.out)


def test_killed_copy_into_postgresql_resumes():
    uri = server()
    if not uri:
        return
    with Workdir() as w, Schema(uri, "killed") as pg:
        big_source(w, 6000)
        kill_after_chunk(w.db, pg.uri, 100)
        done = pg.sql("SELECT n_rows, done FROM assay_copy WHERE tbl = 'samples'").strip()
        n, flag = (int(x) for x in done.split("|"))
        eq((flag, n % 100, n == int(pg.sql("SELECT count(*) FROM samples"))), (0, 0, True))
        resumed(w.db, pg.uri, 6000)
        eq(pg.sql("SELECT count(*), count(DISTINCT ext_id) FROM samples").strip(), "6000|6000")
        eq(exports(pg.uri), exports(w.db))


def analysed(pg, table):
    """Whether table was analysed by hand (autovacuum's own analysis sets
    last_autoanalyze instead), and the rows the planner counts in it
    (reltuples: -1 until a first analysis)."""
    return pg.sql("SELECT t.last_analyze IS NOT NULL, c.reltuples::bigint"
                  " FROM pg_stat_user_tables t JOIN pg_class c ON c.oid = t.relid"
                  f" WHERE t.schemaname = '{pg.name}' AND t.relname = '{table}'").strip()


def test_a_copy_into_postgresql_leaves_the_planner_statistics():
    """As an import does: what a copy loads is analysed at its end, so a
    review right after it is planned on the rows there (a queue probe was
    planned as a scan of the whole batch until the server's own analysis),
    also when a killed copy is continued."""
    uri = server()
    if not uri:
        return
    with Workdir() as w:
        big_source(w, 3000)
        for r in (w.run("decide", "--annotator", "ann", f"g{i}", "accept") for i in range(20)):
            eq(r.code, 0, r)
        with Schema(uri, "analysed") as pg:
            verified(copy(w.db, pg.uri))
            eq(analysed(pg, "samples"), "t|3000")
            eq(analysed(pg, "decisions"), "t|21")
            eq(analysed(pg, "events"), "t|21")
        with Schema(uri, "analysed2") as pg:
            kill_after_chunk(w.db, pg.uri, 100)
            resumed(w.db, pg.uri, 3000)
            eq(analysed(pg, "samples"), "t|3000")


def test_verification_finds_a_changed_row():
    with Workdir() as w:
        eq(w.run("import", "--batch", "a", SAMPLES[0]).code, 0)
        dst = os.path.join(w.path, "copy.db")
        verified(copy(w.db, dst))
        con = sqlite3.connect(dst)
        con.execute("UPDATE samples SET stored_text = text || '.', text_len = NULL WHERE id = 7")
        con.commit()
        con.close()
        r = copy(w.db, dst)
        eq(r.code, 1, r)
        contains(r.err, "verification failed: table samples differs: the source has 596 rows")
        eq("counts and checksums equal" in r.out, False, r)
        # put right, it verifies; a row added to the source since is found by its count
        con = sqlite3.connect(dst)
        con.execute("UPDATE samples SET stored_text = substr(text, 1, length(text) - 1)"
                    " WHERE id = 7")
        con.commit()
        con.close()
        verified(copy(w.db, dst))
        eq(w.run("decide", "cap-0000003", "accept").code, 0)
        r = copy(w.db, dst)
        eq(r.code, 1, r)
        contains(r.err, "table annotators differs: the source has 1 rows (checksum")


def test_destination_with_other_data_is_refused():
    with Workdir() as w, Workdir() as other:
        eq(w.run("import", "--no-score", "--batch", "a", SAMPLES[0]).code, 0)
        eq(other.run("import", "--no-score", "--batch", "b", SAMPLES[1]).code, 0)
        before = other.dump()
        r = copy(w.db, other.db)
        eq(r.code, 1, r)
        contains(r.err, "already holds data")
        contains(r.err, "copy into an empty database")
        eq(other.dump(), before)
        # a complete copy of another database is refused too
        dst = os.path.join(w.path, "copy.db")
        verified(copy(other.db, dst))
        r = copy(w.db, dst)
        eq(r.code, 1, r)
        contains(r.err, "holds a copy of another database")
        uri = server()
        if uri:
            with Schema(uri, "taken") as pg:
                eq(assay("--db", pg.uri, "import", "--no-score", SAMPLES[1]).code, 0)
                r = copy(w.db, pg.uri)
                eq(r.code, 1, r)
                contains(r.err, "already holds data")
                eq(pg.sql("SELECT to_regclass('assay_copy') IS NULL").strip(), "t")


def test_usage_errors():
    with Workdir() as w:
        eq(w.run("import", "--no-score", SAMPLES[0]).code, 0)
        r = assay("copy", w.db)
        eq(r.code, 2, r)
        contains(r.err, "expected SRC and DST")
        r = assay("copy", w.db, w.db)
        eq(r.code, 2, r)
        contains(r.err, "the same database")
        r = assay("copy", "--chunk", "0", w.db, os.path.join(w.path, "x.db"))
        eq(r.code, 2, r)
        r = assay("copy", os.path.join(w.path, "none.db"), os.path.join(w.path, "x.db"))
        eq(r.code, 66, r)
        r = assay("copy", "--help")
        eq(r.code, 0, r)
        contains(r.out, "--chunk N")
        contains(assay("--help").out, "copy")


def test_password_never_printed():
    uri = server()
    with Workdir() as w:
        eq(w.run("import", "--no-score", SAMPLES[0]).code, 0)
        bad = "postgresql://assay:hunter2sec@127.0.0.1:1/none?connect_timeout=2"
        r = copy(w.db, bad)
        eq(r.code, 69, r)
        contains(r.err, "postgresql://assay:***@127.0.0.1:1/none")
        eq("hunter2sec" in r.err + r.out, False, r)
        if not uri:
            return
        with Schema(uri, "secret") as pg:
            # the test server trusts its socket: a wrong password connects
            secret = pg.uri.replace("user=assay", "user=assay&password=hunter2sec")
            r = copy(w.db, secret)
            verified(r)
            contains(r.out, "password=***")
            r2 = copy(w.db, secret)
            verified(r2)
            other = os.path.join(w.path, "other.db")
            eq(assay("--db", other, "import", "--no-score", SAMPLES[1]).code, 0)
            r3 = copy(other, secret)
            eq(r3.code, 1, r3)
            contains(r3.err, "password=***")
            for x in (r, r2, r3):
                eq("hunter2sec" in x.out + x.err, False, x)
            eq("hunter2sec" in pg.sql("SELECT string_agg(label, ' ') FROM assay_copy"), False)
