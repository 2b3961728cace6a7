"""End-to-end tests of `assay export --batch` and `--annotator`: a name the
database does not know is refused (exit 66) before the output is opened,
so an existing file is left as it was and no new one appears."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, contains, eq  # noqa: E402

RECORDS = ['{"id": "a", "caption": "A cat sits."}',
           '{"id": "b", "caption": "A dog runs."}']


def setup(w):
    src = w.file("b1.jsonl", "\n".join(RECORDS) + "\n")
    eq(w.run("import", "--no-score", "--batch", "b1", src).code, 0)
    eq(w.run("decide", "--annotator", "ann", "a", "accept").code, 0)
    eq(w.run("decide", "--annotator", "ann", "b", "accept").code, 0)


def snapshot(path):
    st = os.stat(path)
    with open(path, "rb") as f:
        return f.read(), st.st_ino, st.st_mtime_ns


def test_unknown_batch_or_annotator_is_refused_and_the_file_kept():
    with Workdir() as w:
        setup(w)
        out = os.path.join(w.path, "approved.jsonl")
        r = w.run("export", "-o", out)
        eq(r.code, 0, r)
        before = snapshot(out)
        eq(len(before[0].splitlines()), 2)
        for args, want in ((["--batch", "b1.jsonl"], 'no batch named "b1.jsonl"'),
                           (["--annotator", "nobody"], 'no annotator named "nobody"'),
                           (["--batch", "b1", "--annotator", "nobody"],
                            'no annotator named "nobody"')):
            for fmt in ("jsonl", "csv", "dpo"):
                r = w.run("export", "-o", out, "--format", fmt, *args)
                eq(r.code, 66, r)
                contains(r.err, want)
                check("exported" not in r.err, r)
                eq(snapshot(out), before, f"{args} {fmt}: the file changed")
        left = [f for f in os.listdir(w.path) if not f.startswith("assay.db")]
        eq(sorted(left), ["approved.jsonl", "b1.jsonl"])
        # a new destination is not created either, nor is stdout written
        r = w.run("export", "-o", "new.jsonl", "--batch", "nosuch")
        eq(r.code, 66, r)
        check(not os.path.exists(os.path.join(w.path, "new.jsonl")))
        r = w.run("export", "--annotator", "nobody")
        eq((r.code, r.out), (66, ""), r)


def test_known_names_still_filter():
    """A known annotator without verdicts (only a skip) is a filter that
    keeps nothing, as in stats: exit 0."""
    with Workdir() as w:
        setup(w)
        eq(w.run("decide", "--annotator", "idle", "a", "skip").code, 0)
        r = w.run("export", "--batch", "b1", "--annotator", "ann")
        eq(r.code, 0, r)
        eq(len(r.out.splitlines()), 2)
        r = w.run("export", "--annotator", "idle")
        eq((r.code, r.out), (0, ""), r)
        contains(r.err, "exported 0 samples")
