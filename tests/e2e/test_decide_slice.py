"""End-to-end tests of `assay decide --where`: a verdict on a slice, its dry
run, the question on a terminal, spot-checks and the undo of a slice."""
import hashlib
import json
import os
import pty
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Workdir, check, contains, eq  # noqa: E402
import test_pg_store as pgs  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SLICE = "flagged(repetition)"


def sample_data(w):
    eq(w.run("import", "--quiet", os.path.join(ROOT, "sample-data", "captions.jsonl")).code, 0)


def count(w, expr):
    r = w.run("info", "--json", "--where", expr)
    eq(r.code, 0, r)
    return json.loads(r.out)["samples"]


def file_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def by(w, annotator):
    return w.sql("SELECT s.ext_id, d.verdict, d.reason FROM decisions d"
                 " JOIN samples s ON s.id = d.sample_id JOIN annotators a ON a.id = d.annotator_id"
                 " WHERE a.name = ? ORDER BY s.id", annotator)


def test_a_dry_run_counts_shows_examples_and_writes_nothing():
    with Workdir() as w:
        sample_data(w)
        n = count(w, SLICE)
        check(n > 5)
        before = file_hash(w.db)
        r = w.run("decide", "--annotator", "lead", "--where", SLICE, "reject",
                  "--reason", "repetition", "--dry-run")
        eq(r.code, 0, r)
        contains(r.out, f"slice: {SLICE}\n")
        contains(r.out, f"\n{n} samples\nwould reject {n} samples as lead (reason: repetition)\n")
        contains(r.out, "--dry-run: nothing written")
        first = w.sql(f"SELECT ext_id, substr(text, 1, 20) FROM samples s WHERE s.id IN"
                      f" (SELECT sample_id FROM scores WHERE scorer = 'repetition' AND flagged)"
                      f" ORDER BY id LIMIT 5")
        for ext_id, start in first:
            contains(r.out, f"  {ext_id}  {start}")
        eq(r.out.count("\n  cap-"), 5)
        eq(file_hash(w.db), before)
        eq(os.path.exists(w.db + "-wal") and os.path.getsize(w.db + "-wal") > 0, False)
        # the annotator is not even recorded
        eq(w.sql("SELECT count(*) FROM annotators WHERE name = 'lead'")[0][0], 0)


def run_on_terminal(w, args, answer):
    """Runs assay with stdin and stdout on a pseudo-terminal, answering."""
    master, slave = pty.openpty()
    e = dict(os.environ, ASSAY_ANNOTATOR="tester")
    p = subprocess.Popen([BIN, "--db", w.db] + args, stdin=slave, stdout=slave, stderr=slave,
                         env=e, cwd=w.path)
    os.close(slave)
    out = b""
    asked = False
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if not asked and b"[y/N]" in out:
            os.write(master, answer.encode() + b"\n")
            asked = True
    os.close(master)
    return p.wait(timeout=30), out.decode(errors="replace")


def test_a_terminal_is_asked_and_without_one_only_yes_goes_ahead():
    with Workdir() as w:
        sample_data(w)
        n = count(w, SLICE)
        args = ["decide", "--annotator", "lead", "--where", SLICE, "reject",
                "--reason", "repetition"]
        r = w.run(*args, stdin="y\n")  # a pipe is not a terminal: never asked
        eq(r.code, 2, r)
        contains(r.err, f"not asking without a terminal: add --yes to reject {n} samples")
        eq(by(w, "lead"), [])
        code, out = run_on_terminal(w, args, "n")
        eq(code, 1, out)
        contains(out, f"reject {n} samples as lead (reason: repetition)? [y/N]")
        contains(out, "nothing written")
        eq(by(w, "lead"), [])
        code, out = run_on_terminal(w, args, "y")
        eq(code, 0, out)
        contains(out, f"rejected {n} samples as lead (reason: repetition); undo them with: "
                      f"assay decide --undo --annotator 'lead' --where '{SLICE}'")
        got = by(w, "lead")
        eq(len(got), n)
        eq({(v, why) for _, v, why in got}, {("rejected", "repetition")})
        # events like any other, in session "decide"
        eq(w.sql("SELECT count(*), min(kind), max(kind), min(session) FROM events e"
                 " JOIN annotators a ON a.id = e.annotator_id WHERE a.name = 'lead'")[0],
           (n, "reject", "reject", "decide"))
        eq(count(w, f"{SLICE} and annotator = lead and verdict = rejected"), n)
        # run again: nothing left without lead's verdict
        r = w.run(*args, "--yes")
        eq(r.code, 0, r)
        contains(r.out, "\n0 samples\nnothing to do\n")


def test_yes_decides_every_sample_of_the_slice_the_annotator_has_not_decided():
    with Workdir() as w:
        sample_data(w)
        expr = "not flagged(repetition)"
        n = count(w, expr)
        check(n > 500, n)  # more than one transaction's page
        one = w.sql("SELECT ext_id FROM samples s WHERE id NOT IN (SELECT sample_id FROM scores"
                    " WHERE scorer = 'repetition' AND flagged) ORDER BY id LIMIT 1")[0][0]
        eq(w.run("decide", "--annotator", "bot", one, "reject", "--reason", "other").code, 0)
        r = w.run("decide", "--annotator", "bot", "--where", expr, "accept", "--yes")
        eq(r.code, 0, r)
        contains(r.out, f"accepted {n - 1} samples as bot")
        got = by(w, "bot")
        eq(len(got), n)
        eq(sum(v == "accepted" for _, v, _ in got), n - 1)
        eq([v for i, v, _ in got if i == one], ["rejected"])  # decided before: left alone


def test_usage_errors():
    with Workdir() as w:
        sample_data(w)
        for args, msg in [
            ((SLICE, "reject"), "reject needs --reason"),
            ((SLICE, "edit", "--text", "x"), "--where goes without"),
            ((SLICE, "skip"), "--where decides accept, reject or prefer a|b|tie|both-bad"),
            ((SLICE,), "--where needs accept, reject or prefer"),
            ((SLICE, "prefer", "maybe"), 'prefer: expected a, b, tie or both-bad, got "maybe"'),
            ((SLICE, "prefer", "a", "--sample", "2"), "--sample goes with accept or reject"),
            ((SLICE, "accept", "--from", "-"), "--where goes without"),
            ((SLICE, "accept", "--sample", "0"), "--sample takes 1 to"),
            ((SLICE, "accept", "--seed", "3"), "--seed and --max-disagree go with --sample"),
            ((SLICE, "accept", "--sample", "3", "--max-disagree", "1.5"), "--max-disagree a"),
            (("flagged(", "accept"), "column 9"),
        ]:
            r = w.run("decide", "--where", *args)
            eq(r.code, 2, (args, r))
            contains(r.err, msg)
        r = w.run("decide", "s1", "accept", "--yes")
        eq(r.code, 2, r)
        contains(r.err, "go with --where")
        eq(w.sql("SELECT count(*) FROM events")[0][0], 0)


def mixed(w):
    """Four captions and three pairs of candidates, all about the sea."""
    caps = [{"id": f"c{i}", "caption": f"A boat on the sea, number {i}."} for i in range(4)]
    pairs = [{"id": f"p{i}", "prompt": f"Describe sea {i}.", "chosen": f"The sea {i} is calm.",
              "rejected": f"The sea {i} is a dog."} for i in range(3)]
    for name, recs in (("c", caps), ("p", pairs)):
        r = w.run("import", "--no-score", "--batch", name,
                  w.file(name + ".jsonl", "".join(json.dumps(x) + "\n" for x in recs)))
        eq(r.code, 0, r)


def test_pair_in_the_where_language_takes_the_pairs_apart():
    with Workdir() as w:
        mixed(w)
        eq(count(w, "pair"), 3)
        eq(count(w, 'not pair and text ~ "sea"'), 4)
        r = w.run("export", "--where", "pair", "--status", "all")
        eq(r.code, 0, r)
        eq(sorted(json.loads(line)["id"] for line in r.out.splitlines()), ["p0", "p1", "p2"])
        # a slice of pairs alone: a preference decides them all, nothing skipped
        r = w.run("decide", "--annotator", "ann", "--where", 'pair and text ~ "sea"', "prefer",
                  "a", "--yes")
        eq(r.code, 0, r)
        contains(r.out, "\n3 samples\npreferred a on 3 pairs as ann")
        eq("skipped" in r.out, False, r)


def test_a_verdict_skips_the_slices_pairs_and_a_preference_its_single_samples():
    with Workdir() as w:
        mixed(w)
        expr = 'text ~ "sea"'
        eq(count(w, expr), 7)
        hint = ("3 pairs of candidates skipped (reject does not apply to a pair): decide them "
                "with assay decide --annotator 'ann' --where 'text ~ \"sea\"' "
                "prefer a|b|tie|both-bad\n")
        args = ["decide", "--annotator", "ann", "--where", expr, "reject", "--reason", "other"]
        r = w.run(*args, "--dry-run")
        eq(r.code, 0, r)
        contains(r.out, "\n7 samples\nwould reject 4 samples as ann (reason: other)\n" + hint)
        eq(r.out.count("\n  p"), 0, r)  # the examples are of what is decided
        r = w.run(*args, "--yes")
        eq(r.code, 0, r)
        contains(r.out, "\n7 samples\nrejected 4 samples as ann (reason: other); undo them")
        contains(r.out, hint)
        eq(by(w, "ann"), [(f"c{i}", "rejected", "other") for i in range(4)])
        # only pairs are left: said, and nothing is written
        r = w.run(*args, "--yes")
        eq(r.code, 1, r)
        contains(r.out, "\n3 samples\n" + hint)
        contains(r.err, "nothing decided: the slice's 3 samples left are all pairs of candidates")
        eq(w.sql("SELECT count(*) FROM events")[0][0], 4)
        r = w.run(*args, "--dry-run")
        eq(r.code, 0, r)
        contains(r.out, hint + "--dry-run: nothing written")
        # the same the other way: a preference decides the pairs only
        r = w.run("decide", "--annotator", "bob", "--where", expr, "prefer", "both-bad",
                  "--yes")
        eq(r.code, 0, r)
        contains(r.out, "\n7 samples\npreferred both-bad on 3 pairs as bob; undo them")
        contains(r.out, "4 single samples skipped (a preference is for pairs of candidates): "
                 "decide them with assay decide --annotator 'bob' --where 'text ~ \"sea\"' "
                 "accept|reject\n")
        eq(w.sql("SELECT s.ext_id, d.verdict, d.pref FROM decisions d JOIN samples s"
                 " ON s.id = d.sample_id JOIN annotators a ON a.id = d.annotator_id"
                 " WHERE a.name = 'bob' ORDER BY s.id"),
           [(f"p{i}", "rejected", "both-bad") for i in range(3)])
        r = w.run("decide", "--annotator", "bob", "--where", expr, "prefer", "both-bad",
                  "--yes")
        eq(r.code, 1, r)
        contains(r.err, "left are all single samples, and a preference is for pairs")
        r = w.run("decide", "--annotator", "ann", "--where", expr, "prefer", "tie", "--yes")
        eq(r.code, 0, r)
        contains(r.out, "\n3 samples\npreferred tie on 3 pairs as ann; undo them")
        eq(r.out.count("skipped"), 0, r)


def mixed_session(w):
    """The slice verdicts of a mixed slice, their outputs in order."""
    mixed(w)
    out = []
    for who, verdict in (("ann", ("reject", "--reason", "other")), ("ann", ("reject",
                         "--reason", "other")), ("bob", ("prefer", "both-bad")),
                         ("ann", ("prefer", "tie"))):
        for run in ("--dry-run", "--yes"):
            r = w.run("decide", "--annotator", who, "--where", 'text ~ "sea"', *verdict, run)
            out.append((r.code, r.out, r.err))
    r = w.run("stats", "--pairs", "--format", "json")
    out.append((r.code, r.out, r.err))
    return out


def test_a_mixed_slice_the_same_on_sqlite_and_postgresql():
    uri = pgs.server()
    if not uri:
        return
    with Workdir() as lite:
        a = mixed_session(lite)
    w = pgs.pg_workdir(uri, "mixedslice")
    try:
        b = mixed_session(w)
    finally:
        pgs.pg_done(w)
    eq([x[0] for x in a], [0, 0, 0, 1, 0, 0, 0, 0, 0], a)
    contains(a[1][1], "3 pairs of candidates skipped")
    eq(pgs.normal(b), pgs.normal(a))


def test_a_spot_check_draws_from_the_samples_its_verdict_applies_to():
    with Workdir() as w:
        mixed(w)
        args = ["decide", "--annotator", "ann", "--where", 'text ~ "sea"', "accept"]
        r = w.run(*args, "--sample", "4", "--yes")
        eq(r.code, 2, r)
        contains(r.err, "the slice has 4 samples that are not pairs of candidates")
        r = w.run(*args, "--sample", "2", "--yes")
        eq(r.code, 0, r)
        contains(r.out, "the other 2 wait")
        contains(r.out, "3 pairs of candidates skipped")
        eq(w.sql("SELECT count(*) FROM spotcheck_samples k JOIN pairs p"
                 " ON p.sample_id = k.sample_id")[0][0], 0)


def drawn(w, ident):
    return [x for (x,) in w.sql("SELECT s.ext_id FROM spotcheck_samples k JOIN samples s"
                                " ON s.id = k.sample_id WHERE k.spotcheck_id = ? ORDER BY s.id",
                                ident)]


def test_a_spot_check_holds_the_bulk_verdict_until_its_samples_are_decided():
    with Workdir() as w:
        sample_data(w)
        n = count(w, SLICE)
        args = ["decide", "--annotator", "lead", "--where", SLICE, "reject", "--reason",
                "repetition", "--sample", "10", "--seed", "7", "--max-disagree", "0.2", "--yes"]
        r = w.run(*args)
        eq(r.code, 0, r)
        contains(r.out, f"drew 10 of them (seed 7) for spot-check 1; the other {n - 10} wait")
        contains(r.out, "more than 2 of them (20%) disagree\n")
        contains(r.out, "review them: assay review --where 'spotcheck = 1'\n")
        ten = drawn(w, 1)
        eq(len(ten), 10)
        eq(by(w, "lead"), [])  # nothing decided yet
        # the slice of the spot-check, through export
        r = w.run("export", "--status", "all", "--where", "spotcheck = 1")
        eq(sorted(json.loads(x)["id"] for x in r.out.splitlines()), sorted(ten))
        # the same seed draws the same samples from the same slice
        with Workdir() as w2:
            sample_data(w2)
            eq(w2.run(*args).code, 0)
            eq(drawn(w2, 1), ten)
        # run again too early: it waits and writes nothing
        for i, ext_id in enumerate(ten[:6]):
            eq(w.run("decide", "--annotator", "ann", ext_id, "reject", "--reason", "x").code, 0)
        r = w.run(*args)
        eq(r.code, 1, r)
        contains(r.out, "spot-check 1: 6 of 10 drawn samples decided; the bulk verdict waits")
        eq(by(w, "lead"), [])
        # three disagree (an accept, an edit; a skip is no verdict): more than 2
        eq(w.run("decide", "--annotator", "ann", ten[6], "accept").code, 0)
        eq(w.run("decide", "--annotator", "ann", ten[7], "edit", "--text", "New.").code, 0)
        eq(w.run("decide", "--annotator", "bob", ten[8], "accept").code, 0)
        eq(w.run("decide", "--annotator", "ann", ten[9], "skip").code, 0)
        r = w.run(*args)
        eq(r.code, 1, r)
        contains(r.out, "9 of 10 drawn samples decided")
        eq(w.run("decide", "--annotator", "ann", ten[9], "reject", "--reason", "x").code, 0)
        r = w.run(*args)
        eq(r.code, 1, r)
        contains(r.out, "10 of 10 drawn samples decided, 3 not rejected (at most 2, 20%, may be)")
        contains(r.out, "refused: the spot-check disagrees with the bulk verdict")
        eq(by(w, "lead"), [])
        # one of them changes her mind: two disagree, within the rate
        eq(w.run("decide", "--annotator", "bob", ten[8], "reject", "--reason", "x").code, 0)
        r = w.run(*args)
        eq(r.code, 0, r)
        contains(r.out, "2 not rejected (at most 2")
        contains(r.out, f"rejected {n - 10} samples as lead")
        got = {i for i, _, _ in by(w, "lead")}
        eq(len(got), n - 10)
        eq(got & set(ten), set())  # the spot-check's samples keep the humans' verdicts
        eq(w.sql("SELECT applied_at > 0 FROM spotchecks WHERE id = 1")[0][0], 1)


def test_undo_where_undoes_the_annotators_decisions_on_the_slice_only():
    with Workdir() as w:
        sample_data(w)
        n = count(w, SLICE)
        eq(w.run("decide", "--annotator", "lead", "--where", SLICE, "reject", "--reason",
                 "repetition", "--yes").code, 0)
        ids = [x for (x,) in w.sql("SELECT ext_id FROM samples ORDER BY id LIMIT 3")]
        outside = [i for i in ids if i not in {x for x, _, _ in by(w, "lead")}]
        eq(w.run("decide", "--annotator", "lead", outside[0], "accept").code, 0)
        first = by(w, "lead")[0][0]
        eq(w.run("decide", "--annotator", "ann", first, "accept").code, 0)
        r = w.run("decide", "--annotator", "lead", "--undo", "--where", SLICE, "--dry-run")
        eq(r.code, 0, r)
        contains(r.out, f"would undo {n} decisions of lead")
        eq(len(by(w, "lead")), n + 1)
        r = w.run("decide", "--annotator", "lead", "--undo", "--where", SLICE, "--yes")
        eq(r.code, 0, r)
        contains(r.out, f"undid {n} decisions of lead")
        eq(by(w, "lead"), [(outside[0], "accepted", None)])
        eq([v for _, v, _ in by(w, "ann")], ["accepted"])  # another's decision stays
        eq(w.sql("SELECT count(*) FROM events WHERE kind = 'undo'")[0][0], n)
        r = w.run("decide", "--annotator", "nobody", "--undo", "--where", SLICE, "--yes")
        eq(r.code, 0, r)
        contains(r.out, "\n0 samples\nnothing to do\n")
