"""Crash consistency: `assay import` (with --no-score, and with its default
scoring), `assay score` (a first scoring, --rescore, a remote scorer, and
a database an older version left without combined scores), `assay export`
and `assay decide --from` killed with SIGKILL at random moments, well over
200 kills per run. After every kill: PRAGMA integrity_check is ok, what is
stored is exactly what was committed (records byte for byte, batch counts
equal to the rows, every committed decision present once, every committed
score and combined score one that an uninterrupted run writes), no sample
holds scores without its combined score, the next run of the same command
completes the work to exactly the state an uninterrupted run leaves, and
no export destination is partial: it is either absent or complete and
identical to a full export. `assay learn` killed at random moments leaves
every earlier model whole, and the next run stores a model that `assay
score` loads.
"""
import collections
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, eq  # noqa: E402
from reliability import (batch_counts_consistent, connect, decisions_consistent,  # noqa: E402
                         figure, has_command, integrity_ok, scored_without_combined,
                         scores_state, spawn, write_parts, write_scored_parts)
from httpd import TestServer  # noqa: E402

SERIAL = True  # timing matters: nothing else runs meanwhile

IMPORT_KILLS = 130
EXPORT_KILLS = 90
DECIDE_KILLS = 60
SCORED_IMPORT_KILLS = 32  # import with its default scoring
SCORE_KILLS = {"first": 20, "rescore": 8, "remote": 10, "older": 8}  # assay score
LEARN_KILLS = 12
TEXT_SCORERS = ("length", "gopher", "repetition", "artifacts", "truncation", "charset",
                "hedging")


def timed(p, timeout=300):
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def kill_after(p, delay):
    """SIGKILLs p after delay seconds; True when it was still running."""
    time.sleep(delay)
    if p.poll() is not None:
        return False
    os.kill(p.pid, signal.SIGKILL)
    p.communicate()
    return True


def full_duration(*cmd_args, db, reset):
    """How long an uninterrupted run takes (to spread the kills over it)."""
    reset()
    t0 = time.monotonic()
    code, _, err = timed(spawn(db, *cmd_args))
    check(code == 0, err)
    return time.monotonic() - t0


def check_import(db, lines):
    """Checks the state a kill left; returns the samples stored (None when
    the kill came before the schema was committed)."""
    integrity_ok(db)
    con = connect(db)
    try:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'samples'").fetchall():
            eq(con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0], 0,
               "a half-made schema")
            return None
        for ext, rec in con.execute("SELECT ext_id, record FROM samples"):
            eq(rec, lines.get(ext), f"sample {ext}: stored record")
        batch_counts_consistent(con)
        return con.execute("SELECT count(*) FROM samples").fetchone()[0]
    finally:
        con.close()


def test_kill_import_at_random_moments():
    rng = random.Random(int(os.environ.get("ASSAY_SEED", "7")))
    with Workdir() as w:
        paths, lines = write_parts(w.path, 12, 1500)
        total = len(lines)
        args = ["import", "--no-score", "--quiet", "--batch", "crash"] + paths

        def reset():
            for sfx in ("", "-wal", "-shm"):
                if os.path.exists(w.db + sfx):
                    os.remove(w.db + sfx)

        span = full_duration(*args, db=w.db, reset=reset)
        reset()
        kills = completions = partial_states = before_schema = 0
        while kills < IMPORT_KILLS:
            p = spawn(w.db, *args)
            if kill_after(p, rng.uniform(0, span * 1.1)):
                kills += 1
                n = check_import(w.db, lines) if os.path.exists(w.db) else None
                if n is None:  # killed while creating the database: usable at once
                    before_schema += 1
                    code, _, err = timed(spawn(w.db, *args))
                    eq(code, 0, err)
                    eq(check_import(w.db, lines), total, "samples after the re-run")
                    reset()
                    continue
                partial_states += 0 < n < total
            else:
                eq(p.returncode, 0, p.stderr.read() if p.stderr else "")
            if kills % 10 == 0 or p.returncode == 0:
                # The same command completes the batch, whatever state the kill left.
                code, _, err = timed(spawn(w.db, *args))
                eq(code, 0, err)
                eq(check_import(w.db, lines), total, "samples after the re-run")
                completions += 1
                reset()
        figure("crash.import_kills", kills)
        figure("crash.import_partial_states", partial_states)
        figure("crash.import_completions", completions)
        figure("crash.import_kills_before_schema", before_schema)
        check(completions >= IMPORT_KILLS // 10, completions)


def test_kill_export_at_random_moments():
    rng = random.Random(int(os.environ.get("ASSAY_SEED", "7")) + 1)
    with Workdir() as w:
        paths, lines = write_parts(w.path, 4, 5000)
        code, _, err = timed(spawn(w.db, "import", "--no-score", "--quiet", "--batch", "b", *paths))
        eq(code, 0, err)
        variants = [
            (["-o", "out.jsonl"], ["out.jsonl"]),
            (["--provenance", "-o", "prov.jsonl"], ["prov.jsonl"]),
            (["--format", "csv", "-o", "out.csv"], ["out.csv"]),
            (["--format", "json", "-o", "out.json"], ["out.json"]),
            (["--split", "train=0.5,val=0.5", "-o", "set.jsonl"],
             ["set.train.jsonl", "set.val.jsonl"]),
        ]
        reference = {}
        spans = []
        for args, dests in variants:
            t0 = time.monotonic()
            code, _, err = timed(spawn(w.db, "export", "--status", "all", *args, cwd=w.path))
            eq(code, 0, err)
            spans.append(time.monotonic() - t0)
            for d in dests:
                with open(os.path.join(w.path, d), "rb") as f:
                    reference[d] = f.read()
                os.remove(os.path.join(w.path, d))
        check(len(reference["out.jsonl"].split(b"\n")) == len(lines) + 1, "reference export")
        kills = absent = complete = 0
        while kills < EXPORT_KILLS:
            v = kills % len(variants)
            args, dests = variants[v]
            p = spawn(w.db, "export", "--status", "all", *args, cwd=w.path)
            killed = kill_after(p, rng.uniform(0, spans[v] * 1.1))
            if not killed:
                eq(p.returncode, 0)
            kills += killed
            for d in dests:
                path = os.path.join(w.path, d)
                if not os.path.exists(path):
                    check(killed, f"{d} missing after a finished export")
                    absent += 1
                    continue
                with open(path, "rb") as f:
                    got = f.read()
                # Never partial: present means complete and identical.
                check(got == reference[d], f"{d}: {len(got)} bytes after a kill, "
                      f"want absent or {len(reference[d])}")
                complete += 1
                os.remove(path)
            integrity_ok(w.db)
        strays = [f for f in os.listdir(w.path) if ".assay-" in f]
        for f in strays:
            check(f.startswith("."), f"temporary file {f} is not hidden")
        if unnamed_files(w.path):
            # the output is an unnamed file until it is complete; only a
            # kill between naming a --split set's files and renaming them
            # can leave one behind, hidden, and the next export to that
            # destination (a minute later) removes it
            for f in strays:
                check(f.startswith(".set."), f"{f} left by a kill of a single-file export")
        # what a kill left is taken for a leftover once a minute old
        for f in strays:
            os.utime(os.path.join(w.path, f), (time.time() - 120, time.time() - 120))
        for args, dests in variants:
            code, _, err = timed(spawn(w.db, "export", "--status", "all", *args, cwd=w.path))
            eq(code, 0, err)
            for d in dests:
                os.remove(os.path.join(w.path, d))
        eq([f for f in os.listdir(w.path) if ".assay-" in f], [],
           "temporary files left after the next export to each destination")
        figure("crash.export_kills", kills)
        figure("crash.export_dest_absent", absent)
        figure("crash.export_dest_complete", complete)
        figure("crash.export_stray_temp_files", len(strays))


def unnamed_files(directory):
    """Whether the file system of directory has unnamed (O_TMPFILE) files."""
    try:
        os.close(os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600))
        return True
    except OSError:
        return False


def test_kill_decide_from_at_random_moments():
    if not has_command("decide"):
        print("skipped: `assay decide` does not exist yet; its kills start counting when it does")
        figure("crash.decide_kills", 0)
        return
    rng = random.Random(int(os.environ.get("ASSAY_SEED", "7")) + 2)
    with Workdir() as w:
        paths, lines = write_parts(w.path, 1, 3000)

        def fresh():
            for sfx in ("", "-wal", "-shm"):
                if os.path.exists(w.db + sfx):
                    os.remove(w.db + sfx)
            code, _, err = timed(spawn(w.db, "import", "--no-score", "--quiet", "--batch", "b",
                                       *paths))
            eq(code, 0, err)

        fresh()
        ids = sorted(lines)
        verdict = {e: ("accept", "edit", "reject")[i % 3] for i, e in enumerate(ids)}

        def remaining():
            con = connect(w.db)
            try:
                done = {r[0] for r in con.execute(
                    "SELECT s.ext_id FROM decisions d JOIN samples s ON s.id = d.sample_id "
                    "JOIN annotators a ON a.id = d.annotator_id WHERE a.name = 'crash'")}
            finally:
                con.close()
            return [e for e in ids if e not in done]

        def script(todo):
            path = os.path.join(w.path, "decisions.jsonl")
            with open(path, "w") as f:
                for e in todo:
                    d = {"id": e, "verdict": verdict[e], "annotator": "crash"}
                    if verdict[e] == "edit":
                        d["text"] = f"corrected {e}"
                    if verdict[e] == "reject":
                        d["reason"] = "hallucination"
                    f.write(json.dumps(d) + "\n")
            return path

        def check_all_decided():
            eq(remaining(), [], "every sample decided after the last run")
            con = connect(w.db)
            try:
                decisions_consistent(con)
                got = dict(con.execute("SELECT s.ext_id, d.verdict FROM decisions d "
                                       "JOIN samples s ON s.id = d.sample_id"))
            finally:
                con.close()
            past = {"accept": "accepted", "edit": "edited", "reject": "rejected"}
            eq(got, {e: past[v] for e, v in verdict.items()}, "the verdicts decided")

        t0 = time.monotonic()
        code, _, err = timed(spawn(w.db, "decide", "--annotator", "crash", "--from",
                                   script(ids[:500])))
        eq(code, 0, err)
        span = (time.monotonic() - t0) * len(ids) / 500
        kills = rounds = 0
        while kills < DECIDE_KILLS:
            todo = remaining()
            if not todo:  # all decided: check, then start over
                check_all_decided()
                fresh()
                rounds += 1
                continue
            p = spawn(w.db, "decide", "--annotator", "crash", "--from", script(todo))
            kills += kill_after(p, rng.uniform(0, span * 0.3))
            integrity_ok(w.db)
            con = connect(w.db)
            try:
                decisions_consistent(con)
            finally:
                con.close()
        todo = remaining()
        if todo:
            code, _, err = timed(spawn(w.db, "decide", "--annotator", "crash", "--from",
                                       script(todo)))
            eq(code, 0, err)
        check_all_decided()
        figure("crash.decide_kills", kills)
        figure("crash.decide_rounds_completed", rounds)


# ---- scoring: import with its default scoring, and assay score ---------------


def spread(rng, n, span):
    """n kill delays, one uniformly within each of n equal slices of
    [0, span), in random order: every part of the run is hit."""
    times = [span * (i + rng.random()) / n for i in range(n)]
    rng.shuffle(times)
    return times


def kill_at(p, delay):
    """SIGKILLs p after delay seconds; (killed, its stdout)."""
    time.sleep(delay)
    killed = p.poll() is None
    if killed:
        os.kill(p.pid, signal.SIGKILL)
    out, _ = p.communicate()
    return killed, out


def kill_when(p, db, ready, timeout=120):
    """SIGKILLs p as soon as ready(connection) holds for what it has
    committed (the database watched as the run goes); (killed, stdout)."""
    deadline = time.monotonic() + timeout
    while p.poll() is None and time.monotonic() < deadline:
        try:
            con = connect(db, timeout=0.05)
            try:
                hit = ready(con)
            finally:
                con.close()
        except sqlite3.Error:
            hit = False
        if hit:
            return kill_at(p, 0)
        time.sleep(0.003)
    return kill_at(p, 0)


def remove_db(db):
    for sfx in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(db + sfx):
            os.remove(db + sfx)


def copy_db(src, dst):
    remove_db(dst)
    for sfx in ("", "-wal"):
        if os.path.exists(src + sfx):
            shutil.copyfile(src + sfx, dst + sfx)


def now_ms():
    return int(time.time() * 1000) - 1


def fresh_count(con, scorer, since):
    return con.execute("SELECT count(*) FROM scores WHERE scorer = ? AND scored_at >= ?",
                       (scorer, since)).fetchone()[0]


def landed(con, since, total, phases):
    """The phase a kill interrupted, read from what the killed run committed:
    phases is [(phase, scorer it writes)] in run order."""
    if con.execute("SELECT count(*) FROM samples").fetchone()[0] < total:
        return "import"
    for phase, scorer in phases:
        if fresh_count(con, scorer, since) < total:
            return phase
    missing = con.execute("SELECT count(*) FROM sample_quality WHERE quality IS NULL"
                          ).fetchone()[0]
    return "end" if missing == 0 else "index" if missing == total else "combined"


def together(con, since):
    """The rules' scores and neardup's are written in one transaction."""
    eq(fresh_count(con, "length", since), fresh_count(con, "neardup", since),
       "rule and neardup scores committed apart")


def state(db, detail=True):
    con = connect(db)
    try:
        return scores_state(con, detail), scored_without_combined(con)
    finally:
        con.close()


def check_scored(db, ref, older=False, detail=True):
    """After a kill: every committed score is one an uninterrupted run
    writes, every combined score is that of the scores its sample holds,
    and (unless the database came from an older version) no sample holds
    scores without its combined score."""
    integrity_ok(db)
    ((rows, quality), missing) = state(db, detail)
    stray = rows - ref[0]
    check(not stray, f"{len(stray)} committed scores unlike an uninterrupted run's, "
          f"e.g. {sorted(stray)[:2]}")
    # The combined score of a sample is that of the scores it holds (the
    # default weights: their product, each clamped to [0, 1]).
    product = {}
    for ext, _, _, value, *_ in rows:
        if value is not None:
            product[ext] = product.get(ext, 1.0) * min(max(value, 0.0), 1.0)
    held = {r[0] for r in rows}
    wrong = sorted(e for e, q in quality.items() if q is not None and
                   (e not in held or abs(q - product.get(e, 1.0)) > 1e-9))
    check(not wrong, f"combined scores unlike the scores held: {wrong[:5]}")
    if not older:
        eq(missing, 0, "samples holding scores without their combined score after a kill")


def check_complete(db, ref, detail=True):
    integrity_ok(db)
    got, missing = state(db, detail)
    eq(missing, 0, "samples holding scores without their combined score after the re-run")
    check(got[1] == ref[1], "combined scores after the re-run differ from an uninterrupted "
          f"run's: {sorted(e for e in ref[1] if got[1].get(e) != ref[1][e])[:5]}")
    check(got[0] == ref[0], f"scores after the re-run differ: {len(got[0] ^ ref[0])} rows")


def acknowledged_kept(db, out, part_ids):
    """Every source an import reported done before the kill is stored."""
    con = connect(db)
    try:
        stored = {r[0] for r in con.execute("SELECT ext_id FROM samples")}
    finally:
        con.close()
    for line in out.decode("utf-8", "replace").splitlines():
        m = re.match(r"(.+?): batch .*\d+ imported", line)
        if m:
            lost = [e for e in part_ids[m.group(1)] if e not in stored]
            eq(lost, [], f"{m.group(1)} was reported imported")


def test_kill_import_while_scoring():
    rng = random.Random(int(os.environ.get("ASSAY_SEED", "7")) + 3)
    with Workdir() as w:
        paths, lines, part_ids = write_scored_parts(w.path, 2, 1000)
        total = len(lines)
        args = ["import", "--batch", "crash"] + paths
        # the rules are scored inside the near-duplicate pass: one phase
        phases = [("pass", "length")]
        remove_db(w.db)
        span = full_duration(*args, db=w.db, reset=lambda: remove_db(w.db))
        ref, missing = state(w.db)
        eq((missing, sum(q is None for q in ref[1].values())), (0, 0), "the reference run")
        landings = collections.Counter()
        # Spread over the run, then aimed: once the import is in (scoring
        # starts).
        plan = [("at", d) for d in spread(rng, SCORED_IMPORT_KILLS, span * 1.05)] + [
            ("when", lambda c: c.execute("SELECT count(*) FROM samples").fetchone()[0] == total)]
        kills = 0
        for how, arg in plan:
            remove_db(w.db)
            since = now_ms()
            p = spawn(w.db, *args)
            killed, out = kill_at(p, arg) if how == "at" else kill_when(p, w.db, arg)
            if killed and os.path.exists(w.db) and check_import(w.db, lines) is not None:
                kills += 1
                acknowledged_kept(w.db, out, part_ids)
                check_scored(w.db, ref)
                con = connect(w.db)
                try:
                    landings[landed(con, since, total, phases)] += 1
                    together(con, since)
                finally:
                    con.close()
            elif killed:
                kills += 1
                landings["start"] += 1
            else:
                eq(p.returncode, 0, out)
            code, _, err = timed(spawn(w.db, *args))
            eq(code, 0, err)
            eq(check_import(w.db, lines), total, "samples after the re-run")
            check_complete(w.db, ref)
        figure("crash.scored_import_kills", kills)
        figure("crash.scored_import_landings", dict(landings))
        for phase, _ in phases:
            check(landings[phase] > 0, f"no kill landed in {phase}: {dict(landings)}")


def score_variants(w, url):
    """name: (template database, command, phases) for each kind of run."""
    paths, lines, _ = write_scored_parts(w.path, 2, 1000)
    unscored, small, scored, older = (os.path.join(w.path, n + ".db")
                                      for n in ("unscored", "small", "scored", "older"))
    for db, parts in ((unscored, paths), (small, paths[:1])):
        code, _, err = timed(spawn(db, "import", "--no-score", "--quiet", "--batch", "crash",
                                   *parts))
        eq(code, 0, err)
    copy_db(unscored, scored)
    code, _, err = timed(spawn(scored, "score", "--quiet"))
    eq(code, 0, err)
    copy_db(scored, older)
    con = connect(older)
    try:  # as a run killed before the combined score shared its scores' transaction left it
        con.execute("UPDATE sample_quality SET quality = NULL")
        # The combined pass writes a page of samples a transaction: two
        # here, the second committed a few milliseconds after the first,
        # too soon for the aimed kill to see the first and strike before
        # the second (it hit 4 times in 15). The last sample's combined
        # score takes a while to write (a trigger reads every pair of
        # samples), so the aimed kill lands between the two commits.
        last = con.execute("SELECT max(id) FROM samples").fetchone()[0]
        con.execute("CREATE TRIGGER crash_slow_last AFTER UPDATE OF quality ON sample_quality "
                    f"WHEN NEW.sample_id = {last} BEGIN "
                    "SELECT count(*) FROM samples a, samples b WHERE a.id + b.id > 0; END")
        con.commit()
    finally:
        con.close()
    text = [("rules", "length"), ("neardup", "neardup")]
    return len(lines), {
        # the rules scored inside the near-duplicate pass: one phase
        "first": (unscored, ["score"], [("pass", "length")]),
        "rescore": (scored, ["score", "--rescore"], text),
        "remote": (small, ["score", "--scorer", "classifier", "--endpoint", url + "/predict",
                           "--label", "ok", "--retries", "0"], [("classifier", "classifier")]),
        "older": (older, ["score"], []),
    }


def test_kill_score_at_random_moments():
    rng = random.Random(int(os.environ.get("ASSAY_SEED", "7")) + 4)
    # the server idles through the steps before the remote one (minutes on
    # a loaded machine); this test stops it itself
    with Workdir() as w, TestServer(idle_timeout=3600, max_lifetime=7200) as srv:
        total, variants = score_variants(w, srv.url)
        kills = 0
        landings = collections.Counter()
        for name, (template, args, phases) in variants.items():
            n = total // 2 if name == "remote" else total
            detail = name != "remote"  # a remote answer's detail holds its latency
            older = name == "older"
            span = full_duration(*args, db=w.db, reset=lambda: copy_db(template, w.db))
            ref, missing = state(w.db, detail)
            eq((missing, sum(q is None for q in ref[1].values())), (0, 0), f"{name}: reference")
            aims = [lambda c, s=s: fresh_count(c, s, 0) > 0 for _, s in phases[:1]]
            aims += [lambda c: 0 < c.execute("SELECT count(*) FROM sample_quality WHERE quality"
                                             " IS NULL").fetchone()[0] < n] if older else []
            plan = [("at", d) for d in spread(rng, SCORE_KILLS[name], span * 1.05)]
            plan += [("when", a) for a in aims]
            for how, arg in plan:
                copy_db(template, w.db)
                since = now_ms()
                p = spawn(w.db, *args)
                killed, out = kill_at(p, arg) if how == "at" else kill_when(p, w.db, arg)
                if older and how == "when":
                    check(killed, "the older run finished before its aimed kill")
                if killed:
                    kills += 1
                    check_scored(w.db, ref, older, detail)
                    con = connect(w.db)
                    try:
                        where = landed(con, since, n, phases)
                        if name == "first":
                            together(con, since)
                    finally:
                        con.close()
                    landings[f"{name}:{where}"] += 1
                    if older and how == "when":  # aimed between the combined pass's commits
                        eq(where, "combined", "where the aimed kill of the older run landed")
                else:
                    eq(p.returncode, 0, out)
                code, _, err = timed(spawn(w.db, *args))
                eq(code, 0, err)
                check_complete(w.db, ref, detail)
        figure("crash.score_kills", kills)
        figure("crash.score_landings", dict(landings))
        for want in ("first:pass", "remote:classifier", "older:combined"):
            check(landings[want] > 0, f"no kill landed in {want}: {dict(landings)}")


def test_kill_learn_at_random_moments():
    """assay learn over 3,000 verdicts, killed at random moments across its
    passes: the first model stays byte for byte, no model is half-written,
    the file is whole, and a re-run stores a model the scorer loads."""
    with Workdir() as w:
        rng = random.Random(5)
        words = [f"w{i}" for i in range(400)]
        lines, verdicts = [], []
        for i in range(3000):
            text = " ".join(rng.choice(words) for _ in range(40))
            lines.append(json.dumps({"id": f"s{i}", "text": text}))
            v = "reject" if "w7 " in text else "accept"
            d = {"id": f"s{i}", "verdict": v}
            if v == "reject":
                d["reason"] = "other"
            verdicts.append(json.dumps(d))
        eq(w.run("import", "--no-score", w.file("big.jsonl", "\n".join(lines) + "\n")).code, 0)
        r = w.run("decide", "--annotator", "ana", "--from", "-", stdin="\n".join(verdicts) + "\n")
        eq(r.code, 0, r)
        eq(w.run("learn").code, 0)
        first = w.sql("SELECT id, model FROM models")
        t0 = time.monotonic()
        eq(w.run("learn", "--epochs", "3").code, 0)
        full = time.monotonic() - t0
        kills = 0
        for _ in range(LEARN_KILLS):
            p = spawn(w.db, "learn", "--epochs", "3")
            time.sleep(rng.uniform(0.01, max(0.05, full * 1.1)))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
            p.wait()
            rows = w.sql("SELECT id, model FROM models ORDER BY id")
            eq(rows[0], first[0], "the first model changed")
            for _, blob in rows:
                eq(blob[:4], b"ASLM", "a model was left half-written")
            integrity_ok(w.db)
        check(kills > 0, "no learn was killed mid-way")
        eq(w.run("learn").code, 0)
        r = w.run("score", "--scorer", "learned")
        eq(r.code, 0, r)
        eq(w.sql("SELECT count(*) FROM scores WHERE scorer = 'learned'"), [(3000,)])
