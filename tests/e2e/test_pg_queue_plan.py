"""End-to-end tests of how the review queue's statements are planned on
PostgreSQL: an import leaves the planner statistics of the samples it
loaded (without them a probe was planned as a scan and sort of the whole
batch), and a probe tests the samples it walks past one by one through the
indexes, never by reading every decision (a hashed subquery reads the whole
table at each probe, so each claim cost grew with the decisions made); and
an annotator opening a complete store takes no schema lock (annotators
starting together each waited for the others' schema checks in turn)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import eq  # noqa: E402
import test_pg_store as pgs  # noqa: E402
from test_pg_review_script import Holder, captions, drop, pg_case  # noqa: E402


def table_stat(w, table, cols):
    return pgs.psql(w.base, f"SELECT {cols} FROM pg_stat_user_tables t"
                            f" JOIN pg_class c ON c.oid = t.relid"
                            f" WHERE t.schemaname = '{w.schema}' AND t.relname = '{table}'").strip()


def test_an_import_leaves_the_planner_statistics_of_its_samples():
    w = pg_case("analyzed")
    if not w:
        return
    try:
        r = w.run("import", "--no-score", w.file("c.jsonl", captions(300)))
        eq(r.code, 0, r)
        # reltuples is -1 until the table is first analysed
        eq(table_stat(w, "samples", "t.last_analyze IS NOT NULL, c.reltuples::bigint"), "t|300")
    finally:
        drop(w)


def test_the_queue_probes_never_read_the_whole_decisions_table():
    w = pg_case("probes")
    if not w:
        return
    try:
        r = w.run("import", "--no-score", w.file("c.jsonl", captions(400)))
        eq(r.code, 0, r)
        verdicts = ("accept", "reject off-topic", "skip")
        for name in ("ann", "bob"):
            lines = "".join(f"next\n{verdicts[i % 3]}\n" for i in range(60))
            r = w.run("review", "--script", "--order", "import", stdin=lines,
                      env={"ASSAY_ANNOTATOR": name})
            eq(r.code, 0, r)
            eq(r.out.count("decided "), 60, r)
        before = int(table_stat(w, "decisions", "t.seq_scan"))
        # the next annotator's probes walk past the 120 samples decided
        # (in every show: undecided, then the skipped ones)
        for show in ("undecided", "skipped"):
            r = w.run("review", "--script", "--order", "import", "--show", show,
                      stdin="next\naccept\n" * 20, env={"ASSAY_ANNOTATOR": "cy"})
            eq(r.code, 0, r)
        after = int(table_stat(w, "decisions", "t.seq_scan"))
        eq(after - before < 5, True, (before, after))
    finally:
        drop(w)


def test_opening_a_complete_store_waits_for_no_schema_lock():
    w = pg_case("nolock")
    if not w:
        return
    try:
        r = w.run("import", "--no-score", w.file("c.jsonl", captions(10)))
        eq(r.code, 0, r)
        # what another client holds while it checks or makes the schema
        h = Holder(w, "SELECT pg_advisory_xact_lock(1634956153)")
        try:
            r = w.run("review", "--script", "--order", "import", stdin="next\naccept\n",
                      timeout=30)
        finally:
            h.end()
        eq(r.code, 0, r)
        eq(r.out.splitlines(), ["sample c00000", "decided c00000 accepted"])
    finally:
        drop(w)
