"""The scorers a --where expression names (flagged(NAME), score.NAME) are
checked against those assay knows: a built-in's name, or one the database
holds scores of. A misspelt one is a usage error with a caret under it and
the known names, on every command that takes --where, and nothing is
written; a single-quoted string is refused with a hint to use double
quotes (both used to select nothing, or under `not` everything)."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import SAMPLE_DATA, Workdir, contains, eq  # noqa: E402

BUILTINS = ("length, gopher, repetition, artifacts, truncation, charset, hedging, neardup, "
            "field, llm-judge, classifier, task, learned")


def refused(w, expr, col, msg, *cmd):
    r = w.run(*(cmd or ("info",)), "--where", expr)
    eq(r.code, 2, (expr, cmd, r))
    contains(r.err, f"assay: --where: column {col}: {msg}", (expr, cmd))
    lines = r.err.splitlines()
    eq(lines[1], "  " + expr, r)
    eq(lines[2], " " * (col + 1) + "^", r)
    return r


def test_an_unknown_scorer_is_refused_with_a_caret_and_the_known_names():
    with Workdir() as w:
        eq(w.run("import", "--quiet", os.path.join(SAMPLE_DATA, "captions.jsonl")).code, 0)
        out = w.file("approved.jsonl", '{"kept": true}\n')
        before = w.dump()
        unknown = f'no scorer named "repetiton" (known: {BUILTINS})'
        for cmd in (("info",), ("export", "--status", "all", "-o", out),
                    ("stats",), ("report", "--html", os.path.join(w.path, "r.html")),
                    ("decide", "--annotator", "lead", "reject", "--reason", "x", "--yes")):
            refused(w, "flagged(repetiton)", 9, unknown, *cmd)
            refused(w, "not flagged(repetiton)", 13, unknown, *cmd)
        refused(w, "score.foo > 0.5", 7, 'no scorer named "foo" (known: ')
        refused(w, 'conflict or score.repetition < 0.5 and flagged( "odd name" )', 49,
                'no scorer named "odd name"')
        # the combined score is a field of its own, not a scorer
        refused(w, "score.quality < 0.5", 7, 'no scorer named "quality"')
        eq(open(out).read(), '{"kept": true}\n')
        eq(os.path.exists(os.path.join(w.path, "r.html")), False)
        eq(w.dump(), before)
        # the right names select as before; a built-in not run yet selects nothing
        r = w.run("info", "--where", "not flagged(repetition) and score.length > 0.5")
        eq(r.code, 0, r)
        r = w.run("info", "--json", "--where", "flagged(llm-judge) or score.field > 0")
        eq(r.code, 0, r)
        eq(json.loads(r.out)["samples"], 0)


def test_a_scorer_the_database_holds_is_known():
    """A database may hold scores of a scorer this build has no row for
    (an older or newer assay's): its name selects them, as export --min
    takes it."""
    with Workdir() as w:
        eq(w.run("import", "--quiet", os.path.join(SAMPLE_DATA, "captions.jsonl")).code, 0)
        con = sqlite3.connect(w.db)
        con.execute("INSERT INTO scorers (slot, name) SELECT max(slot) + 1, 'old-rules'"
                    " FROM scorers")
        con.commit()
        con.close()
        r = w.run("info", "--json", "--where", "score.old-rules < 0.5 or flagged(old-rules)")
        eq(r.code, 0, r)
        eq(json.loads(r.out)["samples"], 0)
        refused(w, "flagged(old-rule)", 9, f'no scorer named "old-rule" (known: {BUILTINS}, '
                                           "old-rules)")


def test_single_quotes_are_refused_with_a_hint():
    with Workdir() as w:
        eq(w.run("import", "--quiet", os.path.join(SAMPLE_DATA, "captions.jsonl")).code, 0)
        for cmd in (("info",), ("export", "--status", "all")):
            refused(w, "reason = 'hallucination'", 10,
                    'a single quote: a string takes double quotes ("...")', *cmd)
        refused(w, "flagged('repetition')", 9, "a single quote")
        # in double quotes, or inside a word, a single quote is a character
        r = w.run("info", "--where", "reason = \"'hallucination'\" or reason = don't")
        eq(r.code, 0, r)
