"""End-to-end tests of the learned rewrite meeting another writer: a
sample's packed row changed between the page's read and its write (another
scorer's score, as a concurrent `assay score` writes it) is merged into,
and its combined score must then be the one its stored scores give."""
import sqlite3

from harness import eq, workdir
from test_learn import decide_labels


def combined_again(w, ids):
    """The combined scores of ids as a run computes them from the stored
    scores (the missing-score walk of a plain `assay score`)."""
    con = sqlite3.connect(w.db)
    con.execute("UPDATE sample_quality SET quality = NULL WHERE sample_id IN (%s)"
                % ",".join(str(int(i)) for i in ids))
    con.commit()
    con.close()
    r = w.run("score")
    eq(r.code, 0, r)
    return w.sql("SELECT sample_id, quality FROM sample_quality WHERE sample_id IN (%s)"
                 " ORDER BY sample_id" % ",".join(str(int(i)) for i in ids))


def test_a_row_changed_after_the_page_was_read_gets_the_combined_score_of_what_is_stored():
    """Sample 2's scores are replaced (another scorer's values, as another
    writer leaves them) after its page was read and before its write: the
    rewrite finds the row changed and merges the learned score into it, but
    its combined score must come from the row as merged, not from the
    values read with the page (else the queue, slices and calibration rank
    it by scores it no longer has, and no later run repairs it: the walk of
    missing combined scores sees one)."""
    with workdir() as w:
        decide_labels(w)
        eq(w.run("learn").code, 0)
        rows = w.sql("SELECT sample_id, vals FROM sample_scores ORDER BY sample_id LIMIT 200")
        base = dict(rows)[2]
        src = next(i for i, v in rows if v != base and i > 2)
        # the other writer: once sample 1 is written (same page, before 2)
        con = sqlite3.connect(w.db)
        con.execute(
            "CREATE TRIGGER other_writer AFTER UPDATE ON sample_scores WHEN new.sample_id = 1"
            " BEGIN UPDATE sample_scores SET"
            "  vals = (SELECT vals FROM sample_scores WHERE sample_id = %d),"
            "  vers = (SELECT vers FROM sample_scores WHERE sample_id = %d),"
            "  flags = (SELECT flags FROM sample_scores WHERE sample_id = %d)"
            " WHERE sample_id = 2; END" % (src, src, src))
        con.commit()
        con.close()
        r = w.run("score", "--scorer", "learned", "--rescore")
        eq(r.code, 0, r)
        con = sqlite3.connect(w.db)
        con.execute("DROP TRIGGER other_writer")
        con.commit()
        con.close()
        written = w.sql("SELECT sample_id, quality FROM sample_quality"
                        " WHERE sample_id IN (1, 2) ORDER BY sample_id")
        eq(written, combined_again(w, [1, 2]))
