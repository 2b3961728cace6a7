"""End-to-end tests of the review engine's non-interactive driver
(`assay review --script`) where PostgreSQL differs from SQLite: pairs
decided by preference through the queue, on both stores alike; claims
that neither skip nor wait for a scoring run's locks; two scoring runs at
once; score writes batched (statements counted on the wire); leases
that expire by the server's clock, not a skewed client's."""
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, ROOT, Workdir, contains, eq  # noqa: E402
import pgserver  # noqa: E402
import test_pg_store as pgs  # noqa: E402

PAIRS = os.path.join(ROOT, "sample-data", "pairs.jsonl")
PREFS = ("prefer a", "prefer b because clearer", "prefer tie", "prefer both-bad",
         "prefer both-bad both wrong")


def prefer_session(w):
    """Two annotators prefer through the queue (overlap 2), one undoes; then
    what the preferences give: stats --pairs and the DPO export."""
    out = {}
    r = w.run("import", "--no-score", "--batch", "p", PAIRS)
    eq(r.code, 0, r)
    for name, step in (("ann", 0), ("bob", 2)):
        lines = []
        for i in range(24):
            lines += ["next", PREFS[(i + step) % len(PREFS)]]
        lines.append("undo")
        r = w.run("review", "--script", "--order", "import", "--overlap", "2",
                  stdin="\n".join(lines) + "\n", env={"ASSAY_ANNOTATOR": name})
        eq(r.code, 0, r)
        out["script " + name] = r.out
    # a pair takes a preference, not a plain verdict; a preference a pair only
    r = w.run("review", "--script", "--order", "import", stdin="next\naccept\n",
              env={"ASSAY_ANNOTATOR": "cy"})
    out["accept on a pair"] = (r.code, r.err)
    r = w.run("review", "--script", stdin="next\nprefer maybe\n", env={"ASSAY_ANNOTATOR": "cy"})
    out["bad preference"] = (r.code, r.err)
    for args in ((), ("--annotator", "bob"), ("--format", "json")):
        r = w.run("stats", "--pairs", *args)
        out["stats" + " ".join(args)] = (r.code, r.out, r.err)
    for args in (("--status", "all"), ("--resolve", "majority", "--with", "tie,both-bad")):
        r = w.run("export", "--format", "dpo", "--output", "-", *args)
        out["dpo" + " ".join(args)] = (r.code, r.out, r.err)
    return out


def check_prefer(out):
    ann = out["script ann"].splitlines()
    eq(ann[:4], ["sample pair-000", "decided pair-000 accepted a", "sample pair-001",
                 "decided pair-001 accepted b"])
    eq(ann[5:8], ["decided pair-002 accepted tie", "sample pair-003",
                  "decided pair-003 rejected both-bad"])
    eq(ann[-1], "undone pair-023")
    eq(out["script bob"].splitlines()[1], "decided pair-000 accepted tie")
    eq(out["accept on a pair"][0], 2, out["accept on a pair"])
    contains(out["accept on a pair"][1], "assay: standard input, line 2: this sample is a pair "
             "of candidates: decide it with prefer")
    eq(out["bad preference"][0], 2, out["bad preference"])
    contains(out["bad preference"][1], "line 2: prefer: expected a, b, tie or both-bad")
    stats = out["stats--format json"]
    eq(stats[0], 0, stats)
    contains(stats[1], '"both_bad"')
    contains(out["dpo--status all"][2], "37 undecided, 23 where annotators disagree")


def test_prefer_through_the_script_on_sqlite():
    with Workdir() as w:
        check_prefer(prefer_session(w))


def test_prefer_through_the_script_same_on_postgresql():
    uri = pgs.server()
    if not uri:
        return
    with Workdir() as lite:
        a = prefer_session(lite)
    w = pgs.pg_workdir(uri, "prefer")
    try:
        b = prefer_session(w)
    finally:
        pgs.pg_done(w)
    check_prefer(b)
    eq(sorted(b), sorted(a))
    for k in a:
        eq(pgs.normal(b[k]), pgs.normal(a[k]), k)


def captions(n):
    return "\n".join(json.dumps({"id": f"c{i:05d}", "caption": f"A photo of {i} red boats "
                                  f"on a lake, number {i}.", "url": f"https://x/{i}.jpg"})
                      for i in range(n)) + "\n"


class Holder:
    """A psql session holding a transaction open after running sql."""

    def __init__(self, w, sql):
        exe = os.path.join(pgserver.bindir() or "/usr/bin", "psql")
        self.p = subprocess.Popen([exe, "-X", "-q", "-A", "-t", w.db], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        self.p.stdin.write(f"BEGIN;\n{sql};\n\\echo held\n")
        self.p.stdin.flush()
        while True:
            line = self.p.stdout.readline()
            if not line or line.strip() == "held":
                break
        eq(line.strip(), "held")

    def end(self):
        self.p.stdin.write("COMMIT;\n")
        self.p.stdin.close()
        self.p.wait(timeout=60)


def pg_case(name):
    uri = pgs.server()
    return pgs.pg_workdir(uri, name) if uri else None


def drop(w):
    pgs.pg_done(w)


def test_claims_neither_skip_nor_wait_for_a_scoring_runs_row_locks():
    w = pg_case("claimlock")
    if not w:
        return
    try:
        r = w.run("import", "--no-score", w.file("c.jsonl", captions(40)))
        eq(r.code, 0, r)
        # what a scoring run holds until it commits: the combined score
        # written on every sample's row
        h = Holder(w, "UPDATE sample_quality SET quality = 0.5")
        try:
            r = w.run("review", "--script", "--order", "import",
                      stdin="next\naccept\n" * 5, timeout=30)
        finally:
            h.end()
        eq(r.code, 0, r)
        eq(r.out.splitlines()[0::2], [f"sample c{i:05d}" for i in range(5)])
        # a scoring run mid-way while an annotator claims in import order:
        # no sample passed over
        p = subprocess.Popen([BIN, "--db", w.db, "score", "--rescore"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        r = w.run("review", "--script", "--order", "import", stdin="next\nskip\n" * 30,
                  env={"ASSAY_ANNOTATOR": "bo"})
        out, err = p.communicate(timeout=300)
        eq(p.returncode, 0, err)
        eq(r.code, 0, r)
        eq(r.out.splitlines()[0::2], [f"sample c{i:05d}" for i in range(5, 35)])
    finally:
        drop(w)


def test_two_score_runs_at_once_on_postgresql_both_end_well():
    w = pg_case("tworuns")
    if not w:
        return
    try:
        r = w.run("import", "--no-score", w.file("c.jsonl", captions(3000)))
        eq(r.code, 0, r)
        runs = [subprocess.Popen([BIN, "--db", w.db, "score"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=600) for p in runs]
        for p, (out, err) in zip(runs, outs):
            eq(p.returncode, 0, err)
        eq(pgs.psql(w.db, "SELECT count(*) FROM sample_quality WHERE quality IS NULL").strip(), "0")
        # a run held by another connection: this one says so and waits
        h = Holder(w, "SELECT pg_advisory_lock('assay_meta'::regclass::oid::integer, -1)")
        p = subprocess.Popen([BIN, "--db", w.db, "score", "--rescore"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = p.stderr.readline()
        contains(first, "another score run is writing this database: waiting for it to end")
        eq(p.poll(), None)
        h.end()
        out, err = p.communicate(timeout=600)
        eq(p.returncode, 0, err)
        contains(out, "combined scores written: 3000")
    finally:
        drop(w)



def test_an_import_with_scoring_waits_for_a_score_run_on_postgresql():
    w = pg_case("importrun")
    if not w:
        return
    try:
        r = w.run("import", "--no-score", w.file("a.jsonl", captions(10)))
        eq(r.code, 0, r)
        # a score run held by another connection: the import's scoring is
        # one too (it writes the scorers' slots and rows), so it waits
        h = Holder(w, "SELECT pg_advisory_lock('assay_meta'::regclass::oid::integer, -1)")
        more = "\n".join(json.dumps({"id": f"d{i}", "caption": f"Two gulls on post {i}."})
                         for i in range(20)) + "\n"
        p = subprocess.Popen([BIN, "--db", w.db, "import", w.file("b.jsonl", more)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = p.stderr.readline()
        contains(first, "another score run is writing this database: waiting for it to end")
        eq(p.poll(), None)
        eq(pgs.psql(w.db, "SELECT count(*) FROM samples").strip(), "10")
        h.end()
        out, err = p.communicate(timeout=600)
        eq(p.returncode, 0, err)
        eq(pgs.psql(w.db, "SELECT count(*) FROM sample_quality WHERE quality IS NOT NULL").strip(), "20")
    finally:
        drop(w)

class Counter:
    """A Unix-socket relay in front of the test server counting the
    statements a client runs (the protocol's Execute messages, and simple
    queries)."""

    def __init__(self, uri):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)
        self.target = os.path.join(q["host"][0], ".s.PGSQL.5432")
        self.dir = tempfile.mkdtemp(prefix="assay-relay-")
        self.srv = socket.socket(socket.AF_UNIX)
        self.srv.bind(os.path.join(self.dir, ".s.PGSQL.5432"))
        self.srv.listen(8)
        self.count = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.serve, daemon=True).start()

    def uri(self, db_uri):
        return db_uri.replace(urllib.parse.quote(os.path.dirname(self.target), safe=""),
                              urllib.parse.quote(self.dir, safe=""))

    def serve(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            up = socket.socket(socket.AF_UNIX)
            up.connect(self.target)
            threading.Thread(target=self.pump, args=(up, c), daemon=True).start()
            threading.Thread(target=self.frontend, args=(c, up), daemon=True).start()

    @staticmethod
    def pump(src, dst):
        try:
            while (b := src.recv(65536)):
                dst.sendall(b)
        except OSError:
            pass
        for x in (src, dst):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def frontend(self, src, dst):
        buf, started = b"", False
        try:
            while (b := src.recv(65536)):
                dst.sendall(b)
                buf += b
                while True:
                    if not started:
                        if len(buf) < 4:
                            break
                        n = struct.unpack("!I", buf[:4])[0]
                        if len(buf) < n:
                            break
                        buf, started = buf[n:], True
                        continue
                    if len(buf) < 5:
                        break
                    n = struct.unpack("!I", buf[1:5])[0]
                    if len(buf) < 1 + n:
                        break
                    if buf[:1] in (b"E", b"Q"):
                        with self.lock:
                            self.count += 1
                    buf = buf[1 + n:]
        except OSError:
            pass
        self.pump(src, dst)

    def close(self):
        self.srv.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def test_scoring_on_postgresql_sends_a_statement_per_page_not_per_sample():
    w = pg_case("batched")
    if not w:
        return
    relay = Counter(w.db)
    try:
        r = w.run("import", "--no-score", w.file("c.jsonl", captions(3000)))
        eq(r.code, 0, r)
        db = relay.uri(w.db)
        r = w.run("score", "--scorer", "length,gopher,repetition", db=False, env={"ASSAY_DB": db})
        eq(r.code, 0, r)
        contains(r.out, "combined scores written: 3000")
        # a statement per sample wrote its scores, another its combined score
        eq(relay.count < 300, True, relay.count)
        eq(pgs.psql(w.db, "SELECT count(*) FROM sample_scores").strip(), "3000")
        eq(pgs.psql(w.db, "SELECT count(*) FROM sample_quality WHERE quality IS NULL").strip(), "0")
    finally:
        relay.close()
        drop(w)


SKEW_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
/* CLOCK_REALTIME moved by $SKEW_SECONDS: a machine whose clock is wrong */
int clock_gettime(clockid_t id, struct timespec *ts)
{
    static int (*real)(clockid_t, struct timespec *);
    if (!real)
        real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int rc = real(id, ts);
    const char *k = getenv("SKEW_SECONDS");
    if (rc == 0 && k && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
        ts->tv_sec += atol(k);
    return rc;
}
"""


def skew_env(w, seconds):
    so = os.path.join(w.path, "skew.so")
    if not os.path.exists(so):
        src = w.file("skew.c", SKEW_SHIM)
        subprocess.run(["cc", "-shared", "-fPIC", "-o", so, src, "-ldl"], check=True)
    pre = os.environ.get("LD_PRELOAD", "")
    return {"LD_PRELOAD": (pre + " " if pre else "") + so, "SKEW_SECONDS": str(seconds),
            "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}


class Screen:
    """A `review --script` left open holding its claim."""

    def __init__(self, w, name, env):
        e = dict(os.environ, ASSAY_ANNOTATOR=name, **env)
        self.p = subprocess.Popen([BIN, "--db", w.db, "review", "--script", "--order", "import"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env=e)

    def next(self):
        self.p.stdin.write("next\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def end(self):
        self.p.stdin.close()
        eq(self.p.wait(timeout=60), 0)


def test_leases_expire_by_the_servers_clock_not_a_skewed_clients():
    w = pg_case("skew")
    if not w:
        return
    try:
        r = w.run("import", "--no-score", w.file("c.jsonl", captions(10)))
        eq(r.code, 0, r)
        # a machine an hour behind takes sample 1: its lease still lasts
        # ten minutes, so an annotator on a right clock gets sample 2
        late = Screen(w, "late", skew_env(w, -3600))
        eq(late.next(), "sample c00000")
        right = Screen(w, "right", {})
        eq(right.next(), "sample c00001")
        # a machine an hour ahead does not take the live leases for expired
        early = Screen(w, "early", skew_env(w, 3600))
        eq(early.next(), "sample c00002")
        left = pgs.psql(w.db, "SELECT count(*) FROM leases WHERE expires_at BETWEEN "
                        "(extract(epoch FROM now()) * 1000)::bigint + 540000 AND "
                        "(extract(epoch FROM now()) * 1000)::bigint + 660000").strip()
        eq(left, "3")
        for x in (late, right, early):
            x.end()
    finally:
        drop(w)
