"""The one event loop: work of the screen below (the LLM's answer, the
lease) goes on while a dialog or the editor is open on top of it."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workdir, check, contains  # noqa: E402
from test_review import lease_left_ms, screen, setup  # noqa: E402


def test_a_suggestion_completes_while_the_reason_picker_or_the_editor_is_open():
    from httpd import TestServer
    with Workdir() as w, TestServer() as srv:
        srv.judge = lambda user_text, request: "A grey heron stands on a rock."
        setup(w, texts=["A grey heron stand in water.", "Second sample."])
        # a request left unread past its 6 s times out: the answer (after
        # 0.5 s) only arrives if the loop reads it while the dialog is open
        # (5.5 s to read it: room for a busy machine)
        w.file("assay.conf", "[score.llm-judge]\nendpoint = %s/v1/chat/completions?delay=500\n"
               "model = tiny\ntimeout = 6\nretries = 0\n" % srv.url)
        with screen(w, env={"ASSAY_API_KEY": "k"}) as t:
            t.wait_for("s0  (b)")
            for key, shown, close in (("r", "reject: why?", "Escape"),
                                      ("e", "Ctrl-S save", "Escape")):
                t.keys("S")
                t.wait_for("[asking...]")
                t.keys(key)
                t.wait_for(shown)
                if key == "r":  # the header shows beside the picker
                    s = t.wait_for("[suggestion: Enter/x]")
                    contains(s, "reject: why?")
                # open past the timeout: an answer not read by now never is
                time.sleep(7)
                t.keys(close)
                s = t.wait_for("[suggestion: Enter/x]")
                contains(s, "on a rock.")
                t.keys("x")
                t.wait_for("suggestion discarded")
            t.keys("q")
            t.wait_exit()


def test_the_lease_is_renewed_while_the_help_overlay_stays_open():
    with Workdir() as w:
        setup(w, n=2)
        with screen(w, annotator="ann", env={"ASSAY_LEASE_MS": "1500"}) as t:
            t.wait_for("s0  (b)")
            t.keys("?")
            t.wait_for("press any key to close")
            for _ in range(3):  # three lease times, no key pressed
                time.sleep(1.5)
                left = lease_left_ms(w, "s0")
                check(left is not None and left > 0, left)
            t.keys("x")
            t.wait_gone("press any key to close")
            t.keys("q")
            t.wait_exit()
