"""The database's side files (-wal, -shm, -journal) as assay finds them
beside --db: a symbolic link there is refused by name, before SQLite opens
anything, and what it points to is left as it was."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, contains, eq  # noqa: E402


def test_a_side_file_that_is_a_symbolic_link_is_refused_by_name():
    """A -wal, -shm or -journal that is a symbolic link to a regular file (or
    to nothing) is refused with a message naming it (exit 2) for info, stats
    and import; the file it names is unchanged and the database still opens
    once the link is gone. Before, a link to a regular file passed the check
    and SQLite failed with a vague message."""
    with Workdir() as w:
        eq(w.run("import", "--no-score", w.file("a.jsonl", '{"text": "a heron"}\n')).code, 0)
        target = w.file("elsewhere.bin", "precious bytes\n")
        for suffix in ("-wal", "-shm", "-journal"):
            for to in (target, os.path.join(w.path, "missing")):
                os.symlink(to, w.db + suffix)
                for args in (["info"], ["stats"], ["import", "--no-score", "a.jsonl"]):
                    r = w.run(*args, timeout=10)
                    eq(r.code, 2, (suffix, to, args, r))
                    contains(r.err, f"assay.db: its {suffix} file is a symbolic link")
                with open(target) as f:
                    eq(f.read(), "precious bytes\n")
                eq(os.path.exists(os.path.join(w.path, "missing")), False)
                os.unlink(w.db + suffix)
        r = w.run("info")
        eq(r.code, 0, r)
        contains(r.out, "samples   1 ")
