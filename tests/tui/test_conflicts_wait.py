"""`review --conflicts` while another writer (a learned rescore in bulk)
holds the database's write lock longer than the busy wait: the lead's
adjudication is the review screen's decision by another name and must wait
as the review screen's verdicts do (kept, saved once the lock is free),
never "not saved" because of the lock."""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from harness import WriteLock, Workdir, check, eq, press_locked  # noqa: E402
import test_conflicts as tc  # noqa: E402


def test_an_adjudication_waits_for_another_writer():
    with Workdir() as w:
        tc.setup(w)
        with tc.screen(w, env={"ASSAY_BUSY_TIMEOUT_MS": "500"}) as t:
            t.wait_for("s0  (b)  2 verdicts")
            press_locked(w, t, ["a"], "waiting for another writer", timeout=15)
            t.wait_for("s0: accepted as generated", timeout=30)
            t.keys("q")
            t.wait_exit()
        eq([r[:2] for r in tc.adjudications(w)], [("s0", "accepted")])


def test_the_conflicts_lease_renewal_never_blocks_or_says_locked():
    """Only looking at a conflict while another writer holds the lock: the
    lead's lease renewal (since the conflicts screen leases) tries briefly
    and again later, as the review screen's does; no "database is locked"
    reaches the lead and the keys keep working."""
    with Workdir() as w:
        tc.setup(w)
        env = {"ASSAY_BUSY_TIMEOUT_MS": "500", "ASSAY_LEASE_MS": "1000"}
        with tc.screen(w, env=env) as t:
            t.wait_for("s0  (b)  2 verdicts")
            with WriteLock(w):
                t.keys("j")  # a key that only looks
                time.sleep(3)  # several renewals (a tenth of the lease) meanwhile
                s = t.screen()
                check("locked" not in s and "renewing the leases" not in s, s)
            t.keys("q")
            t.wait_exit()


def test_a_waiting_adjudication_keeps_the_look_keys_and_q_leaves_once_saved():
    """Annotator 2's rejection taken with its reason while the lock is held:
    a decision key is refused meanwhile, q waits for the save, and the
    verdict is stored once with the reason it copied."""
    with Workdir() as w:
        tc.setup(w)
        with tc.screen(w, size=(160, 24), env={"ASSAY_BUSY_TIMEOUT_MS": "500"}) as t:
            t.wait_for("s0  (b)  2 verdicts")
            with WriteLock(w):
                t.keys("2")
                t.wait_for("your reject is kept and saved when it ends", timeout=15)
                t.keys("a")
                t.wait_for("this key works once your decision is saved")
                t.keys("l")  # moving on would leave the kept verdict's sample
                s = t.wait_for("this key works once your decision is saved")
                check("s0  (b)  2 verdicts" in s, s)
                t.keys("q")
                t.wait_for("then the screen closes (q again: leave without it)")
            eq(tc.exit_status(t), 0)
        eq([r[:4] for r in tc.adjudications(w)], [("s0", "rejected", None, "factual error")])


def test_q_twice_leaves_without_the_adjudication_and_says_so():
    with Workdir() as w:
        tc.setup(w)
        with tc.screen(w, size=(160, 24), env={"ASSAY_BUSY_TIMEOUT_MS": "500"}) as t:
            t.wait_for("s0  (b)  2 verdicts")
            with WriteLock(w):
                t.keys("a")
                t.wait_for("your accept is kept", timeout=15)
                t.keys("q")
                t.wait_for("q again: leave without it")
                t.keys("q")
                s = t.wait_for("not saved: your last accept")
                eq(tc.exit_status(t), 75, s)
        eq(tc.adjudications(w), [])


def test_on_postgresql_an_adjudication_waits_for_a_lock():
    """On a PostgreSQL store another session's lock on the adjudications
    holds the lead's verdict back (a short lock_timeout, as the review
    screen's): kept, then saved once, never "not saved"."""
    import test_pg_store as pgs
    uri = pgs.server()
    if not uri:
        return
    w = pgs.pg_workdir(uri, "conflictwait")
    try:
        tc.setup(w)
        with tc.screen(w, size=(160, 24)) as t:
            t.wait_for("s0  (b)  2 verdicts", timeout=30)
            press_locked(w, t, ["a"], "your accept is kept and saved when it ends",
                         table="adjudications")
            t.wait_for("s0: accepted as generated", timeout=30)
            t.keys("q")
            eq(tc.exit_status(t), 0)
        n = pgs.psql(w.db, "SELECT count(*) FROM adjudications a JOIN samples s"
                           " ON s.id = a.sample_id WHERE s.ext_id = 's0'"
                           " AND a.verdict = 'accepted'").strip()
        eq(n, "1")
    finally:
        w.__exit__(None, None, None)
