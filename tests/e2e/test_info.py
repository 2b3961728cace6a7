"""`assay info`: batches, counts, decisions and scorers, as a table and JSON."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import (SAMPLE_DATA, Workdir, check, contains, eq, old_scores_layout,  # noqa: E402
                     quality_in_samples_layout, texts_twice_layout)


def test_info_table_and_json():
    with Workdir() as w:
        recs = [json.dumps({"id": f"s{i}", "caption": f"A heron number {i} in water."})
                for i in range(4)]
        recs.append(recs[0].replace('"s0"', '"dup"'))
        recs.append("broken")
        r = w.run("import", "--batch", "herons", w.file("h.jsonl", "\n".join(recs)))
        eq(r.code, 65, r)
        eq(w.run("decide", "--annotator", "ann", "s0", "accept").code, 0)
        eq(w.run("decide", "--annotator", "ann", "s1", "reject", "--reason", "other").code, 0)
        eq(w.run("decide", "--annotator", "bob", "s2", "edit", "--text", "A heron.").code, 0)
        r = w.run("info")
        eq(r.code, 0, r)
        contains(r.out, "samples   4 (3 decided, 1 undecided) by 2 annotators")
        contains(r.out, "herons")
        row = [line for line in r.out.splitlines() if line.startswith("herons")][0].split()
        eq(row[1:9], ["4", "1", "1", "1", "3", "1", "1", "1"])
        contains(r.out, "scorer")
        info = json.loads(w.run("info", "--json").out)
        b = info["batches"][0]
        eq((b["samples"], b["duplicates"], b["rejected_records"], b["decided"], b["accepted"],
            b["edited"], b["rejected"], b["complete"]), (4, 1, 1, 3, 1, 1, 1, True))
        eq(info["annotators"], 2)
        eq(info["undecided"], 1)
        names = {s["name"] for s in info["scorers"]}
        eq({"length", "repetition", "neardup"} <= names, True)
        eq(w.run("info", "extra").code, 2)


def test_info_counts_samples_and_decisions_apart_and_says_which():
    """Two annotators on one sample: 2 samples decided, 3 decisions. The
    verdict columns count decisions and add up to the decisions column."""
    with Workdir() as w:
        recs = [json.dumps({"id": f"s{i}", "caption": f"A heron number {i} in water."})
                for i in range(3)]
        eq(w.run("import", "--no-score", "--batch", "b", w.file("h.jsonl", "\n".join(recs))).code, 0)
        for who, sid, verdict in (("ann", "s0", "accept"), ("bob", "s0", "reject"),
                                  ("ann", "s1", "accept")):
            args = ["decide", "--annotator", who, sid, verdict]
            eq(w.run(*(args + (["--reason", "blurry"] if verdict == "reject" else []))).code, 0)
        r = w.run("info")
        eq(r.code, 0, r)
        contains(r.out, "samples   3 (2 decided, 1 undecided) by 2 annotators, 3 decisions")
        lines = r.out.splitlines()
        head = [x for x in lines if x.startswith("batch ")][0].split()
        eq(head[1:9], ["samples", "dupes", "bad", "undecided", "decisions", "accepted", "edited",
                       "rejected"])
        row = [x for x in lines if x.startswith("b ")][0].split()
        eq(row[1:9], ["3", "0", "0", "1", "3", "2", "0", "1"])
        contains(r.out, "decisions: one per annotator and sample")
        info = json.loads(w.run("info", "--json").out)
        eq((info["decided"], info["undecided"], info["decisions"]), (2, 1, 3))
        b = info["batches"][0]
        eq((b["decided"], b["undecided"], b["decisions"], b["accepted"], b["rejected"]),
           (2, 1, 3, 2, 1))


def test_batch_names_are_shown_whole_and_aligned_by_display_width():
    """--batch needs a batch's whole name: info shows it however long (a
    default name is longer than 32 bytes), piped or not, and pads by
    display width so a name of wide characters keeps the columns."""
    with Workdir() as w:
        long = "a-very-long-batch-name-that-goes-well-past-thirty-two-bytes"
        wide = "名前-batch"
        one = json.dumps({"id": "s0", "caption": "A heron in water."})
        two = json.dumps({"id": "t0", "caption": "A crane on a roof."})
        eq(w.run("import", "--no-score", "--batch", long, w.file("a.jsonl", one)).code, 0)
        eq(w.run("import", "--no-score", "--batch", wide, w.file("b.jsonl", two)).code, 0)
        r = w.run("info")
        eq(r.code, 0, r)
        lines = r.out.splitlines()
        rows = [x for x in lines if x.startswith((long + " ", wide + " "))]
        eq(len(rows), 2, r.out)
        head = [x for x in lines if x.startswith("batch ")][0]
        # "samples" ends where each row's sample count ends, in display columns
        end = head.index("samples") + len("samples")
        for row in rows:
            name = long if row.startswith(long) else wide
            cols = len(row) + (len(name.encode()) - len(name)) // 2  # CJK: 2 columns each
            before = row[:row.index(" 1 ") + 2]
            eq(len(before) + (cols - len(row)), end, row)
        eq(w.run("stats", "--batch", long).code, 0)


def test_an_older_database_is_upgraded_once_and_says_so():
    with Workdir() as w:
        eq(w.run("import", w.file("a.jsonl", '{"id": "a", "text": "A heron."}')).code, 0)
        con = sqlite3.connect(w.db)  # back to the schema 1 layout
        rows = old_scores_layout(con, v1=True)
        eq(len(rows), 9)
        texts_twice_layout(con)
        quality_in_samples_layout(con, 1)
        con.executescript("DROP TABLE models; DROP TABLE edit_scores;"
                          "DROP TABLE spotcheck_samples; DROP TABLE spotchecks;"
                          "DROP TABLE pairs; ALTER TABLE events DROP COLUMN pref;"
                          "ALTER TABLE events DROP COLUMN placement;"
                          "ALTER TABLE decisions DROP COLUMN pref;"
                          "ALTER TABLE decisions DROP COLUMN placement;"
                          "ALTER TABLE adjudications DROP COLUMN pref;"
                          "ALTER TABLE batches DROP COLUMN pair_fields;"
                          "ALTER TABLE batches DROP COLUMN pair_model_fields;"
                          "ALTER TABLE samples DROP COLUMN context;"
                          "ALTER TABLE samples DROP COLUMN edit_quality;"
                          "ALTER TABLE batches DROP COLUMN kind;"
                          "ALTER TABLE batches DROP COLUMN context_fields;"
                          "ALTER TABLE batches DROP COLUMN dedup_on;"
                          "ALTER TABLE batches DROP COLUMN turn;"
                          "ALTER TABLE batches DROP COLUMN media_fields;"
                          "ALTER TABLE batches DROP COLUMN media_root;"
                          "ALTER TABLE batches DROP COLUMN media_maps;"
                          "PRAGMA user_version = 1;")
        con.close()
        r = w.run("info")
        eq(r.code, 0, r)
        contains(r.err, "upgrading")
        contains(r.err, "from schema version 1 to 5 (once;")
        contains(r.err, "scores rewritten one row per sample: 9 of 9 rows, done")
        eq(w.sql("PRAGMA user_version"), [(5,)])
        eq(w.sql("SELECT count(*) FROM sample_quality WHERE quality > 0"), [(1,)])
        # every score as it was, now one row per sample
        eq(sorted(w.sql("SELECT * FROM scores")), sorted(rows))
        eq(w.sql("SELECT count(*) FROM sample_scores"), [(1,)])
        eq(w.sql("SELECT type FROM sqlite_master WHERE name = 'scores'"), [("view",)])
        r = w.run("info")
        eq((r.code, r.err), (0, ""))
        b = json.loads(w.run("info", "--json").out)["batches"][0]
        eq((b["media_fields"], b["media_root"], b["media_maps"]), ("", "", []))


def test_scores_of_an_earlier_schema_3_are_rewritten_one_row_per_sample():
    with Workdir() as w:
        src = w.file("a.jsonl", '{"id": "a", "text": "A heron."}\n'
                                '{"id": "b", "text": "A heron stands in the reeds."}\n')
        eq(w.run("import", src).code, 0)
        con = sqlite3.connect(w.db)  # schema 3 as earlier builds made it
        rows = old_scores_layout(con)
        con.executescript("CREATE INDEX scores_by_learned ON scores(value, sample_id)"
                          " WHERE scorer = 'learned'; PRAGMA user_version = 3;")
        con.close()
        eq(len(rows), 18)
        r = w.run("info")
        eq(r.code, 0, r)
        contains(r.err, "scores rewritten one row per sample: 18 of 18 rows, done")
        contains(r.err, "from schema version 3 to 5 (once;")
        eq(w.sql("PRAGMA user_version"), [(5,)])
        eq(sorted(w.sql("SELECT * FROM scores")), sorted(rows))
        eq(w.sql("SELECT count(*) FROM sample_scores"), [(2,)])
        r = w.run("info")
        eq((r.code, r.err), (0, ""))
        # a reading command upgrades it too, and reads the same reasons
        con = sqlite3.connect(w.db)
        old_scores_layout(con)
        con.close()
        r = w.run("export", "--status", "all", "--provenance")
        eq(r.code, 0, r)
        got = {json.loads(x)["id"]: json.loads(x)["_assay"]["scores"]["length"]["reason"]
               for x in r.out.splitlines()}
        eq(sorted(got), ["a", "b"])
        contains(got["a"], "length: ")


def test_combined_scores_of_schema_4_move_to_their_own_table_once():
    """A version 4 database (the combined score in samples.quality) is
    raised to 5 when first opened: the scores moved to sample_quality in
    one transaction, the old indexes dropped, the column left unused (to
    drop it would rewrite every sample); every output stays the same."""
    with Workdir() as w:
        recs = [json.dumps({"id": f"s{i}", "caption": f"A heron number {i} stands in water."
                            + (" A heron." * (i % 4))}) for i in range(12)]
        eq(w.run("import", "--batch", "b1", w.file("a.jsonl", "\n".join(recs[:7]))).code, 0)
        eq(w.run("import", "--batch", "b2", w.file("b.jsonl", "\n".join(recs[7:]))).code, 0)
        eq(w.run("decide", "--annotator", "ann", "s3", "reject", "--reason", "other").code, 0)
        outputs = [("export", "--status", "all", "--provenance"),
                   ("export", "--status", "all", "--min", "quality=0.5"),
                   ("stats", "--scorers", "--format", "json"), ("info", "--json"),
                   ("export", "--status", "all", "--where", "quality < 0.6")]
        before = [w.run(*a) for a in outputs]
        for r in before:
            eq(r.code, 0, r)
        quality = w.sql("SELECT sample_id, quality FROM sample_quality ORDER BY sample_id")
        check(len({q for _, q in quality}) > 2, quality)
        con = sqlite3.connect(w.db)
        quality_in_samples_layout(con)
        con.close()
        r = w.run("info")
        eq(r.code, 0, r)
        contains(r.err, "from schema version 4 to 5 (once;")
        eq(w.sql("PRAGMA user_version"), [(5,)])
        eq(w.sql("SELECT sample_id, quality FROM sample_quality ORDER BY sample_id"), quality)
        eq(w.sql("SELECT name FROM sqlite_master WHERE name LIKE 'sample%quality%'"
                 " ORDER BY name"),
           [("sample_quality",), ("sample_quality_by_batch",), ("sample_quality_by_quality",)])
        # the old column stays, no longer written: a rescore leaves it
        eq(w.sql("SELECT count(*) FROM samples WHERE quality IS NOT NULL"), [(12,)])
        for a, r in zip(outputs, before):
            eq(w.run(*a).out, r.out, a)
        r = w.run("info")
        eq((r.code, r.err), (0, ""))
        eq(w.sql("PRAGMA integrity_check"), [("ok",)])


def test_check_on_a_whole_database():
    with Workdir() as w:
        eq(w.run("import", w.file("a.jsonl", '{"id": "a", "text": "A heron."}')).code, 0)
        r = w.run("info", "--check")
        eq(r.code, 0, r)
        contains(r.out, "the file is whole (quick_check, ")
        r = w.run("info", "--check", "--full", "--json")
        eq(r.code, 0, r)
        report = json.loads(r.out)
        eq((report["ok"], report["check"], report["problems"]), (True, "integrity_check", []))
        r = w.run("info", "--full")
        eq(r.code, 2, r)
        contains(r.err, "--full goes with --check")
        r = w.run("info", "--check", db=False, env={"ASSAY_DB": w.path + "/none.db"})
        eq(r.code, 66, r)


def test_info_on_an_empty_database():
    with Workdir() as w:
        eq(w.run("import", w.file("e.jsonl", "")).code, 0)
        r = w.run("info")
        eq(r.code, 0, r)
        contains(r.out, "samples   0")


def test_batch_counts_with_interleaved_batches_and_overlap():
    """Per-batch counts (read in two passes and joined in memory) agree with
    the same counts taken by SQL joins, when batches' samples interleave,
    samples have several annotators and some decisions are skips."""
    import sqlite3
    with Workdir() as w:
        def imp(batch, lo, hi):
            recs = [json.dumps({"id": f"{batch}{i}", "caption": f"{batch} caption {i} here."})
                    for i in range(lo, hi)]
            eq(w.run("import", "--no-score", "--batch", batch,
                     w.file(f"{batch}{lo}.jsonl", "\n".join(recs))).code, 0)
        imp("a", 0, 5)
        imp("b", 0, 4)
        imp("a", 5, 9)
        imp("c", 0, 2)
        plan = [("a1", "ann", "accept"), ("a1", "bob", "reject"), ("a7", "ann", "skip"),
                ("a8", "bob", "edit"), ("b0", "ann", "reject"), ("b0", "bob", "reject"),
                ("b3", "cy", "skip"), ("a2", "cy", "accept")]
        for ext, who, verdict in plan:
            args = ["decide", "--annotator", who, ext, verdict]
            if verdict == "edit":
                args += ["--text", "A new caption."]
            if verdict == "reject":
                args += ["--reason", "other"]
            r = w.run(*args)
            eq(r.code, 0, r)
        info = json.loads(w.run("info", "--json").out)
        con = sqlite3.connect(w.db)
        for b in info["batches"]:
            bid = con.execute("SELECT id FROM batches WHERE name = ?", (b["name"],)).fetchone()[0]
            want = con.execute(
                "SELECT (SELECT count(*) FROM samples WHERE batch_id = ?1),"
                " (SELECT count(DISTINCT d.sample_id) FROM decisions d JOIN samples s"
                "   ON s.id = d.sample_id WHERE s.batch_id = ?1 AND d.verdict <> 'skipped'),"
                " (SELECT count(*) FROM decisions d JOIN samples s ON s.id = d.sample_id"
                "   WHERE s.batch_id = ?1 AND d.verdict = 'accepted'),"
                " (SELECT count(*) FROM decisions d JOIN samples s ON s.id = d.sample_id"
                "   WHERE s.batch_id = ?1 AND d.verdict = 'edited'),"
                " (SELECT count(*) FROM decisions d JOIN samples s ON s.id = d.sample_id"
                "   WHERE s.batch_id = ?1 AND d.verdict = 'rejected')", (bid,)).fetchone()
            eq((b["samples"], b["decided"], b["accepted"], b["edited"], b["rejected"]), want,
               b["name"])
        con.close()
        eq([(b["name"], b["samples"], b["decided"]) for b in info["batches"]],
           [("a", 9, 3), ("b", 4, 1), ("c", 2, 0)])
        eq(info["undecided"], 15 - 4)


def test_database_path_that_is_not_a_regular_file_is_refused():
    """A FIFO, a device, a directory or a socket as --db (or as a side file
    beside it) is refused before anything opens it: no hang in open(), no
    -journal/-wal/-shm created beside it; a symbolic link to a database
    file works; a server URI is never taken for a path."""
    import socket
    import stat
    with Workdir() as w:
        eq(w.run("import", "--no-score", w.file("a.jsonl", '{"text": "a heron"}\n')).code, 0)
        d = os.path.join(w.path, "odd")
        os.mkdir(d)
        os.mkfifo(os.path.join(d, "fifo"))
        kinds = {"fifo": "a FIFO", "sub": "a directory", "sock": "a socket",
                 "dangling": "a symbolic link to nothing"}
        os.mkdir(os.path.join(d, "sub"))
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(os.path.join(d, "sock"))
        os.symlink(os.path.join(d, "missing"), os.path.join(d, "dangling"))
        if os.geteuid() == 0:  # a copy of /dev/full, never the real one
            os.mknod(os.path.join(d, "full"), 0o666 | stat.S_IFCHR, os.makedev(1, 7))
            kinds["full"] = "a character device"
        before = sorted(os.listdir(d))
        for name, what in kinds.items():
            for args in (["info"], ["stats"], ["import", "--no-score", "a.jsonl"]):
                r = w.run(*args, env={"ASSAY_DB": os.path.join(d, name)}, db=False,
                          timeout=10)
                eq(r.code, 2, (name, args, r))
                contains(r.err, f"odd/{name}: is {what}")
                contains(r.err, "not a database file")
        eq(sorted(os.listdir(d)), before, "something was created beside them")
        sock.close()
        # a side file that is not a regular file: refused, the database untouched
        os.mkfifo(w.db + "-wal")
        r = w.run("info", timeout=10)
        eq(r.code, 2, r)
        contains(r.err, "assay.db-wal: is a FIFO (named pipe), not a side file of the database")
        os.unlink(w.db + "-wal")
        # a symbolic link to the database is the database
        link = os.path.join(w.path, "link.db")
        os.symlink(w.db, link)
        r = w.run("info", env={"ASSAY_DB": link}, db=False)
        eq(r.code, 0, r)
        contains(r.out, "samples   1 ")
        # a server address is not a path: nothing created under that name; a
        # PostgreSQL one is connected to (here unreachable), another refused
        r = w.run("info", env={"ASSAY_DB": "mysql://user@host/assay"}, db=False)
        eq(r.code, 2, r)
        contains(r.err, "mysql://user@host/assay: a database server's address")
        r = w.run("info", env={"ASSAY_DB": "postgresql://user:s3cret@host.invalid/assay"},
                  db=False, timeout=30)
        eq(r.code, 69, r)
        contains(r.err, "postgresql://user:***@host.invalid/assay: connecting")
        eq("s3cret" in r.err, False, r)
        eq(os.path.exists(os.path.join(w.path, "postgresql:")), False)
        eq(os.path.exists(os.path.join(w.path, "mysql:")), False)


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def slice_counts(w, expr):
    """(samples, decided) of a slice through info, export and stats."""
    r = w.run("info", "--json", "--where", expr)
    eq(r.code, 0, r)
    info = json.loads(r.out)
    r = w.run("export", "--status", "all", "--where", expr)
    eq(r.code, 0, r)
    exported = len(r.out.splitlines())
    r = w.run("stats", "--format", "json", "--where", expr)
    eq(r.code, 0, r)
    st = json.loads(r.out)["slice"]
    eq((info["samples"], info["decided"]), (st["samples"], st["decided"]), expr)
    eq(info["samples"], exported, expr)
    eq(info["undecided"], info["samples"] - info["decided"])
    eq(info["where"], expr)
    return info["samples"], info["decided"]


def test_a_slice_counts_the_same_through_info_export_and_stats_on_sample_data():
    with Workdir() as w:
        src = os.path.join(ROOT, "sample-data", "captions.jsonl")
        eq(w.run("import", "--quiet", src).code, 0)
        labels = [json.loads(x) for x in open(os.path.join(ROOT, "sample-data", "labels.jsonl"))]
        ids = {x for (x,) in w.sql("SELECT ext_id FROM samples")}  # duplicates were dropped
        lines = []
        for i, lab in enumerate(x for x in labels if x["id"] in ids):
            if i % 3 == 2:
                continue  # left undecided
            v = {"id": lab["id"], "annotator": "ann", "verdict": "accept"}
            if lab["flaws"]:
                v.update(verdict="reject", reason=lab["flaws"][0])
            lines.append(json.dumps(v))
            if i % 5 == 0:  # a second opinion, disagreeing on every fourth
                keep = (not lab["flaws"]) != (i % 4 == 0)
                lines.append(json.dumps({"id": lab["id"], "annotator": "bob",
                                         "verdict": "accept" if keep else "reject",
                                         "reason": "other"}))
        eq(w.run("decide", "--from", w.file("d.jsonl", "\n".join(lines) + "\n")).code, 0)
        models = {}
        for rec in open(src):
            m = json.loads(rec)["meta"]["model"]
            models[m] = models.get(m, 0) + 1
        model = max(models, key=models.get)
        n, _ = slice_counts(w, f'meta.model = "{model}"')
        kept = w.sql("SELECT count(*) FROM samples WHERE json_extract(record, '$.meta.model') = ?",
                     model)[0][0]
        eq(n, kept)  # duplicates dropped at import are not samples
        n, _ = slice_counts(w, "flagged(repetition)")
        eq(n, w.sql("SELECT count(*) FROM scores WHERE scorer = 'repetition' AND flagged")[0][0])
        check(n > 0)
        n, d = slice_counts(w, 'verdict = rejected and reason = "hallucination"')
        check(n > 0 and n == d)
        n, d = slice_counts(w, "conflict")
        check(n > 0 and n == d)
        slice_counts(w, f'flagged(repetition) and meta.model = "{model}"')
        slice_counts(w, "verdict = undecided or quality < 0.5")
        r = w.run("info", "--where", "conflict")
        eq(r.code, 0, r)
        contains(r.out, "where     conflict\nsamples   ")
        contains(r.out, f"samples   {n} ({n} decided, 0 undecided)\n")
        eq(w.run("info", "--check", "--where", "conflict").code, 2)


HOSTILE = [
    ('text ~ "1=1; drop table samples"', 1),
    ("text ~ \"it's a 'quoted' -- comment /* x */\"", 1),
    ('meta.model = "x\' OR \'1\'=\'1"', 0),
    ('meta.model = "m1\\" OR 1=1 --"', 0),
    ('reason = "x\'); DELETE FROM decisions; --"', 0),
    ('annotator = "ann\' OR 1=1 --"', 0),
    ('batch = "b\'; DROP TABLE batches; --"', 0),
    ("text ~ /'; DROP TABLE samples; --/", 0),
    ('text ~ "%"', 1),
    ('text ~ "_"', 0),
]


def test_sql_in_an_expression_is_matched_literally_and_the_database_untouched():
    with Workdir() as w:
        recs = [{"id": "a", "caption": "1=1; drop table samples", "meta": {"model": "m1"}},
                {"id": "b", "caption": "it's a 'quoted' -- comment /* x */ 100%",
                 "meta": {"model": "m2"}},
                {"id": "c", "caption": "A plain caption.", "meta": {"model": "m1"}}]
        eq(w.run("import", "--batch", "b",
                 w.file("r.jsonl", "\n".join(json.dumps(x) for x in recs))).code, 0)
        eq(w.run("decide", "--annotator", "ann", "c", "reject", "--reason", "other").code, 0)
        before = w.dump()
        for expr, want in HOSTILE:
            eq(slice_counts(w, expr)[0], want, expr)
            r = w.run("report", "--html", "-", "--where", expr)
            eq(r.code, 0, (expr, r))
            eq(w.run("stats", "--agreement", "--scorers", "--where", expr).code, 0, expr)
            r = w.run("decide", "--annotator", "lead", "--where", expr, "reject", "--reason",
                      "x", "--dry-run")
            eq(r.code, 0, (expr, r))
            contains(r.out, f"\n{want} samples\n")
        eq(w.dump(), before)


def test_a_scorer_that_failed_is_counted_as_failed_not_as_clean():
    """A scorer whose every call failed (here: a field no record has) held
    '596 samples, 0 flagged' as if all were fine: info counts the failures."""
    with Workdir() as w:
        cap = os.path.join(SAMPLE_DATA, "captions.jsonl")
        eq(w.run("import", "--quiet", cap).code, 0)
        eq(w.run("score", "--quiet", "--scorer", "field", "--score-field", "nosuch:0:1").code, 0)
        r = w.run("info")
        eq(r.code, 0, r)
        lines = r.out.splitlines()
        eq([x for x in lines if x.startswith("scorer ")][0].split()[-1], "failed")
        field = [x for x in lines if x.startswith("field ")][0].split()
        eq(field[2:], ["596", "0", "596"])
        length = [x for x in lines if x.startswith("length ")][0].split()
        eq(length[-1], "0")
        info = json.loads(w.run("info", "--json").out)
        by = {s["name"]: s for s in info["scorers"]}
        eq((by["field"]["samples"], by["field"]["failed"]), (596, 596))
        eq(by["length"]["failed"], 0)
