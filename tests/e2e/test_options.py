"""End-to-end tests of how every subcommand names a bad option: the option
itself, never the argument before it (getopt stays on a cluster of short
options such as -zq until its last letter is read)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, contains, eq  # noqa: E402

COMMANDS = ["import", "info", "export", "stats", "report", "score", "decide", "review",
            "audit"]


def bad(w, *args, says):
    r = w.run(*args)
    eq(r.code, 2, (args, r))
    contains(r.err, says, args)
    contains(r.err, f"Try 'assay {args[0]} --help'.", args)


def test_every_command_names_the_bad_option():
    with Workdir() as w:
        for cmd in COMMANDS:
            bad(w, cmd, "previous", "-zz", says="unknown option '-z'")
            bad(w, cmd, "previous", "-zq", "more", says="unknown option '-z'")
            bad(w, cmd, "--frobnicate", says="unknown option '--frobnicate'")
            bad(w, cmd, "--frobnicate=1", says="unknown option '--frobnicate'")
            bad(w, cmd, "--help=yes", says="option '--help' takes no value")


def test_decide_names_the_option_not_the_annotator():
    with Workdir() as w:
        bad(w, "decide", "--annotator", "x", "-zz", "accept", says="unknown option '-z'")
        bad(w, "decide", "--annotator=x", "-qz", "accept", says="unknown option '-q'")
        r = w.run("decide", "--annotator", "x", "-zz", "accept")
        eq("'x'" in r.err, False, r)
        bad(w, "decide", "--annotator", says="option '--annotator' needs a value")
        bad(w, "export", "-o", says="option '-o' needs a value")
