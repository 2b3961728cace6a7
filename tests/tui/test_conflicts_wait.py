"""`review --conflicts` while another writer (a learned rescore in bulk)
holds the database's write lock longer than the busy wait: the lead's
adjudication is the review screen's decision by another name and must wait
as the review screen's verdicts do (kept, saved once the lock is free),
never "not saved" because of the lock."""
import os
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from harness import Workdir, check, eq  # noqa: E402
import test_conflicts as tc  # noqa: E402


def test_an_adjudication_waits_for_another_writer():
    with Workdir() as w:
        tc.setup(w)
        with tc.screen(w, env={"ASSAY_BUSY_TIMEOUT_MS": "500"}) as t:
            t.wait_for("s0  (b)  2 verdicts")
            con = sqlite3.connect(w.db, isolation_level=None, timeout=30)
            con.execute("BEGIN IMMEDIATE")
            t.keys("a")
            try:
                s = t.wait_for("waiting for another writer", timeout=15)
                check("not saved" not in s, s)
            finally:
                con.execute("ROLLBACK")
                con.close()
            t.wait_for("s0: accepted as generated", timeout=30)
            t.keys("q")
            t.wait_exit()
        eq([r[:2] for r in tc.adjudications(w)], [("s0", "accepted")])


def test_the_conflicts_lease_renewal_never_blocks_or_says_locked():
    """Only looking at a conflict while another writer holds the lock: the
    lead's lease renewal (since the conflicts screen leases) tries briefly
    and again later, as the review screen's does; no "database is locked"
    reaches the lead and the keys keep working."""
    import time
    with Workdir() as w:
        tc.setup(w)
        env = {"ASSAY_BUSY_TIMEOUT_MS": "500", "ASSAY_LEASE_MS": "1000"}
        with tc.screen(w, env=env) as t:
            t.wait_for("s0  (b)  2 verdicts")
            con = sqlite3.connect(w.db, isolation_level=None, timeout=30)
            con.execute("BEGIN IMMEDIATE")
            try:
                t.keys("j")  # a key that only looks
                time.sleep(3)  # several renewals (a tenth of the lease) meanwhile
                s = t.screen()
                check("locked" not in s and "renewing the leases" not in s, s)
            finally:
                con.execute("ROLLBACK")
                con.close()
            t.keys("q")
            t.wait_exit()
