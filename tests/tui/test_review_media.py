"""The review screen's media pane in tmux: the drawn cells' colours read
back with capture-pane -e (a red picture is red, a blue-then-green video
shows both in its strip), resize, zoom, the open and copy keys, and a
hostile corpus each shown as one line while deciding goes on."""
import json
import os
import re
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402

SGR = re.compile(r"\x1b\[([0-9;]*)m")


def ffmpeg(out, *args):
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args, "-bitexact", "-threads",
                    "1", out], check=True)


def rgb_cells(s):
    """Each character of the screen with (row, col, fg, bg, ch); a colour
    is ('rgb', r, g, b), ('idx', n) or None (the terminal's)."""
    out = []
    for row, line in enumerate(s.split("\n")):
        fg = bg = None
        col = pos = 0
        for m in SGR.finditer(line + "\x1b[m"):
            for ch in line[pos:m.start()]:
                out.append((row, col, fg, bg, ch))
                col += 1
            pos = m.end()
            codes = [int(c) if c else 0 for c in m.group(1).split(";")] if m.group(1) else [0]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    fg = bg = None
                elif c in (38, 48) and i + 1 < len(codes):
                    if codes[i + 1] == 2 and i + 4 < len(codes):
                        val, i = ("rgb", *codes[i + 2:i + 5]), i + 4
                    elif codes[i + 1] == 5 and i + 2 < len(codes):
                        val, i = ("idx", codes[i + 2]), i + 2
                    else:
                        val = None
                    if c == 38:
                        fg = val
                    else:
                        bg = val
                elif 30 <= c <= 37:
                    fg = ("idx", c - 30)
                elif 40 <= c <= 47:
                    bg = ("idx", c - 40)
                elif c == 39:
                    fg = None
                elif c == 49:
                    bg = None
                i += 1
    return out


def cells(s):
    """Each drawn character of the screen with its (row, column, fg, bg)
    palette indexes (None: the terminal's, or a true colour)."""
    def index(colour):
        return colour[1] if colour and colour[0] == "idx" else None
    return [(row, col, index(fg), index(bg), ch) for row, col, fg, bg, ch in rgb_cells(s)]


def hue(index):
    """'red', 'green', 'blue' or None for a 256-colour palette index."""
    if index is None or not 16 <= index <= 231:
        return None
    r, g, b = (index - 16) // 36, (index - 16) % 36 // 6, (index - 16) % 6
    for name, (x, y, z) in (("red", (r, g, b)), ("green", (g, r, b)), ("blue", (b, r, g))):
        if x >= 2 and y <= x - 2 and z <= x - 2:
            return name
    return None


def coloured(s, name):
    """The picture's cells drawn in that colour (as the background, or as
    the colour of a block symbol; letters in the theme's colours are text)."""
    return [(r, c) for r, c, fg, bg, ch in cells(s)
            if (ch == " " or ord(ch) >= 0x2580) and
            (hue(bg) == name or (ch != " " and hue(fg) == name))]


def setup(w, records, config=""):
    media = os.path.join(w.path, "media")
    os.makedirs(media, exist_ok=True)
    ffmpeg(os.path.join(media, "red.png"), "-f", "lavfi", "-i", "color=c=red:s=64x48",
           "-frames:v", "1")
    ffmpeg(os.path.join(media, "bg.mp4"), "-f", "lavfi", "-i", "color=c=blue:s=64x48:d=2:r=10",
           "-f", "lavfi", "-i", "color=c=green:s=64x48:d=2:r=10", "-filter_complex",
           "[0][1]concat=n=2:v=1", "-pix_fmt", "yuv420p", "-c:v", "libx264", "-g", "5")
    src = w.file("m.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    r = w.run("import", "--no-score", "--batch", "m", src)
    eq(r.code, 0, r)
    os.makedirs(os.path.join(w.path, "assay"), exist_ok=True)
    w.file("assay/config", config)


def screen(w, size, env=None):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path,
         "LANG": "C.UTF-8"}
    e.update(env or {})
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
           "--order", "import"]
    t = Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)
    if env and "ASSAY_OPENER" in env:
        subprocess.run(["tmux", "-L", t.sock, "set-environment", "-g", "ASSAY_OPENER",
                        env["ASSAY_OPENER"]], env=t.env)
    return t


def escapes(t):
    """The screen with its colours, trailing blanks kept (-N: a picture's
    cells are often coloured blanks at the end of a row)."""
    return subprocess.run(["tmux", "-L", t.sock, "capture-pane", "-p", "-e", "-N", "-t", "0"],
                          capture_output=True, text=True, env=t.env).stdout


def wait_colour(t, name, n=20, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        s = escapes(t)
        got = coloured(s, name)
        if len(got) >= n or time.monotonic() > deadline:
            return s, got
        time.sleep(0.1)


RED = {"id": "r", "caption": "A red square. RED-CAPTION", "image": "media/red.png"}
VIDEO = {"id": "v", "caption": "Blue, then green. VIDEO-CAPTION", "video": "media/bg.mp4"}


def test_a_red_picture_is_drawn_red_beside_the_text_and_above_it_when_narrow():
    with Workdir() as w:
        setup(w, [RED])
        with screen(w, (200, 50)) as t:
            t.wait_for("RED-CAPTION")
            s, red = wait_colour(t, "red", 40)
            check(len(red) >= 40, f"{len(red)} red cells\n{t.screen()}")
            caption_row = [i for i, ln in enumerate(t.screen().split("\n"))
                           if "RED-CAPTION" in ln][0]
            # wide: beside the text, right of its measure
            check(min(c for _, c in red) > 100, red[:5])
            contains(t.screen(), "red.png  png 64x48")
            # resized narrow: redrawn above the text
            t.resize(80, 30)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                s, red = wait_colour(t, "red", 20)
                rows = t.screen().split("\n")
                cap = [i for i, ln in enumerate(rows) if "RED-CAPTION" in ln]
                if red and cap and max(r for r, _ in red) < cap[0] and min(
                        c for _, c in red) < 60:
                    break
                time.sleep(0.2)
            check(red and cap and max(r for r, _ in red) < cap[0], t.screen())
            check(caption_row >= 0)


def test_a_blue_then_green_video_shows_both_in_its_strip():
    with Workdir() as w:
        setup(w, [VIDEO])
        with screen(w, (120, 40)) as t:
            t.wait_for("VIDEO-CAPTION")
            s, blue = wait_colour(t, "blue", 10)
            green = coloured(s, "green")
            check(blue and green, t.screen())
            # blue frames first, green ones after them, left to right
            check(max(c for _, c in blue) < min(c for _, c in green), (blue[-3:], green[:3]))
            scr = t.screen()
            contains(scr, "bg.mp4  h264 64x48  4.0 s")
            contains(scr, "0.50 s")
            contains(scr, "3.50 s")
            # ] steps to finer frames
            t.keys("]")
            t.wait_for("strip 2-5 of 16")


def test_z_zooms_the_picture_to_the_whole_screen_and_back():
    with Workdir() as w:
        setup(w, [RED])
        with screen(w, (100, 30)) as t:
            t.wait_for("RED-CAPTION")
            _, small = wait_colour(t, "red", 20)
            t.keys("z")
            t.wait_gone("RED-CAPTION")
            _, big = wait_colour(t, "red", len(small) * 2)
            check(len(big) > len(small) * 2, (len(small), len(big)))
            t.keys("z")
            t.wait_for("RED-CAPTION")
            t.keys("m")
            t.wait_for("media pane hidden")
            time.sleep(0.3)
            eq(coloured(escapes(t), "red"), [])
            t.keys("m")
            wait_colour(t, "red", 20)


def test_o_opens_the_original_with_the_opener_and_y_copies_its_path():
    with Workdir() as w:
        setup(w, [RED])
        opened = os.path.join(w.path, "opened")
        stub = w.file("opener.sh", f'#!/bin/sh\nprintf "%s\\n" "$@" > "{opened}.tmp"\n'
                                   f'mv "{opened}.tmp" "{opened}"\n')
        os.chmod(stub, 0o755)
        with screen(w, (100, 30), env={"ASSAY_OPENER": stub}) as t:
            subprocess.run(["tmux", "-L", t.sock, "set", "-g", "set-clipboard", "on"],
                           env=t.env)
            t.wait_for("RED-CAPTION")
            t.keys("o")
            t.wait_for("opened with")
            deadline = time.monotonic() + 10
            while not os.path.exists(opened) and time.monotonic() < deadline:
                time.sleep(0.1)
            eq(open(opened).read(), os.path.realpath(os.path.join(w.path, "media/red.png")) + "\n")
            t.keys("y")
            t.wait_for("by OSC 52")
            buf = subprocess.run(["tmux", "-L", t.sock, "show-buffer"], capture_output=True,
                                 text=True, env=t.env).stdout
            eq(buf, os.path.realpath(os.path.join(w.path, "media/red.png")))
        with screen(w, (100, 30), env={"ASSAY_OPENER": os.path.join(w.path, "none")}) as t:
            t.wait_for("RED-CAPTION")
            t.keys("o")
            t.wait_for("cannot open it: ")


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xffffffff)


def put32(b, at, v):
    b[at:at + 4] = struct.pack(">I", v)


def billion(m):
    """Two MP4s of a real second of video that claim 10^9 frames: in their
    sample sizes and times both (billion.mp4: refused), and in the time
    table only (claims.mp4: the claim shown, the strip decoded)."""
    ffmpeg(os.path.join(m, "small.mp4"), "-f", "lavfi", "-i", "color=c=red:s=32x32:r=10:d=1",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
    good = open(os.path.join(m, "small.mp4"), "rb").read()
    b = bytearray(good)
    stsz, stts = b.find(b"stsz") - 4, b.find(b"stts") - 4
    check(stsz > 0 and stts > 0)
    put32(b, stsz + 12, 512)
    put32(b, stsz + 16, 10**9)
    put32(b, stts + 12, 1)
    put32(b, stts + 16, 10**9)
    put32(b, stts + 20, 512)
    open(os.path.join(m, "billion.mp4"), "wb").write(bytes(b))
    b = bytearray(good)
    put32(b, stts + 16, 10**9)
    open(os.path.join(m, "claims.mp4"), "wb").write(bytes(b))


def hostile(w, url):
    m = os.path.join(w.path, "media")
    good = open(os.path.join(m, "red.png"), "rb").read()
    w.file("media/trunc.png", good[:len(good) // 2], "wb")
    ffmpeg(os.path.join(m, "full.jpg"), "-f", "lavfi", "-i", "color=c=red:s=64x48",
           "-frames:v", "1")
    jpg = open(os.path.join(m, "full.jpg"), "rb").read()
    w.file("media/trunc.jpg", jpg[:len(jpg) // 3], "wb")
    huge = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000,
                                                                   8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + png_chunk(b"IEND", b""))
    w.file("media/huge.png", huge, "wb")
    w.file("media/text.png", "this is not a picture\n" * 20)
    os.mkfifo(os.path.join(m, "fifo.png"))
    os.symlink("loop2.png", os.path.join(m, "loop1.png"))
    os.symlink("loop1.png", os.path.join(m, "loop2.png"))
    os.symlink("/etc/passwd", os.path.join(m, "passwd.png"))
    billion(m)
    names = ["trunc.png", "trunc.jpg", "huge.png", "text.png", "fifo.png", "loop1.png",
             "passwd.png", "billion.mp4", "claims.mp4"]
    recs = [{"id": f"h{i}", "caption": f"Hostile {n} HOSTILE-{i}", "image": f"media/{n}"}
            for i, n in enumerate(names)]
    recs.append({"id": "h9", "caption": "Endless HOSTILE-9",
                 "image": url + "/gen?bytes=1000000000&chunked=1&chunk=64&drip=200"})
    return recs


def test_a_hostile_corpus_shows_one_line_each_and_deciding_goes_on():
    from httpd import TestServer
    with Workdir() as w, TestServer(root=None) as srv:
        setup(w, [RED])
        recs = hostile(w, srv.url)
        r = w.run("import", "--no-score", "--batch", "h",
                  w.file("h.jsonl", "\n".join(json.dumps(x) for x in recs) + "\n"))
        eq(r.code, 0, r)
        w.file("assay/config", "[media]\ntimeout_ms = 3000\nfetch_timeout_ms = 1500\n")
        eq(w.run("decide", "r", "accept").code, 0)
        with screen(w, (120, 30)) as t:
            for i, name in enumerate(["trunc.png", "trunc.jpg", "huge.png", "text.png",
                                      "fifo.png", "loop1.png", "passwd.png", "billion.mp4",
                                      "claims.mp4", "gen"]):
                t.wait_for(f"HOSTILE-{i}")
                if name == "claims.mp4":  # the claim shown, the strip decoded
                    contains(t.wait_for("strip 1-4 of 4", timeout=20), "1000000000 frames")
                    t.keys("a")
                    continue
                s = t.wait_for(f"cannot show {name}: ", timeout=20)
                line = [ln for ln in s.split("\n") if f"cannot show {name}: " in ln][0]
                check(len(line.strip()) < 120, line)
                if name == "passwd.png":
                    contains(line, "outside the media root")
                t.keys("a")
            t.wait_for("Nothing left to review here")
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(w.sql("SELECT count(*) FROM decisions WHERE verdict = 'accepted'"), [(11,)])
        contains(s, "cannot show gen: ")


def test_a_sample_without_media_shows_no_pane_and_the_keys_say_so():
    with Workdir() as w:
        setup(w, [{"id": "p", "caption": "Only words. PLAIN"}])
        with screen(w, (100, 30)) as t:
            t.wait_for("PLAIN")
            t.keys("z")
            t.wait_for("this sample names no media")
            t.keys("o")
            t.wait_for("this sample names no media")


def test_the_help_lists_the_media_keys_on_a_second_page_at_80x24():
    with Workdir() as w:
        setup(w, [RED])
        with screen(w, (80, 24)) as t:
            t.wait_for("RED-CAPTION")
            t.keys("?")
            s = t.wait_for("(Space: more keys)")
            flat = re.sub(r"[\s\u2502]+", " ", s)
            contains(flat, "word diff of an edit")
            contains(flat, "show or hide the media pane")
            t.keys("Space")
            s = t.wait_for("copy the media's path")
            contains(s, "quit (Ctrl-C too)")
            contains(s, "press any key to close")
            t.keys("x")
            t.wait_gone("press any key")
            t.wait_for("RED-CAPTION")


def sanitized_build():
    out = subprocess.run(["meson", "introspect", "--buildoptions",
                          os.environ.get("ASSAY_BUILD", "")], capture_output=True, text=True).stdout
    try:
        opts = {o["name"]: o["value"] for o in json.loads(out)}
    except ValueError:
        return False
    return opts.get("b_sanitize", "none") != "none"


def test_a_media_session_under_valgrind():
    """No invalid access and no leak in the screen through the media keys,
    a failed decode and moving on (the plain build; the decoder children
    are left out: they end by _exit)."""
    if sanitized_build():
        return
    with Workdir() as w:
        setup(w, [RED, VIDEO, {"id": "x", "caption": "Broken XBROKEN", "image": "media/no.png"}],
              config="[media]\ntimeout_ms = 120000\n")
        stub = w.file("opener.sh", "#!/bin/sh\nexit 0\n")
        os.chmod(stub, 0o755)
        log = os.path.join(w.path, "vg.log")
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s',
               "valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
               "--show-leak-kinds=definite", "--error-exitcode=99", "--child-silent-after-fork=yes",
               f"--log-file={log}", BIN, "--db", w.db, "review", "--order", "import"]
        e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path,
             "LANG": "C.UTF-8", "ASSAY_OPENER": stub}
        with Tmux(cmd, width=120, height=40, env=e, cwd=w.path) as t:
            t.wait_for("RED-CAPTION", timeout=60)
            t.wait_for("red.png  png 64x48", timeout=60)
            for k in ("z", "z", "m", "m", "o", "y"):
                t.keys(k)
                time.sleep(0.3)
            t.keys("a")
            t.wait_for("strip 1-4 of 4", timeout=60)
            t.keys("]")
            t.wait_for("strip 2-5 of 16", timeout=60)
            t.keys("[", "a")
            t.wait_for("cannot show no.png: no such file", timeout=60)
            t.keys("a")
            t.wait_for("Nothing left to review here", timeout=60)
            t.keys("q")
            eq(t.wait_exit(timeout=60), 0)
        text = open(log).read()
        contains(text, "ERROR SUMMARY: 0 errors")
        check("definitely lost: 0 bytes" in text or "definitely lost" not in text, text[-3000:])


def conflict(w):
    for who, verdict in (("ann", ["accept"]), ("bob", ["reject", "--reason", "factual error"])):
        r = w.run("decide", "--annotator", who, "r", *verdict)
        eq(r.code, 0, r)


def test_the_conflicts_screen_shows_the_same_pane():
    with Workdir() as w:
        setup(w, [RED])
        conflict(w)
        e = {"ASSAY_ANNOTATOR": "lead", "HOME": w.path, "XDG_CONFIG_HOME": w.path,
             "LANG": "C.UTF-8"}
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
               "--conflicts"]
        with Tmux(cmd, width=100, height=30, env=e, cwd=w.path) as t:
            t.wait_for("2 verdicts")
            _, red = wait_colour(t, "red", 20)
            check(len(red) >= 20, t.screen())
            rows = t.screen().split("\n")
            cap = [i for i, ln in enumerate(rows) if "RED-CAPTION" in ln]
            check(cap and max(r for r, _ in red) < cap[0], t.screen())
            t.keys("z")
            t.wait_gone("RED-CAPTION")
            t.keys("z", "m")
            t.wait_for("media pane hidden")
            t.keys("a")
            t.wait_for("No conflicting sample left")


def test_the_audit_drill_down_shows_the_same_pane():
    with Workdir() as w:
        setup(w, [RED])
        conflict(w)
        e = {"ASSAY_ANNOTATOR": "lead", "HOME": w.path, "XDG_CONFIG_HOME": w.path,
             "LANG": "C.UTF-8"}
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "audit"]
        with Tmux(cmd, width=120, height=40, env=e, cwd=w.path) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("Down")
            t.wait_for("bob: 1 of 1")
            t.keys("Enter")
            t.wait_for("rejected: factual error")
            _, red = wait_colour(t, "red", 20)
            check(len(red) >= 20, t.screen())
            t.keys("z")
            t.wait_gone("RED-CAPTION")


def test_a_url_is_downloaded_and_decoded_ahead_while_the_sample_before_it_is_shown():
    from httpd import TestServer
    with Workdir() as w:
        served = os.path.join(w.path, "served")
        os.makedirs(served)
        ffmpeg(os.path.join(served, "green.png"), "-f", "lavfi", "-i",
               "color=c=green:s=64x48", "-frames:v", "1")
        with TestServer(root=served) as srv:
            url = srv.url + "/green.png?ctype=image/png&drip=100&chunk=256"
            setup(w, [RED, {"id": "g", "caption": "A green one. GREEN-CAPTION",
                            "image_url": url}])
            with screen(w, (120, 40), env={"XDG_CACHE_HOME": os.path.join(w.path, "c")}) as t:
                t.wait_for("RED-CAPTION")
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and not any(
                        r["path"].startswith("/green.png") for r in srv.requests):
                    time.sleep(0.1)
                # asked for while the red one is on screen, before any key
                check("RED-CAPTION" in t.screen(), t.screen())
                eq(len([r for r in srv.requests if r["path"].startswith("/green.png")]), 1)
                time.sleep(1.0)
                t.keys("a")
                t.wait_for("GREEN-CAPTION")
                _, green = wait_colour(t, "green", 20)
                check(len(green) >= 20, t.screen())
                # downloaded once: the screen took the download on, or the cache
                eq(len([r for r in srv.requests if r["path"].startswith("/green.png")]), 1)
