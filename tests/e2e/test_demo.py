"""End-to-end test of the Makefile's demo database: `make demo` keeps it
between runs (a second run resumes the first one's decisions) and says where
it is; `make demo-reset` is the only thing that removes it."""
import json
import os
import subprocess

from harness import BIN, ROOT, check, contains, eq, workdir


def make(target, db):
    build = os.path.dirname(os.path.dirname(os.path.dirname(BIN)))
    return subprocess.run(["make", "-s", "--no-print-directory", target,
                           f"DEMO_DB={db}", f"BUILD={build}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_demo_database_is_kept_between_runs():
    with workdir() as w:
        p = make("demo-db", w.db)
        eq(p.returncode, 0, p.stderr)
        n = w.sql("SELECT count(*) FROM samples")[0][0]
        check(n > 0, "the demo imported nothing")
        first = w.sql("SELECT ext_id FROM samples ORDER BY id LIMIT 1")[0][0]
        eq(w.run("decide", "--annotator", "ana", first, "accept").code, 0)
        p = make("demo-db", w.db)
        eq(p.returncode, 0, p.stderr)
        contains(p.stdout, "resuming the demo database " + w.db)
        contains(p.stdout, "make demo-reset")
        eq(w.sql("SELECT count(*) FROM samples")[0][0], n, "imported twice")
        eq(w.sql("SELECT count(*) FROM decisions")[0][0], 1,
           "the earlier demo's decision was lost")


def test_the_demo_imports_the_media_captions_with_their_media_root():
    with workdir() as w:
        p = make("demo-db", w.db)
        eq(p.returncode, 0, p.stderr)
        eq(w.sql("SELECT count(*) FROM samples WHERE ext_id LIKE 'media-%'")[0][0],
           sum(1 for _ in open(os.path.join(ROOT, "sample-data", "media-captions.jsonl"))))
        root = w.sql("SELECT media_root FROM batches WHERE name = 'demo'")[0][0]
        eq(root, os.path.realpath(os.path.join(ROOT, "sample-data")))
        rec = w.sql("SELECT record FROM samples WHERE ext_id = 'media-red-ball'")[0][0]
        check(os.path.isfile(os.path.join(root, json.loads(rec)["image"])), rec)
