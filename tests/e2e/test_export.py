"""End-to-end tests of `assay export`: exact records, corrections, rules,
filters, splits, formats, atomic files and uploads."""
import csv
import io
import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import (BIN, Workdir, check, contains, ended, eq, put_score,  # noqa: E402
                     wait_for_handler, wait_for_wchan)

# Records with deliberately odd formatting: spacing, key order, number
# forms and escapes must all survive an export byte for byte.
RECORDS = [
    '{"id": "a", "caption": "A cat sits.", "meta": {"model": "m1"}, "score": 1.50}',
    '{"meta":{"model":"m2"},"caption":"A dog runs\\u0021","id":"b"}',
    '{"id": "c", "caption": "Ünïcödé, \\"quoted\\", line\\nbreak", "n": 1e3}',
    '{"id": "d", "caption": "To be rejected.", "tags": ["x", "y"]}',
    '{"id": "e", "caption": "Never decided."}',
]


def setup(w, records=RECORDS, batch="b1"):
    """Imports records into a batch, without scoring."""
    src = w.file(f"{batch}.jsonl", "\n".join(records) + "\n")
    r = w.run("import", "--no-score", "--batch", batch, src)
    eq(r.code, 0, r)


def decide(w, ext_id, annotator, verdict, text=None, reason=None, at=1000):
    """Records a decision the way the review screen does (event + verdict in
    one transaction)."""
    args = ["decide", "--annotator", annotator, ext_id]
    if verdict == "accepted":
        args.append("accept")
    elif verdict == "edited":
        args += ["edit", "--text", text]
    else:
        args += ["reject", "--reason", reason or "other"]
    r = w.run(*args)
    eq(r.code, 0, r)


def adjudicate(w, ext_id, lead, verdict, text=None):
    args = ["decide", "--annotator", lead, "--adjudicate", ext_id,
            {"accepted": "accept", "edited": "edit", "rejected": "reject"}[verdict]]
    if text:
        args += ["--text", text]
    r = w.run(*args)
    eq(r.code, 0, r)


def standard(w):
    setup(w)
    decide(w, "a", "ann", "accepted")
    decide(w, "b", "ann", "edited", text="A brown dog runs fast.")
    decide(w, "c", "ann", "accepted")
    decide(w, "d", "ann", "rejected", reason="hallucination")


def test_default_export_is_exact_records_with_corrections():
    with Workdir() as w:
        standard(w)
        r = w.run("export")
        eq(r.code, 0, r)
        lines = r.out.splitlines()
        eq(len(lines), 3)
        eq(lines[0], RECORDS[0])
        eq(lines[2], RECORDS[2])
        # only the text value changed; key order and formatting kept
        eq(lines[1], '{"meta":{"model":"m2"},"caption":"A brown dog runs fast.","id":"b"}')
        contains(r.err, "exported 3 samples (accepted 2, edited 1) of 5 looked at")
        contains(r.err, "filters: status accepted edited; resolve unanimous")


def test_round_trip_is_byte_identical():
    with Workdir() as w:
        standard(w)
        first = os.path.join(w.path, "first.jsonl")
        eq(w.run("export", "-o", first).code, 0)
        db2 = os.path.join(w.path, "second.db")
        r = w.run("--db", db2, "import", "--no-score", first, db=False)
        eq(r.code, 0, r)
        second = os.path.join(w.path, "second.jsonl")
        r = w.run("--db", db2, "export", "--status", "all", "-o", second, db=False)
        eq(r.code, 0, r)
        eq(open(second, "rb").read(), open(first, "rb").read())


def test_status_filters():
    with Workdir() as w:
        standard(w)
        r = w.run("export", "--status", "rejected")
        eq([json.loads(x)["id"] for x in r.out.splitlines()], ["d"])
        r = w.run("export", "--status", "undecided")
        eq([json.loads(x)["id"] for x in r.out.splitlines()], ["e"])
        r = w.run("export", "--status", "all")
        eq(len(r.out.splitlines()), 5)
        r = w.run("export", "--status", "bogus")
        eq(r.code, 2)


def test_resolve_rules_and_lead_adjudication():
    with Workdir() as w:
        setup(w)
        # a: 2 keep, 1 reject; b: 1 keep, 1 reject; c: all keep, one edit
        for ann, v in (("x", "accepted"), ("y", "accepted"), ("z", "rejected")):
            decide(w, "a", ann, v)
        decide(w, "b", "x", "accepted")
        decide(w, "b", "y", "rejected")
        decide(w, "c", "x", "accepted")
        decide(w, "c", "y", "edited", text="fixed c")

        def ids(*args):
            r = w.run("export", *args)
            eq(r.code, 0, r)
            return [json.loads(x)["id"] for x in r.out.splitlines()]

        eq(ids("--resolve", "unanimous"), ["c"])
        eq(ids("--resolve", "majority"), ["a", "c"])
        eq(ids("--resolve", "any-reject"), ["c"])
        eq(ids("--resolve", "any-reject", "--status", "rejected"), ["a", "b"])
        eq(ids("--resolve", "unanimous", "--status", "conflict"), ["a", "b"])
        eq(ids("--resolve", "lead"), [])
        adjudicate(w, "b", "lead", "accepted")
        eq(ids("--resolve", "lead"), ["b"])
        eq(ids("--resolve", "unanimous"), ["b", "c"])
        r = w.run("export", "--resolve", "majority")
        recs = {x["id"]: x for x in map(json.loads, r.out.splitlines())}
        eq(sorted(recs), ["a", "b", "c"])
        eq(recs["c"]["caption"], "fixed c")


def test_batch_annotator_and_min_filters():
    with Workdir() as w:
        standard(w)
        setup(w, ['{"id": "z", "caption": "Other batch."}'], batch="b2")
        decide(w, "z", "other", "accepted")
        r = w.run("export", "--batch", "b2")
        eq([json.loads(x)["id"] for x in r.out.splitlines()], ["z"])
        r = w.run("export", "--annotator", "other")
        eq([json.loads(x)["id"] for x in r.out.splitlines()], ["z"])
        r = w.run("export", "--min", "quality=0.5")
        eq(r.out, "")  # nothing is scored in this database
        r = w.run("export", "--min", "quality")
        eq(r.code, 2)


def test_fields_projection():
    with Workdir() as w:
        standard(w)
        r = w.run("export", "--fields", "id,meta.model,caption")
        eq(r.out.splitlines()[0], '{"id":"a","meta.model":"m1","caption":"A cat sits."}')
        eq(json.loads(r.out.splitlines()[1])["caption"], "A brown dog runs fast.")


def test_provenance():
    with Workdir() as w:
        standard(w)
        r = w.run("decide", "--annotator", "ann", "b", "note", "--text", "dog was brown")
        eq(r.code, 0, r)
        r = w.run("export", "--provenance")
        eq(r.code, 0, r)
        recs = [json.loads(x) for x in r.out.splitlines()]
        p = recs[1]["_assay"]
        eq(p["verdict"], "edited")
        eq(p["original_text"], "A dog runs!")
        eq(p["batch"], "b1")
        eq(p["decisions"][0]["annotator"], "ann")
        eq(p["notes"][0]["text"], "dog was brown")
        eq(recs[0]["_assay"]["original_text"], None)
        # the rest of the record is untouched
        check(r.out.splitlines()[0].startswith(RECORDS[0][:-1] + ',"_assay":'), r.out)


def test_split_is_deterministic_and_complete():
    with Workdir() as w:
        records = [json.dumps({"id": f"s{i}", "caption": f"caption number {i} here"})
                   for i in range(400)]
        setup(w, records)
        r = w.run("decide", "--from", w.file("all.jsonl", "\n".join(
            json.dumps({"id": f"s{i}", "verdict": "accept", "annotator": "ann"})
            for i in range(400))))
        eq(r.code, 0, r)
        out = os.path.join(w.path, "set.jsonl")
        r = w.run("export", "-o", out, "--split", "train=0.8,val=0.2", "--seed", "7")
        eq(r.code, 0, r)
        train = open(os.path.join(w.path, "set.train.jsonl")).read().splitlines()
        val = open(os.path.join(w.path, "set.val.jsonl")).read().splitlines()
        eq(len(train) + len(val), 400)
        check(250 < len(train) < 370, len(train))
        check(not os.path.exists(out))
        contains(r.err, "train")
        # same seed: same assignment; a subset export keeps each sample's split
        r = w.run("export", "-o", os.path.join(w.path, "again.jsonl"), "--split",
                  "train=0.8,val=0.2", "--seed", "7")
        eq(open(os.path.join(w.path, "again.train.jsonl")).read().splitlines(), train)
        r = w.run("export", "-o", os.path.join(w.path, "other.jsonl"), "--split",
                  "train=0.8,val=0.2", "--seed", "8")
        check(open(os.path.join(w.path, "other.train.jsonl")).read().splitlines() != train)
        for bad in ("train=0.8,val=0.3", "train", "=0.5,x=0.5", "a=0.5,a=0.5"):
            eq(w.run("export", "-o", out, "--split", bad).code, 2, bad)
        eq(w.run("export", "--split", "a=1").code, 2)


def test_csv_quoting_and_json_array():
    with Workdir() as w:
        standard(w)
        r = w.run("export", "--format", "csv", "--status", "all")
        eq(r.code, 0, r)
        rows = list(csv.reader(io.StringIO(r.out, newline="")))
        # every record's keys, first seen first; values as the record has them
        eq(rows[0], ["id", "caption", "meta", "score", "n", "tags"])
        eq(rows[3], ["c", 'Ünïcödé, "quoted", line\nbreak', "", "", "1e3", ""])
        contains(r.out, '"Ünïcödé, ""quoted"", line\nbreak"')
        eq(rows[1][2:4], ['{"model": "m1"}', "1.50"])
        eq(rows[4][5], '["x", "y"]')
        r = w.run("export", "--format", "csv", "--fields", "id,caption")
        eq(list(csv.reader(io.StringIO(r.out, newline="")))[2], ["b", "A brown dog runs fast."])
        r = w.run("export", "--format", "json")
        arr = json.loads(r.out)
        eq([x["id"] for x in arr], ["a", "b", "c"])
        r = w.run("export", "--format", "json", "--status", "conflict")
        eq(json.loads(r.out), [])


def test_csv_neutralises_controls_and_formulas_unless_raw():
    """A CSV never carries a terminal escape (OSC 52 writes the clipboard,
    OSC 0 retitles the window) nor a formula: controls are shown as the
    screen shows them, text cells starting with = + - @ get a ', while a
    number stays a number; --csv-raw gives the exact bytes."""
    recs = [json.dumps({"id": "=cmd|' /C calc'!A0",
                        "caption": "\x1b]52;c;ZXZpbA==\x07clip \x1b]0;title\x07 \u009b31m red",
                        "meta": {"f": "+1+2", "g": "@SUM(1)", "h": "-2+3", "n": -0.5}}),
            json.dumps({"id": "b", "caption": "\ttab first", "meta": {"f": "a\rb"}})]
    with Workdir() as w:
        setup(w, recs)
        decide(w, "=cmd|' /C calc'!A0", "ann", "accepted")
        decide(w, "b", "ann", "accepted")
        r = w.run("export", "--format", "csv", "--fields", "id,caption,meta.f,meta.g,meta.h,meta.n")
        eq(r.code, 0, r)
        check(not any(ord(ch) < 0x20 and ch not in "\r\n\t" or 0x7f <= ord(ch) <= 0x9f
                      for ch in r.out), repr(r.out))
        rows = list(csv.reader(io.StringIO(r.out, newline="")))
        eq(rows[1], ["'=cmd|' /C calc'!A0", "^[]52;c;ZXZpbA==^Gclip ^[]0;title^G <U+009B>31m red",
                     "'+1+2", "'@SUM(1)", "'-2+3", "-0.5"])
        eq(rows[2][:3], ["b", "'\ttab first", "a^Mb"])
        r = w.run("export", "--format", "csv", "--csv-raw", "--fields", "id,caption,meta.f")
        eq(r.code, 0, r)
        rows = list(csv.reader(io.StringIO(r.out, newline="")))
        eq(rows[1], ["=cmd|' /C calc'!A0",
                     "\x1b]52;c;ZXZpbA==\x07clip \x1b]0;title\x07 \u009b31m red", "+1+2"])


def test_output_is_copied_into_place_where_links_are_refused():
    """Where the unnamed output file cannot be linked in (linkat refused, as
    in some sandboxes), its bytes are copied into a hidden file that is
    renamed over the destination: the same output, nothing left behind."""
    shim = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(BIN))),
                        "tests", "export", "libnolink.so")
    check(os.path.exists(shim), f"{shim} is built with the tests")
    with Workdir() as w:
        setup(w, [json.dumps({"id": f"s{i}", "caption": f"caption {i} " + "x" * 300})
                  for i in range(2000)])
        want = w.run("export", "--status", "all").out
        env = {"LD_PRELOAD": shim, "ASAN_OPTIONS": "verify_asan_link_order=0:detect_leaks=1"}
        dest = os.path.join(w.path, "out.jsonl")
        for _ in range(2):  # a new destination, then an existing one
            r = w.run("export", "--status", "all", "-o", dest, env=env)
            eq(r.code, 0, r)
            eq(open(dest).read(), want)
        eq([f for f in os.listdir(w.path) if ".assay-" in f], [])


def test_atomic_file_on_full_disk_and_bad_paths():
    with Workdir() as w:
        records = [json.dumps({"id": f"s{i}", "caption": f"a long caption {i} " + "x" * 400})
                   for i in range(600)]
        setup(w, records)
        mnt = os.path.join(w.path, "small")
        os.mkdir(mnt)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt],
                                 capture_output=True).returncode == 0
        check(mounted, "tests need to mount a small tmpfs (run as root)")
        try:
            dest = os.path.join(mnt, "out.jsonl")
            r = w.run("export", "--status", "all", "-o", dest)
            eq(r.code, 74, r)
            contains(r.err, f"{dest}: disk full while writing; nothing was written there")
            eq(os.listdir(mnt), [])
        finally:
            subprocess.run(["umount", mnt])
        r = w.run("export", "-o", os.path.join(w.path, "missing", "x.jsonl"))
        eq(r.code, 66, r)
        contains(r.err, "cannot create a file there")
        r = w.run("export", "-o", w.path)
        eq(r.code, 74, r)
        contains(r.err, "is a directory")
        # an existing file is replaced whole
        dest = os.path.join(w.path, "keep.jsonl")
        with open(dest, "w") as f:
            f.write("old\n")
        eq(w.run("export", "--status", "all", "-o", dest).code, 0)
        eq(len(open(dest).read().splitlines()), 600)


def test_export_to_url_put_post_token_and_failures():
    from httpd import TestServer
    with Workdir() as w, TestServer() as srv:
        setup(w)
        local = w.run("export", "--status", "all")
        eq(local.code, 0, local)
        r = w.run("export", "--status", "all", "--to", srv.url + "/datasets/v1",
                  env={"ASSAY_EXPORT_TOKEN": "s3cret-token"})
        eq(r.code, 0, r)
        contains(r.err, "(HTTP 201)")
        req = [q for q in srv.requests if q["method"] == "PUT"][-1]
        eq(req["headers"].get("Content-Type"), "application/x-ndjson")
        eq(req["headers"].get("Authorization"), "Bearer s3cret-token")
        eq(srv.uploads["/datasets/v1"], local.out.encode())
        r = w.run("export", "--status", "all", "--method", "POST", "--to", srv.url + "/post")
        eq(r.code, 0, r)
        eq(srv.uploads["/post"], local.out.encode())
        check("Authorization" not in [q for q in srv.requests if q["method"] == "POST"][-1]["headers"])
        r = w.run("export", "--status", "all", "--to", srv.url + "/fail?fault=500")
        eq(r.code, 69, r)
        contains(r.err, "the server answered HTTP 500")
        contains(r.err, "injected HTTP 500")
        r = w.run("export", "--status", "all", "--to", srv.url + "/auth?fault=echo_auth",
                  env={"ASSAY_EXPORT_TOKEN": "s3cret-token"})
        eq(r.code, 69, r)
        check("s3cret-token" not in r.err, r.err)
        r = w.run("export", "--to", "ftp://example/x")
        eq(r.code, 2)
        r = w.run("export", "--to", srv.url + "/x", "-o", os.path.join(w.path, "f.jsonl"))
        eq(r.code, 2)
        r = w.run("export", "--status", "all", "--to", "http://127.0.0.1:9/nothing")
        eq(r.code, 69, r)


def shim_path(name):
    """An LD_PRELOAD shim built with the tests, beside this build's binary."""
    p = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(BIN))),
                     "tests", "export", name)
    check(os.path.exists(p), f"{p} is built with the tests")
    return p


def no_temp_files(path):
    eq([f for f in os.listdir(path) if ".assay-" in f], [], "temporary files left behind")


def test_export_and_report_refuse_the_database_and_its_side_files():
    """The open database and its -wal, -shm and -journal are never an
    output: by name, through symbolic links (of the file or of its
    directory), as a hard link, existing or not; the database is unchanged."""
    import sqlite3
    with Workdir() as w:
        standard(w)
        before = w.dump()
        # a second connection keeps the -wal and -shm files in place
        held = sqlite3.connect(w.db)
        held.execute("SELECT count(*) FROM samples").fetchall()
        check(os.path.exists(w.db + "-wal"), "the -wal file exists while held")
        os.symlink(w.db, os.path.join(w.path, "link.jsonl"))
        os.symlink("link.jsonl", os.path.join(w.path, "link2.jsonl"))
        os.symlink("assay.db-journal", os.path.join(w.path, "dangling.jsonl"))
        os.symlink("assay.db-wal", os.path.join(w.path, "wal.jsonl"))
        os.link(w.db, os.path.join(w.path, "hard.jsonl"))
        os.symlink(w.path, os.path.join(w.path, "alias"))
        dests = [w.db, "assay.db", f"alias/../{os.path.basename(w.path)}/assay.db",
                 "link.jsonl", "link2.jsonl",
                 "dangling.jsonl", "wal.jsonl", "hard.jsonl", "alias/assay.db",
                 w.db + "-wal", w.db + "-shm", w.db + "-journal", "alias/assay.db-journal"]
        for d in dests:
            for args in (["export", "--status", "all", "-o", d],
                         ["export", "--format", "csv", "-o", d],
                         ["report", "--html", d]):
                r = w.run(*args)
                eq(r.code, 2, (args, r))
                contains(r.err, "refusing to write there", args)
        held.close()
        eq(w.dump(), before)
        eq(w.sql("PRAGMA integrity_check"), [("ok",)])
        check(not os.path.lexists(w.db + "-journal"))
        # one file of a split resolving to the database: none of the set written
        os.symlink(w.db, os.path.join(w.path, "set.val.jsonl"))
        r = w.run("export", "-o", "set.jsonl", "--split", "train=0.5,val=0.5")
        eq(r.code, 2, r)
        contains(r.err, "set.val.jsonl: is the database")
        check(not os.path.exists(os.path.join(w.path, "set.train.jsonl")))
        # standard output opened on the database (a shell's >> assay.db)
        with open(w.db, "ab") as f:
            p = subprocess.run([BIN, "--db", w.db, "export", "--status", "all"], stdout=f,
                               stderr=subprocess.PIPE, text=True, timeout=60)
        eq(p.returncode, 2, p.stderr)
        contains(p.stderr, "standard output: is the database")
        eq(w.dump(), before)
        eq(w.sql("PRAGMA integrity_check"), [("ok",)])
        no_temp_files(w.path)


def read_all(path, out):
    with open(path, "rb") as f:
        out.append(f.read())


def test_export_writes_fifos_devices_and_sockets_as_streams():
    """A FIFO, a character device and a socket are written directly: the
    reader gets every byte and the node stays what it was."""
    with Workdir() as w:
        standard(w)
        want = w.run("export", "--status", "all").out.encode()
        fifo = os.path.join(w.path, "pipe")
        os.mkfifo(fifo)
        for args in (["export", "--status", "all", "-o", fifo],
                     ["report", "--html", fifo]):
            got = []
            t = threading.Thread(target=read_all, args=(fifo, got))
            t.start()
            r = w.run(*args, timeout=60)
            t.join(30)
            eq(r.code, 0, r)
            check(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced")
            if args[0] == "export":
                eq(got, [want])
            else:
                check(got[0].startswith(b"<!DOCTYPE html>") and got[0].rstrip().endswith(b"</html>"))
        # character devices: nodes made like /dev/null and /dev/full (as root;
        # the system's own are never put at risk), else /dev/null itself
        if os.geteuid() == 0:
            null = os.path.join(w.path, "null")
            full = os.path.join(w.path, "full")
            os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        else:
            null, full = "/dev/null", "/dev/full"
        r = w.run("export", "--status", "all", "-o", null)
        eq(r.code, 0, r)
        check(stat.S_ISCHR(os.stat(null).st_mode), "the device was replaced")
        r = w.run("export", "--status", "all", "-o", full)
        eq(r.code, 74, r)
        contains(r.err, "disk full while writing; the output is incomplete")
        check(stat.S_ISCHR(os.stat(full).st_mode), "the device was replaced")
        # a UNIX socket: connected to, every byte delivered
        sock = os.path.join(w.path, "sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(sock)
        srv.listen(1)
        got = []

        def serve():
            c, _ = srv.accept()
            data = b""
            while chunk := c.recv(65536):
                data += chunk
            got.append(data)
            c.close()
        t = threading.Thread(target=serve)
        t.start()
        r = w.run("export", "--status", "all", "-o", sock, timeout=60)
        t.join(30)
        srv.close()
        eq(r.code, 0, r)
        eq(got, [want])
        check(stat.S_ISSOCK(os.stat(sock).st_mode))
        no_temp_files(w.path)


# Where a process waits for a FIFO's reader: in open() (wait_for_partner),
# or asleep between its tries of a non-blocking open().
FIFO_WAITS = ("wait_for_partner", "nanosleep")


def test_export_fifo_without_reader_stops_on_sigterm():
    """Opening a FIFO nobody reads waits, and gives up on SIGTERM."""
    with Workdir() as w:
        standard(w)
        fifo = os.path.join(w.path, "pipe")
        os.mkfifo(fifo)
        p = subprocess.Popen([BIN, "--db", w.db, "export", "-o", fifo],
                             stderr=subprocess.PIPE, text=True)
        try:
            check(wait_for_handler(p.pid, signal.SIGTERM), "export never caught SIGTERM")
            # and is waiting for a reader: the handler is what is tested
            check(wait_for_wchan(p.pid, FIFO_WAITS), "export never waited for a reader")
            p.send_signal(signal.SIGTERM)
            _, err = p.communicate(timeout=30)
        finally:
            ended(p)
        eq(p.returncode, 130, err)
        contains(err, "interrupted")


def test_export_fifo_sigterm_just_before_the_open_stops_it():
    """A SIGTERM that lands after the handler is installed but before the
    FIFO is opened (raised there by a shim on open) still stops the export
    (exit 130); before, the stop was seen only when a blocked open() was
    interrupted, so the export waited for a reader for ever."""
    with Workdir() as w:
        standard(w)
        fifo = os.path.join(w.path, "pipe")
        os.mkfifo(fifo)
        env = dict(os.environ, LD_PRELOAD=shim_path("libsigopen.so"), SIGOPEN_PATH=fifo,
                   ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=1")
        p = subprocess.Popen([BIN, "--db", w.db, "export", "-o", fifo], env=env,
                             stderr=subprocess.PIPE, text=True)
        try:
            _, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError("still waiting for a reader 30 s after SIGTERM") from None
        finally:
            ended(p)
        eq(p.returncode, 130, err)
        contains(err, "interrupted while opening")
        check(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced")


def test_export_keeps_mode_owner_and_symbolic_links():
    """An existing file is replaced whole but keeps its mode and owner
    (also where the bytes are copied in); a symbolic link is written
    through and stays a link."""
    with Workdir() as w:
        standard(w)
        want = w.run("export", "--status", "all").out
        dest = os.path.join(w.path, "private.jsonl")
        for env in (None, {"LD_PRELOAD": shim_path("libnolink.so"),
                           "ASAN_OPTIONS": "verify_asan_link_order=0:detect_leaks=1"}):
            w.file("private.jsonl", "old\n")
            os.chmod(dest, 0o600)
            if os.geteuid() == 0:
                os.chown(dest, 1234, 2345)
            r = w.run("export", "--status", "all", "-o", dest, env=env)
            eq(r.code, 0, r)
            eq(open(dest).read(), want)
            st = os.stat(dest)
            eq(stat.S_IMODE(st.st_mode), 0o600, env)
            if os.geteuid() == 0:
                eq((st.st_uid, st.st_gid), (1234, 2345), env)
        html = w.file("audit.html", "old")
        os.chmod(html, 0o640)
        eq(w.run("report", "--html", html).code, 0)
        eq(stat.S_IMODE(os.stat(html).st_mode), 0o640)
        # through a symbolic link (to an existing file, and to a new one)
        os.mkdir(os.path.join(w.path, "real"))
        target = w.file("real/data.jsonl", "old\n")
        os.chmod(target, 0o640)
        link = os.path.join(w.path, "link.jsonl")
        os.symlink("real/data.jsonl", link)
        os.symlink("real/new.jsonl", os.path.join(w.path, "new.jsonl"))
        for name in ("link.jsonl", "new.jsonl"):
            r = w.run("export", "--status", "all", "-o", name)
            eq(r.code, 0, r)
            check(os.path.islink(os.path.join(w.path, name)), f"{name} was replaced")
        eq(open(target).read(), want)
        eq(stat.S_IMODE(os.stat(target).st_mode), 0o640)
        eq(open(os.path.join(w.path, "real", "new.jsonl")).read(), want)
        no_temp_files(w.path)
        no_temp_files(os.path.join(w.path, "real"))


def test_min_refuses_non_finite_values_and_unknown_scorers():
    with Workdir() as w:
        standard(w)
        for v in ("nan", "NaN", "inf", "-inf", "infinity", "1e400", "-1e400"):
            r = w.run("export", "--min", f"quality={v}")
            eq(r.code, 2, (v, r))
            contains(r.err, "--min: expected a finite number")
        r = w.run("export", "--min", "qualty=0.5")
        eq(r.code, 2, r)
        contains(r.err, '--min: no scorer named "qualty"; known: quality, length, gopher')
        r = w.run("export", "--min", "repetition=0.5", "--min", "repititon=0.5")
        eq(r.code, 2, r)
        contains(r.err, '"repititon"')
        r = w.run("export", "--min", "repetition=0.5", "--min", "quality=-1e300")
        eq(r.code, 0, r)


SPLIT = ["--split", "a=0.4,b=0.3,c=0.3"]


def split_files(w, base="set"):
    return [os.path.join(w.path, f"{base}.{n}.jsonl") for n in "abc"]


def test_split_files_appear_as_one_set():
    """The files of a split are all complete and synced before any is
    named: a failure syncing one leaves none of the new set (an older set
    stays whole), and a kill at any point leaves the old set or the whole
    new one, never a mix, and no temporary file."""
    env_slow = {"LD_PRELOAD": shim_path("libsyncshim.so"), "ASSAY_TEST_FSYNC": "sleep:150"}
    with Workdir() as w:
        setup(w, [json.dumps({"id": f"s{i}", "caption": f"caption {i} " + "x" * 200})
                  for i in range(3000)])
        out = os.path.join(w.path, "set.jsonl")
        r = w.run("export", "--status", "all", "-o", out, *SPLIT)
        eq(r.code, 0, r)
        new = [open(p).read() for p in split_files(w)]
        old = [f"old {n}\n" for n in "abc"]

        def put_old():
            for p, text in zip(split_files(w), old):
                with open(p, "w") as f:
                    f.write(text)

        def state():
            return [open(p).read() if os.path.exists(p) else None for p in split_files(w)]
        # the second file fails to sync: nothing new anywhere
        put_old()
        r = w.run("export", "--status", "all", "-o", out, *SPLIT,
                  env={"LD_PRELOAD": shim_path("libsyncshim.so"), "ASSAY_TEST_FSYNC": "fail:2"})
        eq(r.code, 74, r)
        contains(r.err, "syncing failed")
        eq(state(), old)
        for p in split_files(w):
            os.unlink(p)
        r = w.run("export", "--status", "all", "-o", out, *SPLIT,
                  env={"LD_PRELOAD": shim_path("libsyncshim.so"), "ASSAY_TEST_FSYNC": "fail:3"})
        eq(r.code, 74, r)
        eq(state(), [None] * 3)
        no_temp_files(w.path)
        # killed at points spread over a run whose syncs are slowed down
        e = dict(os.environ, ASSAY_ANNOTATOR="tester", **env_slow)
        t0 = time.monotonic()
        subprocess.run([BIN, "--db", w.db, "export", "--status", "all", "-o", out, *SPLIT],
                       env=e, capture_output=True, check=True)
        took = time.monotonic() - t0
        for i in range(12):
            fresh = i % 2 == 0
            if fresh:
                for p in split_files(w):
                    if os.path.exists(p):
                        os.unlink(p)
            else:
                put_old()
            p = subprocess.Popen([BIN, "--db", w.db, "export", "--status", "all", "-o", out,
                                  *SPLIT], env=e, stderr=subprocess.DEVNULL)
            time.sleep(took * (i + 0.5) / 12)
            p.send_signal(signal.SIGKILL if i % 3 else signal.SIGTERM)
            p.wait(timeout=30)
            got = state()
            check(got in ([None] * 3 if fresh else old, new),
                  f"kill {i} at {took * (i + 0.5) / 12:.2f}s of {took:.2f}s left a mixed set: "
                  f"{[g if g is None else len(g) for g in got]}")
            # a kill between naming the files and renaming them can leave
            # hidden ones, which the next export to the set removes
            for f in os.listdir(w.path):
                check(".assay-" not in f or f.startswith(".set."), f"{f} left by a kill")
        for f in os.listdir(w.path):  # a minute old: a leftover
            if ".assay-" in f:
                os.utime(os.path.join(w.path, f), (time.time() - 120, time.time() - 120))
        r = w.run("export", "--status", "all", "-o", out, *SPLIT)
        eq(r.code, 0, r)
        no_temp_files(w.path)


def test_an_export_never_removes_the_files_another_is_placing():
    """A second export to the same set while the first has named its files
    and not yet renamed them (the renames slowed down here) finds them held:
    it removes only what no export holds, and both complete, whole. So with
    unnamed files linked in, copied in (links refused) and without unnamed
    files (hidden files from the start)."""
    for shim in (None, "libnolink.so", "libnotmpfile.so"):
        concurrent_exports(shim)


def test_a_failure_closing_the_file_fails_the_export():
    """Where closing the file reports a write error (a network file system's
    deferred one), the export fails and nothing is put in place: the file
    named from the start (no unnamed files) and the copy (links refused)."""
    with Workdir() as w:
        setup(w, [json.dumps({"id": f"s{i}", "caption": f"caption {i}"}) for i in range(50)])
        out = os.path.join(w.path, "out.jsonl")
        for shim in ("libnotmpfile.so", "libnolink.so"):
            r = w.run("export", "--status", "all", "-o", out,
                      env={"LD_PRELOAD": shim_path("libsyncshim.so") + " " + shim_path(shim),
                           "ASSAY_TEST_CLOSE": "fail"})
            eq(r.code, 74, r)
            contains(r.err, "closing failed")
            contains(r.err, "nothing was written there")
            check(not os.path.exists(out), "a file put in place after a failed close")
            no_temp_files(w.path)


def concurrent_exports(shim):
    with Workdir() as w:
        setup(w, [json.dumps({"id": f"s{i}", "caption": f"caption {i}"}) for i in range(300)])
        out = os.path.join(w.path, "set.jsonl")
        r = w.run("export", "--status", "all", "-o", out, *SPLIT)
        eq(r.code, 0, r)
        new = [open(p).read() for p in split_files(w)]
        for replacing in (False, True):
            if not replacing:
                for p in split_files(w):
                    os.unlink(p)
            preload = shim_path("libsyncshim.so") + (" " + shim_path(shim) if shim else "")
            e = dict(os.environ, ASSAY_ANNOTATOR="tester", LD_PRELOAD=preload,
                     ASSAY_TEST_RENAME="sleep:1500")
            first = subprocess.Popen([BIN, "--db", w.db, "export", "--status", "all", "-o", out,
                                      *SPLIT], env=e, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 30
            while len(hidden := [f for f in os.listdir(w.path) if ".assay-" in f]) < 3:
                check(time.monotonic() < deadline and first.poll() is None,
                      "the first export's files never appeared")
                time.sleep(0.01)
            # old enough to be taken for leftovers: only the lock keeps them
            for f in hidden:
                os.utime(os.path.join(w.path, f), (time.time() - 120, time.time() - 120))
            r = w.run("export", "--status", "all", "-o", out, *SPLIT,
                      env={"LD_PRELOAD": shim_path(shim)} if shim else None)
            eq(r.code, 0, r)
            _, err = first.communicate(timeout=60)
            eq(first.returncode, 0, err.decode())
            eq([open(p).read() for p in split_files(w)], new)
            no_temp_files(w.path)


def scored(w):
    """standard() with repetition scores: a 0.2 (flagged), b 0.6, c 0.9, d none."""
    standard(w)
    con = sqlite3.connect(w.db)
    for sid, v in (("a", 0.2), ("b", 0.6), ("c", 0.9)):
        (n,) = con.execute("SELECT id FROM samples WHERE ext_id = ?", (sid,)).fetchone()
        put_score(con, n, "repetition", v, v < 0.5)
    con.commit()
    con.close()


def ids(r):
    eq(r.code, 0, r)
    return [json.loads(x)["id"] for x in r.out.splitlines()]


def test_where_exports_only_the_slice():
    with Workdir() as w:
        scored(w)
        everything = ["--status", "all"]
        eq(ids(w.run("export", *everything, "--where", 'meta.model = "m1"')), ["a"])
        eq(ids(w.run("export", *everything, "--where", "flagged(repetition)")), ["a"])
        eq(ids(w.run("export", *everything, "--where", "not flagged(repetition)")),
           ["b", "c", "d", "e"])
        eq(ids(w.run("export", *everything, "--where", "verdict = rejected")), ["d"])
        eq(ids(w.run("export", *everything, "--where", 'text ~ "DOG" or meta.model = "m1"')),
           ["a", "b"])
        # with the other filters: --status and --where both hold
        eq(ids(w.run("export", "--where", "score.repetition >= 0.5")), ["b", "c"])
        eq(ids(w.run("export", "--where", "score.repetition >= 0.5", "--min",
                     "repetition=0.7")), ["c"])
        r = w.run("export", "--where", "flagged(repetition)", "-o", w.path + "/x.jsonl")
        contains(r.err, "; where flagged(repetition)\n")
        # the progress estimate (a second pass) is skipped without a bar: same rows
        eq(ids(w.run("export", "--where", "verdict = accepted or verdict = edited")),
           ["a", "b", "c"])


def test_max_keeps_samples_scoring_at_most_the_value():
    with Workdir() as w:
        scored(w)
        everything = ["--status", "all"]
        eq(ids(w.run("export", *everything, "--max", "repetition=0.6")), ["a", "b"])
        eq(ids(w.run("export", *everything, "--max", "repetition=0.59")), ["a"])
        eq(ids(w.run("export", *everything, "--min", "repetition=0.3", "--max",
                     "repetition=0.7")), ["b"])
        # an unscored sample holds no bound, as with --min
        eq(ids(w.run("export", *everything, "--max", "repetition=100")), ["a", "b", "c"])
        r = w.run("export", "--max", "repetition=0.6", "-o", w.path + "/x.jsonl")
        contains(r.err, "; repetition <= 0.6")
        for bad in ("repetition", "=1", "repetition=nan", "repetition=1e400"):
            r = w.run("export", "--max", bad)
            eq(r.code, 2, (bad, r))
            contains(r.err, "--max: expected")
        r = w.run("export", "--max", "repititon=0.5")
        eq(r.code, 2, r)
        contains(r.err, '--max: no scorer named "repititon"')


def test_a_bad_where_is_a_usage_error_pointing_at_its_column():
    with Workdir() as w:
        standard(w)
        r = w.run("export", "--where", "flagged(repetition) and quality <")
        eq(r.code, 2, r)
        lines = r.err.splitlines()
        eq(lines[0].startswith("assay: --where: column 34: "), True, r.err)
        eq(lines[1], "  flagged(repetition) and quality <")
        eq(lines[2], "  " + " " * 33 + "^")
        eq(lines[3], "Try 'assay export --help'.")
        eq(r.out, "")
        # a control character in the expression never reaches the terminal raw
        r = w.run("export", "--where", "text ~ \"a\x1b[31m\"")
        eq(r.code, 2, r)
        check("\x1b" not in r.err, r.err)
        r = w.run("export", "--where", "edited", "--where", "conflict")
        eq(r.code, 2, r)
        contains(r.err, "--where given twice")
        r = w.run("export", "--where", "kind = image")
        eq(r.code, 2, r)
        contains(r.err, "assay: --where: column 8: expected one of caption, response, text")


def test_help_describes_the_where_language_the_other_commands_point_to():
    """review and decide say "see assay export --help" for --where: it lists
    every field of the language, the words a verdict takes and the operators."""
    with Workdir() as w:
        r = w.run("export", "--help")
        eq(r.code, 0, r)
        contains(r.out, "The --where language")
        contains(r.out, "compared with = != < <= > >=")
        for field in ("flagged(NAME)", "score.NAME OP", "quality OP", "learned OP",
                      "meta.PATH OP", "batch = NAME", "kind = K", "verdict = V",
                      "reason = TEXT", "annotator = NAME", "conflict:", "edited:",
                      "decided_after =", "decided_before =", "spotcheck = N", "text ~ TEXT"):
            contains(r.out, "\n  " + field)
        contains(r.out, "V: accepted, edited, rejected, skipped, undecided")
        check(max(len(x) for x in r.out.splitlines()) <= 80, r.out)
        for cmd in ("review", "decide"):
            contains(w.run(cmd, "--help").out, "assay export --help")
