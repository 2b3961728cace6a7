"""End-to-end tests of `assay review --script`'s protocol on SQLite: the
answers name samples by the id they were imported with (quoted as JSON
when it is not plain printable ASCII), and every refused line is named."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, contains, eq  # noqa: E402

# ids as records may carry them: plain, with a space, quotes and a
# backslash, terminal escapes and a bidi override, non-ASCII, past U+FFFF
IDS = ["cap-1", "a b", 'q"\\x', "\x1b[31mred\u202e", "\u00e9t\u00e9", "\U0001f600",
       "x\ty\nz"]


def script_id(rest):
    """The ID at the start of rest, as the protocol writes it, and what
    follows it."""
    if rest.startswith('"'):
        v, end = json.JSONDecoder().raw_decode(rest)
        return v, rest[end:]
    head, _, tail = rest.partition(" ")
    return head, (" " + tail if tail else "")


def test_answers_name_samples_by_their_imported_ids_quoted_when_needed():
    with Workdir() as w:
        recs = [{"id": i, "caption": f"Caption number {n} of a harbour."}
                for n, i in enumerate(IDS)]
        r = w.run("import", "--no-score",
                  w.file("c.jsonl", "".join(json.dumps(x) + "\n" for x in recs)))
        eq(r.code, 0, r)
        r = w.run("review", "--script", "--order", "import", "--annotator", "cid",
                  stdin="next\naccept\n" * len(IDS) + "undo\n")
        eq(r.code, 0, r)
        lines = r.out.split("\n")
        eq(lines[-1], "")
        eq(len(lines), 2 * len(IDS) + 2, r)  # one line per answer, whatever the id
        for n, want in enumerate(IDS):
            word, _, rest = lines[2 * n].partition(" ")
            eq((word, script_id(rest)), ("sample", (want, "")))
            eq(rest.startswith('"'), n > 0)  # quoted unless plain
            word, _, rest = lines[2 * n + 1].partition(" ")
            eq((word, script_id(rest)), ("decided", (want, " accepted")))
        eq(lines[6], 'sample "\\u001b[31mred\\u202e"')
        eq(lines[10], 'sample "\\ud83d\\ude00"')
        eq(lines[12], 'sample "x\\u0009y\\u000az"')
        eq(lines[-2].partition(" ")[0], "undone")
        eq(script_id(lines[-2].partition(" ")[2]), (IDS[-1], ""))
        for line in lines:
            eq(all(" " <= c < "\x7f" for c in line), True, line)  # safe on a terminal
        # an id read back is the one every other command takes
        r = w.run("review", "--script", "--order", "import", "--annotator", "cid",
                  stdin="next\n")
        eq(r.code, 0, r)
        got, _ = script_id(r.out.rstrip("\n").partition(" ")[2])
        eq(got, IDS[-1])
        r = w.run("decide", "--annotator", "cid", got, "reject", "--reason", "other")
        eq(r.code, 0, r)


def test_the_sample_data_pair_by_its_id():
    with Workdir() as w:
        eq(w.run("import", "--no-score", os.path.join(os.path.dirname(__file__), "..", "..",
                                                      "sample-data", "pairs.jsonl")).code, 0)
        r = w.run("review", "--script", "--order", "import", "--annotator", "cid",
                  stdin="next\nprefer a\n")
        eq(r.code, 0, r)
        eq(r.out, "sample pair-000\ndecided pair-000 accepted a\n")
        r = w.run("decide", "--annotator", "cid", "pair-000", "prefer", "b")
        eq(r.code, 0, r)


def test_every_refused_line_is_named_with_what_it_needs():
    with Workdir() as w:
        recs = [{"id": "c1", "caption": "A boat in a harbour at dusk."},
                {"id": "p1", "prompt": "Why?", "chosen": "Because.", "rejected": "No."}]
        for n, rec in enumerate(recs):
            eq(w.run("import", "--no-score", "--batch", f"b{n}",
                     w.file(f"{n}.jsonl", json.dumps(rec) + "\n")).code, 0)
        for stdin, want in [
            ("next\nreject\n", "line 2: reject needs a REASON after it (reject REASON)"),
            ("next\nreject \n", "line 2: reject needs a REASON"),
            ("next\nedit\n", "line 2: edit needs the corrected TEXT after it (edit TEXT)"),
            ("next\naccept now\n", "line 2: accept takes nothing after it"),
            ("\nnext x\n", "line 2: next takes nothing after it"),
            ("next\nprefer a\n", "line 2: a preference goes on a pair of candidates; this "
                                 "sample is single"),
            ("next\nskip\nnext\naccept\n", "line 4: this sample is a pair of candidates: "
                                            "decide it with prefer a|b|tie|both-bad"),
            ("accept\n", "line 1: no sample claimed: `next` first"),
            ("jump\n", "line 1: not a command"),
        ]:
            r = w.run("review", "--script", "--order", "import", "--annotator", "x",
                      stdin=stdin)
            eq(r.code, 2, (stdin, r))
            contains(r.err, "assay: standard input, " + want, stdin)
        eq(w.sql("SELECT count(*) FROM decisions WHERE verdict <> 'skipped'")[0][0], 0)


def test_help_lists_prefer_and_the_screen_points_scripts_at_script():
    with Workdir() as w:
        r = w.run("review", "--help")
        eq(r.code, 0, r)
        contains(r.out, "prefer a|b|tie|both-bad [REASON]")
        contains(r.out, "ID is the sample's id as")
        eq(w.run("import", "--no-score", w.file("c.jsonl", '{"id": "c1", "caption": "A boat '
                                                             'in a harbour."}\n')).code, 0)
        r = w.run("review", stdin="")
        eq(r.code, 2, r)
        contains(r.err, "the review screen needs a terminal (for scripts: assay review "
                        "--script reads commands from standard input")
