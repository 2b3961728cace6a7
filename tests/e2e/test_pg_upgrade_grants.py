"""End-to-end test of a team's PostgreSQL store raised from schema version
4 to 5 by its owner: the workers and readers that held README's privileges
on the store's tables before keep working after (the new table of combined
scores is one of "its tables")."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, eq  # noqa: E402
import test_pg_store as pgs  # noqa: E402
from test_pg_commands import as_role, readme_roles  # noqa: E402


def test_a_store_raised_to_5_by_its_owner_keeps_its_workers_and_readers():
    """A store at version 4 (the combined score in samples.quality), its
    worker granted SELECT, INSERT, UPDATE, DELETE on all its tables and its
    reader SELECT, as README says; the owner's next import raises it to 5.
    Then the worker scores and decides, and the reader exports and counts,
    as before the raise (not "permission denied for table
    sample_quality")."""
    uri = pgs.server()
    if not uri:
        return
    with readme_roles(uri, "upg") as (base, owner, worker, reader), Workdir() as w:
        w.db = as_role(base, owner, "proj")
        r = w.run("import", "--no-score", "--batch", "b1", pgs.SAMPLES[0])
        eq(r.code, 0, r)
        # the store as an earlier build left it: version 4
        pgs.psql(base, "SET search_path = proj;"
                 "ALTER TABLE samples ADD COLUMN quality DOUBLE PRECISION;"
                 "DROP TABLE sample_quality;"
                 "CREATE INDEX samples_by_quality ON samples(quality, id);"
                 "CREATE INDEX samples_by_batch_quality ON samples(batch_id, quality, id);"
                 "UPDATE assay_meta SET value = 4 WHERE key = 'user_version'")
        # README's privileges, granted while it was at 4
        pgs.psql(base, f"""GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA proj
            TO {worker}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA proj TO {worker};
            GRANT SELECT ON ALL TABLES IN SCHEMA proj TO {reader};""")
        # the owner's next import raises it
        r = w.run("import", "--no-score", "--batch", "b2", pgs.SAMPLES[1])
        eq(r.code, 0, r)
        eq(pgs.psql(base, "SELECT value FROM proj.assay_meta"
                    " WHERE key = 'user_version'").strip(), "5")
        w.db = as_role(base, worker, "proj")
        for args in (("score",), ("import", "--no-score", "--batch", "b3", pgs.SAMPLES[2]),
                     ("decide", "cap-0000010", "accept")):
            r = w.run(*args, env={"ASSAY_ANNOTATOR": "ann"})
            eq((args, r.code, "permission denied" in r.err), (args, 0, False), r)
        w.db = as_role(base, reader, "proj")
        for args in (("export", "--status", "all", "--output", "-"), ("info",),
                     ("stats", "--by", "annotator")):
            r = w.run(*args)
            eq((args, r.code, "permission denied" in r.err), (args, 0, False), r)
