"""The review screen under valgrind: a session using the main keys must end
with no invalid access and no leak (ncurses' own still-reachable memory is
not counted). Runs in the plain build; an ASan build cannot run valgrind."""
import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402

SERIAL = True


def sanitized_build():
    build = os.environ.get("ASSAY_BUILD", "")
    out = subprocess.run(["meson", "introspect", "--buildoptions", build],
                         capture_output=True, text=True).stdout
    try:
        opts = {o["name"]: o["value"] for o in json.loads(out)}
    except ValueError:
        return False
    return opts.get("b_sanitize", "none") != "none"


def test_review_session_has_no_leaks_or_invalid_accesses():
    if sanitized_build():
        return  # valgrind and AddressSanitizer do not mix; the plain build runs this
    check(shutil.which("valgrind"), "valgrind is not installed (the test set-up installs it)")
    with Workdir() as w:
        recs = [json.dumps({"id": f"s{i}", "caption": f"Sample {i}: a heron \x1b[31m in water.",
                            "meta": {"source": "https://example.org/" + "x" * 300}})
                for i in range(5)]
        eq(w.run("import", "--batch", "b", w.file("s.jsonl", "\n".join(recs))).code, 0)
        log = os.path.join(w.path, "vg-%p.log")
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s',
               "valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
               "--show-leak-kinds=definite", "--error-exitcode=99", f"--log-file={log}",
               BIN, "--db", w.db, "review", "--order", "import"]
        with Tmux(cmd, width=90, height=28, env={"ASSAY_ANNOTATOR": "vg", "HOME": w.path,
                                                 "XDG_CONFIG_HOME": w.path}) as t:
            t.wait_for("s0  (b)", timeout=60)
            t.keys("a")
            t.wait_for("s1  (b)", timeout=30)
            t.keys("r")
            t.wait_for("reject: why?", timeout=30)
            t.keys("1")
            t.wait_for("s2  (b)", timeout=30)
            t.keys("e")
            t.wait_for("Ctrl-S save", timeout=30)
            t.keys("F1")  # the editor's keys
            t.wait_for("editor keys", timeout=30)
            t.keys("x")
            t.wait_gone("editor keys", timeout=30)
            t.keys(" (edited)", literal=True)
            t.keys("M-d")
            t.keys("C-s")
            t.wait_for("edit saved", timeout=30)
            t.keys("d")
            t.keys("n")
            t.wait_for("note:", timeout=30)
            t.keys("a note", literal=True)
            t.keys("Enter")
            t.wait_for("note added", timeout=30)
            t.keys("?")
            t.wait_for("press any key", timeout=30)
            t.keys("x")
            t.keys("u")
            t.wait_for("undone", timeout=30)
            t.keys("/")
            t.keys("heron", literal=True)
            t.keys("Enter")
            t.wait_for("found", timeout=30)
            t.keys("N")  # again, and round the end of the queue
            t.keys("i")  # every field in full, scrolled
            t.wait_for("in full", timeout=30)
            t.keys("End")
            t.keys("q")
            t.resize(200, 60)  # the panes beside the text
            t.wait_for("meta.source", timeout=30)
            t.keys("q")
            t.wait_for("reviewed", timeout=60)
            eq(t.wait_exit(timeout=60), 0)
        logs = glob.glob(os.path.join(w.path, "vg-*.log"))
        check(logs, "valgrind wrote no log")
        text = "".join(open(p).read() for p in logs)
        contains(text, "ERROR SUMMARY: 0 errors")
        check("definitely lost: 0 bytes" in text or "definitely lost" not in text, text[-3000:])
