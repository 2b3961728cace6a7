"""End-to-end tests of `assay decide`: single decisions, bulk from JSONL,
adjudication, notes, undo across processes, and every refusal."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Result, Workdir, check, contains, eq  # noqa: E402
import test_pg_store as pgs  # noqa: E402


def setup(w, n=5):
    recs = [json.dumps({"id": f"s{i}", "caption": f"A red kite number {i} flies."}) for i in range(n)]
    r = w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
    eq(r.code, 0, r)


def decisions(w):
    return w.sql("SELECT s.ext_id, a.name, d.verdict, d.text, d.reason FROM decisions d "
                 "JOIN samples s ON s.id = d.sample_id JOIN annotators a ON a.id = d.annotator_id "
                 "ORDER BY s.ext_id, a.name")


def test_single_decisions_and_event_log():
    with Workdir() as w:
        setup(w)
        eq(w.run("decide", "--annotator", "ann", "s0", "accept").code, 0)
        eq(w.run("decide", "--annotator", "ann", "s1", "reject", "--reason", "hallucination").code, 0)
        eq(w.run("decide", "--annotator", "ann", "s2", "edit", "--text",
                 "A red kite flies high.").code, 0)
        eq(w.run("decide", "s3", "skip", env={"ASSAY_ANNOTATOR": "bob"}).code, 0)
        eq(w.run("decide", "--annotator", "ann", "s0", "note", "--text", "nice one").code, 0)
        eq(decisions(w), [("s0", "ann", "accepted", None, None),
                          ("s1", "ann", "rejected", None, "hallucination"),
                          ("s2", "ann", "edited", "A red kite flies high.", None),
                          ("s3", "bob", "skipped", None, None)])
        eq([k for (k,) in w.sql("SELECT kind FROM events ORDER BY id")],
           ["accept", "reject", "edit", "skip", "note"])
        # the edit's size is measured when it is recorded
        eq(w.sql("SELECT edit_distance, words FROM decisions WHERE verdict = 'edited'"), [(3, 7)])
        # revising keeps one current verdict and the whole history
        eq(w.run("decide", "--annotator", "ann", "s1", "accept").code, 0)
        eq(w.sql("SELECT verdict FROM decisions d JOIN samples s ON s.id = d.sample_id "
                 "WHERE s.ext_id = 's1'"), [("accepted",)])
        eq(w.sql("SELECT count(*) FROM events"), [(6,)])


def test_refusals():
    with Workdir() as w:
        setup(w)
        r = w.run("decide", "--annotator", "ann", "nope", "accept")
        eq(r.code, 66, r)
        contains(r.err, 'no sample with id "nope"')
        r = w.run("decide", "--annotator", "ann", "s1", "reject")
        eq(r.code, 2, r)
        contains(r.err, "reject needs --reason")
        r = w.run("decide", "--annotator", "ann", "s1", "edit")
        eq(r.code, 2)
        r = w.run("decide", "--annotator", "ann", "s1", "edit", "--text", "A red kite number 1 flies.")
        eq(r.code, 2, r)
        contains(r.err, "the edit is the same as the original text")
        r = w.run("decide", "--annotator", "ann", "s1", "frobnicate")
        eq(r.code, 2)
        r = w.run("decide", "s1", "accept", env={"ASSAY_ANNOTATOR": "", "USER": ""})
        eq(r.code, 2, r)
        contains(r.err, "who decides?")
        r = w.run("decide", "--annotator", "ann", "--adjudicate", "s1", "skip")
        eq(r.code, 2, r)
        contains(r.err, "a lead adjudicates with accept, edit or reject")
        eq(w.sql("SELECT count(*) FROM events"), [(0,)])
    with Workdir() as w:
        r = w.run("decide", "--annotator", "ann", "s1", "accept")
        eq(r.code, 66, r)
        contains(r.err, "no such database")


def test_bulk_from_jsonl_with_bad_lines():
    with Workdir() as w:
        setup(w)
        lines = [
            json.dumps({"id": "s0", "verdict": "accept", "annotator": "ann"}),
            json.dumps({"id": "s1", "verdict": "rejected", "reason": "repetition"}),
            "not json",
            json.dumps({"id": "s2", "verdict": "maybe"}),
            json.dumps({"id": "zz", "verdict": "accept"}),
            json.dumps({"id": "s3", "verdict": "reject"}),
            "",
            json.dumps({"id": "s4", "verdict": "edit", "text": "A blue kite.", "annotator": "eve"}),
        ]
        r = w.run("decide", "--annotator", "bob", "--from", w.file("d.jsonl", "\n".join(lines)))
        eq(r.code, 65, r)
        contains(r.out, "3 decisions recorded, 4 refused")
        src = os.path.join(w.path, "d.jsonl")
        eq(r.err.splitlines(), [f"{src}:3: not valid JSON: an unexpected character at byte 1",
                                f"{src}:4: \"verdict\": expected accept, edit, reject, skip, note or "
                                "prefer, got \"maybe\"",
                                f"{src}:5: no sample with id \"zz\"",
                                f"{src}:6: a rejection needs a reason"])
        eq([(x[0], x[1], x[2]) for x in decisions(w)],
           [("s0", "ann", "accepted"), ("s1", "bob", "rejected"), ("s4", "eve", "edited")])
        r = w.run("decide", "--annotator", "bob", "--from", "-",
                  stdin=json.dumps({"id": "s2", "verdict": "accept"}) + "\n")
        eq(r.code, 0, r)


def without_user(w, *args, stdin=None):
    """assay with neither $ASSAY_ANNOTATOR nor $USER (containers, cron, CI)."""
    e = {k: v for k, v in os.environ.items() if k not in ("ASSAY_ANNOTATOR", "USER")}
    p = subprocess.run([BIN, "--db", w.db] + list(args), input=stdin, capture_output=True,
                       text=True, env=e, cwd=w.path, timeout=120)
    return Result(p)


def test_bulk_lines_that_name_their_annotator_need_no_other():
    with Workdir() as w:
        setup(w)
        lines = [json.dumps({"id": "s0", "verdict": "accept", "annotator": "ann"}),
                 json.dumps({"id": "s1", "verdict": "reject", "reason": "other",
                             "annotator": "bob"})]
        src = w.file("d.jsonl", "\n".join(lines) + "\n")
        r = without_user(w, "decide", "--from", src)
        eq(r.code, 0, r)
        contains(r.out, "2 decisions recorded, 0 refused")
        eq([(x[0], x[1]) for x in decisions(w)], [("s0", "ann"), ("s1", "bob")])
        # a line without one, with nothing to fall back on: that line only
        r = without_user(w, "decide", "--from", w.file("e.jsonl", "\n".join(
            [json.dumps({"id": "s2", "verdict": "accept", "annotator": "cy"}),
             json.dumps({"id": "s3", "verdict": "accept"})]) + "\n"))
        eq(r.code, 65, r)
        contains(r.out, "1 decisions recorded, 1 refused")
        eq(r.err, f"{os.path.join(w.path, 'e.jsonl')}:2: no \"annotator\" on the line and none "
                  "to fall back on (give --annotator NAME, or set $ASSAY_ANNOTATOR)\n")
        # --annotator is for the lines without one; a line's own wins
        r = without_user(w, "decide", "--annotator", "zed", "--from", "-", stdin="\n".join(
            [json.dumps({"id": "s3", "verdict": "accept"}),
             json.dumps({"id": "s4", "verdict": "accept", "annotator": "eve"})]))
        eq(r.code, 0, r)
        eq([(x[0], x[1]) for x in decisions(w)][3:], [("s3", "zed"), ("s4", "eve")])
        # other forms still need someone
        for args in (("s4", "accept"), ("--undo",)):
            r = without_user(w, "decide", *args)
            eq(r.code, 2, r)
            contains(r.err, "who decides? give --annotator NAME")


def test_bulk_lines_echo_a_bad_verdict_or_preference():
    with Workdir() as w:
        setup(w)
        lines = [{"id": "s0", "verdict": "acept"}, {"id": "s0"}, {"id": "s0", "reason": "x"},
                 {"id": "s0", "verdict": "prefer"}, {"id": "s0", "verdict": "accept",
                                                     "prefer": "a"},
                 {"id": "s0", "prefer": "left"}, {"id": "s0", "verdict": "\u001b[2Jbad"}]
        src = w.file("d.jsonl", "".join(json.dumps(x) + "\n" for x in lines))
        r = w.run("decide", "--annotator", "bob", "--from", src)
        eq(r.code, 65, r)
        v = "accept, edit, reject, skip, note or prefer"
        eq(r.err.splitlines(), [f"{src}:1: \"verdict\": expected {v}, got \"acept\"",
                                f"{src}:2: no \"verdict\": expected {v}",
                                f"{src}:3: no \"verdict\": expected {v}",
                                f"{src}:4: \"verdict\": \"prefer\" needs \"prefer\": a, b, tie "
                                "or both-bad",
                                f"{src}:5: \"prefer\" goes with \"verdict\": \"prefer\" or none, "
                                "got \"verdict\": \"accept\"",
                                f"{src}:6: \"prefer\": expected a, b, tie or both-bad, got "
                                "\"left\"",
                                f"{src}:7: \"verdict\": expected {v}, got \"^[[2Jbad\""])
        eq(decisions(w), [])


def duplicate_session(w):
    """Decisions on a record dropped at import as a duplicate: the outputs."""
    setup(w)
    r = w.run("import", "--no-score", "--batch", "c", w.file("c.jsonl", "\n".join(
        [json.dumps({"id": "c0", "caption": "A red kite number 3 flies."}),
         json.dumps({"id": "c1", "caption": "Something new."})])))
    eq(r.code, 0, r)
    out = []
    for args, stdin in ((("--from", "-"), json.dumps({"id": "c0", "verdict": "accept"})),
                        (("c0", "accept"), None), (("--batch", "b", "c0", "accept"), None),
                        (("--batch", "c", "c0", "accept"), None), (("c2", "accept"), None)):
        r = w.run("decide", *args, stdin=stdin)
        out.append((r.code, r.err))
    r = w.run("info")
    out.append(pgs.info_lines(r.out))
    return out


def test_a_duplicate_dropped_at_import_is_named_not_decided():
    want = ('no sample with id "c0": that record (batch c, line 1) was dropped at import as '
            'an exact duplicate of s3 (batch b); nothing recorded: decide s3 if the decision '
            'is meant for it')
    with Workdir() as w:
        out = duplicate_session(w)
        eq(out[:5], [(65, f"stdin:1: {want}\n"), (66, f"assay: {want}\n"),
                     (66, 'assay: no sample with id "c0" in batch b\n'),
                     (66, f"assay: {want}\n"), (66, 'assay: no sample with id "c2"\n')])
        eq(decisions(w), [])
        r = w.run("import", "--no-score", "--batch", "d", w.file("d.jsonl", "\n".join(
            [json.dumps({"id": "d0", "caption": "Once."}),
             json.dumps({"id": "d1", "caption": "ONCE. "})])))
        eq(r.code, 0, r)
        r = w.run("decide", "d1", "accept")
        eq(r.err, 'assay: no sample with id "d1": that record (batch d, line 2) was dropped at '
                  'import as an exact duplicate of d0 (the same batch); nothing recorded: '
                  'decide d0 if the decision is meant for it\n')
    uri = pgs.server()
    if not uri:
        return
    p = pgs.pg_workdir(uri, "decidedup")
    try:
        eq(pgs.normal(duplicate_session(p)), pgs.normal(out))
    finally:
        pgs.pg_done(p)


def test_bulk_numeric_ids_must_be_exact_integers():
    with Workdir() as w:
        recs = [json.dumps({"id": i, "caption": f"A grey heron number {i} waits."}) for i in (7, 8)]
        eq(w.run("import", "--no-score", "--batch", "n", w.file("n.jsonl", "\n".join(recs))).code, 0)
        lines = [
            json.dumps({"id": 7, "verdict": "accept"}),
            '{"id": 8.5, "verdict": "accept"}',
            '{"id": 1e300, "verdict": "accept"}',
            '{"id": -1e19, "verdict": "accept"}',
            json.dumps({"id": "8", "verdict": "accept"}),
        ]
        r = w.run("decide", "--annotator", "ann", "--from", w.file("d.jsonl", "\n".join(lines)))
        eq(r.code, 65, r)
        contains(r.out, "2 decisions recorded, 3 refused")
        src = os.path.join(w.path, "d.jsonl")
        why = '"id": expected a string or an integer (at most 2^53)'
        eq(r.err.splitlines(), [f"{src}:{n}: {why}" for n in (2, 3, 4)])
        eq([(x[0], x[2]) for x in decisions(w)], [("7", "accepted"), ("8", "accepted")])


def test_bulk_reads_every_string_whole_or_refuses_the_line():
    """decide --from reads with the strict JSON reader import uses: a
    string is never cut at \\u0000, a key twice, a lone surrogate and deep
    nesting are named as such, and reasons, notes and edits have limits."""
    with Workdir() as w:
        setup(w)
        reason_max, note_max = 1024, 64 << 10
        lines = [
            '{"id":"s4\\u0000zzz","verdict":"accept"}',
            '{"id":"s1","verdict":"accept","annotator":"bob\\u0000evil"}',
            '{"id":"s1","verdict":"reject","reason":"blurry\\u0000 and more"}',
            '{"id":"s1","verdict":"edit","text":"A kite\\u0000 flies."}',
            '{"id":"s2","id":"s3","verdict":"accept"}',
            '{"id":"s2","verdict":"accept","reason":"x\\ud800y"}',
            '{"id":"s2","verdict":"accept","x":' + "[" * 200000 + "]" * 200000 + "}",
            json.dumps({"id": "s2", "verdict": "reject", "reason": "r" * (20 << 20)}),
            json.dumps({"id": "s2", "verdict": "note", "text": "n" * (note_max + 1)}),
            json.dumps({"id": "s3", "verdict": "reject", "reason": "\u00e9" * (reason_max // 2)}),
            json.dumps({"id": "s3", "verdict": "note", "text": "n" * note_max}),
        ]
        r = w.run("decide", "--annotator", "ann", "--from", w.file("d.jsonl", "\n".join(lines)))
        eq(r.code, 65, r)
        contains(r.out, "2 decisions recorded, 9 refused")
        src = os.path.join(w.path, "d.jsonl")
        nul = "contains \\u0000 (a NUL character), which assay refuses to store"
        eq(r.err.splitlines(), [
            f"{src}:1: {nul}",
            f"{src}:2: {nul}",
            f"{src}:3: {nul}",
            f"{src}:4: {nul}",
            f'{src}:5: duplicate key "id"',
            f"{src}:6: not valid JSON: a lone high surrogate escape at byte 42",
            f"{src}:7: nesting deeper than 128 levels",
            f'{src}:8: "reason" is 20971520 bytes, longer than the 1024 allowed',
            f'{src}:9: "text" is 65537 bytes, longer than the 65536 allowed'])
        eq(w.sql("SELECT count(*) FROM annotators WHERE name LIKE 'bob%'"), [(0,)])
        eq(w.sql("SELECT s.ext_id, e.kind, length(CAST(coalesce(e.reason, e.text) AS BLOB))"
                 " FROM events e JOIN samples s ON s.id = e.sample_id ORDER BY e.id"),
           [("s3", "reject", reason_max), ("s3", "note", note_max)])
        # the same limits hold for decisions given as options
        r = w.run("decide", "--annotator", "ann", "s1", "reject", "--reason", "r" * 1025)
        eq(r.code, 2, r)
        contains(r.err, "the reason is 1025 bytes, longer than the 1024 allowed")
        r = w.run("decide", "--annotator", "ann", "s1", "note", "--text", "n" * (note_max + 1))
        eq(r.code, 2, r)
        contains(r.err, "the note is 65537 bytes, longer than the 65536 allowed")
        eq(w.sql("SELECT count(*) FROM events"), [(2,)])


def test_undo_walks_back_across_processes():
    with Workdir() as w:
        setup(w)
        for args in (("s0", "accept"), ("s1", "reject", "--reason", "other"), ("s1", "accept"),
                     ("s2", "skip")):
            eq(w.run("decide", "--annotator", "ann", *args).code, 0)
        r = w.run("decide", "--annotator", "ann", "--undo")
        eq(r.code, 0, r)
        contains(r.out, "undid the latest decision on s2")
        eq([x[0] for x in decisions(w)], ["s0", "s1"])
        eq(w.run("decide", "--annotator", "ann", "--undo").code, 0)
        # s1's previous verdict comes back
        eq(decisions(w)[1][2:], ("rejected", None, "other"))
        eq(w.run("decide", "--annotator", "ann", "--undo").code, 0)
        eq(w.run("decide", "--annotator", "ann", "--undo").code, 0)
        eq(decisions(w), [])
        r = w.run("decide", "--annotator", "ann", "--undo")
        eq(r.code, 66, r)
        contains(r.err, "nothing to undo")
        # undo is per annotator; the log keeps everything
        eq(w.sql("SELECT count(*) FROM events WHERE kind = 'undo'"), [(4,)])
        check(w.sql("SELECT count(*) FROM events")[0][0] == 8)


def test_adjudication_is_recorded_for_export():
    with Workdir() as w:
        setup(w)
        eq(w.run("decide", "--annotator", "x", "s0", "accept").code, 0)
        eq(w.run("decide", "--annotator", "y", "s0", "reject", "--reason", "bias").code, 0)
        r = w.run("decide", "--annotator", "lead", "--adjudicate", "s0", "edit", "--text", "Fixed.")
        eq(r.code, 0, r)
        eq(w.sql("SELECT a.name, j.verdict, j.text FROM adjudications j "
                 "JOIN annotators a ON a.id = j.annotator_id"), [("lead", "edited", "Fixed.")])
        r = w.run("export")
        eq(json.loads(r.out)["caption"], "Fixed.")


def test_batch_names_the_sample_when_an_id_is_in_several():
    with Workdir() as w:
        eq(w.run("import", "--no-score", "--batch", "A",
                 w.file("a.jsonl", json.dumps({"id": "x1", "text": "A first text."}))).code, 0)
        eq(w.run("import", "--no-score", "--batch", "B",
                 w.file("b.jsonl", json.dumps({"id": "x1", "text": "A second text."}))).code, 0)
        r = w.run("decide", "--annotator", "z", "x1", "accept")
        eq(r.code, 1, r)
        contains(r.err, 'sample id "x1" exists in several batches; name one with --batch')
        eq(w.sql("SELECT count(*) FROM events"), [(0,)])
        r = w.run("decide", "--annotator", "z", "--batch", "C", "x1", "accept")
        eq(r.code, 66, r)
        contains(r.err, 'no sample with id "x1" in batch C')
        eq(w.run("decide", "--annotator", "z", "--batch", "B", "x1", "accept").code, 0)
        lines = [json.dumps({"id": "x1", "verdict": "accept"}),
                 json.dumps({"id": "x1", "verdict": "reject", "reason": "r", "batch": "A"})]
        r = w.run("decide", "--annotator", "z", "--from", "-", stdin="\n".join(lines) + "\n")
        eq(r.code, 65, r)
        eq(r.err.splitlines(), ['stdin:1: sample id "x1" exists in several batches; '
                                'name one with --batch'])
        eq(w.sql("SELECT b.name, d.verdict FROM decisions d JOIN samples s ON s.id = d.sample_id "
                 "JOIN batches b ON b.id = s.batch_id ORDER BY b.name"),
           [("A", "rejected"), ("B", "accepted")])
