"""common.py — shared helpers for the benchmarks: running a command while
measuring wall time and peak memory, machine facts, generated inputs."""
import hashlib
import os
import platform
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")


def measure(cmd, stdin=None, env=None, cwd=None):
    """Runs cmd; returns (seconds, peak RSS in MiB, completed process).
    Peak memory is that of the child alone, read with wait4()."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, cwd=cwd)
    out, err = b"", b""
    # wait4 gives this child's own rusage (not all children's maximum).
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t0
    out = p.stdout.read()
    err = p.stderr.read()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.stderr.write(f"command failed ({p.returncode}): {' '.join(cmd)}\n{err.decode()}\n")
        raise SystemExit(1)
    return secs, ru.ru_maxrss / 1024.0, (out, err)


def verdict(ok):
    """How a target fared, as RESULTS.md writes it: a missed one says so."""
    return "met" if ok else "MISSED"


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}")


def generated(kind, count, seed=1, id_prefix=None):
    """Path of a generated JSONL file (made once, cached under bench/out/).
    Another seed gives other texts; id_prefix other ids (for a second set
    imported beside the first)."""
    os.makedirs(OUT, exist_ok=True)
    tag = f"-{id_prefix}" if id_prefix else ""
    path = os.path.join(OUT, f"{kind}-{count}-s{seed}{tag}.jsonl")
    if not os.path.exists(path):
        tmp = path + ".tmp"
        extra = ["--id-prefix", id_prefix] if id_prefix else []
        with open(tmp, "wb") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), "--kind", kind,
                            "--count", str(count), "--seed", str(seed)] + extra,
                           stdout=f, check=True)
        os.rename(tmp, path)
    return path


def cached_db(assay, db, build):
    """db as build(path) makes it, made once and cached under bench/out/
    (made again when the schema changed); callers that change it work on a
    copy (copy_db)."""
    if reusable(db):
        # a database left by an older assay is upgraded here, not in a timed run
        subprocess.run([assay, "--db", db, "info"], check=True, stdout=subprocess.DEVNULL)
        return db
    tmp = fresh(db + ".tmp")
    build(tmp)
    checkpoint(tmp)
    os.rename(tmp, db)
    stamp(db)
    return db


def scored_db(assay, count):
    """A database of `count` generated captions imported with the default
    scoring (the real built-in scorers)."""
    return cached_db(assay, os.path.join(OUT, f"scored-{count}.db"), lambda tmp: subprocess.run(
        [assay, "--db", tmp, "import", "--quiet", "--batch", "bench",
         generated("captions", count)], check=True))


def checkpoint(db):
    """Folds the write-ahead log into the file, so the file alone is the database."""
    import sqlite3
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)


def copy_db(src, dst):
    """A private copy of a cached database (its log folded in first)."""
    import shutil
    checkpoint(src)
    fresh(dst)
    shutil.copyfile(src, dst)
    return dst


def schema_stamp():
    """A fingerprint of the schema's source: a database cached under
    bench/out/ is reused only when it was made by the same schema."""
    h = hashlib.sha1()
    store = os.path.join(os.path.dirname(HERE), "src", "store")
    for n in sorted(os.listdir(store)):
        if n.startswith("schema") and n.endswith(".c"):
            with open(os.path.join(store, n), "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def reusable(db):
    """Whether a cached database can be reused; one made by another schema
    is deleted (with its stamp) so the caller builds it afresh."""
    try:
        with open(db + ".schema") as f:
            if os.path.exists(db) and f.read().strip() == schema_stamp():
                return True
    except FileNotFoundError:
        pass
    fresh(db)
    fresh(db + ".schema")
    return False


def stamp(db):
    """Marks a database just built as made by the current schema."""
    with open(db + ".schema", "w") as f:
        f.write(schema_stamp() + "\n")


def fresh(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass
    return path


def tool_version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "unavailable"
