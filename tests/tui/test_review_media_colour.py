"""The media pane's colours in tmux, read back with capture-pane -e: true
colour on a terminal whose description has direct colour when $COLORTERM
says truecolor (the theme's colours given there as RGB), [media] colors
choosing 256 colours or none, a note when true colour cannot be had, and
shading only under NO_COLOR."""
import os
import struct
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402
from test_review_media import escapes, ffmpeg, png_chunk, rgb_cells, setup  # noqa: E402

# tmux-256color with direct colour (colour numbers from 8 up are 0xRRGGBB),
# as xterm-direct is for xterm; semicolons, as tmux reads them back
DIRECT = r"""assay-direct|tmux-256color with direct colour,
	colors#0x1000000, pairs#0x10000, RGB,
	setaf=\E[%?%p1%{8}%<%t3%p1%d%e38;2;%p1%{65536}%/%d;%p1%{256}%/%{255}%&%d;%p1%{255}%&%d%;m,
	setab=\E[%?%p1%{8}%<%t4%p1%d%e48;2;%p1%{65536}%/%d;%p1%{256}%/%{255}%&%d;%p1%{255}%&%d%;m,
	use=tmux-256color,
"""


def shown(cell):
    """The colour a picture's cell shows: the background of a blank, else
    its glyph's colour."""
    _, _, fg, bg, ch = cell
    return bg if ch == " " else fg


def terminfo(w):
    src = w.file("direct.src", DIRECT)
    d = os.path.join(w.path, "terminfo")
    subprocess.run(["tic", "-x", "-o", d, src], check=True)
    return d


def run(w, size, term, env=None):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path,
         "LANG": "C.UTF-8"}
    extra = [f"{k}={v}" for k, v in (env or {}).items()]
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', "env", *term, *extra, BIN,
           "--db", w.db, "review", "--order", "import"]
    return Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)


def picture(w):
    ffmpeg(os.path.join(w.path, "media", "odd.png"), "-f", "lavfi", "-i",
           "color=c=0xC81E1E:s=64x48", "-frames:v", "1")
    # white left, black right: what shading alone can show
    rows = b"".join(b"\0" + (b"\xff" * 3) * 32 + b"\0" * 3 * 32 for _ in range(48))
    w.file("media/halves.png", b"\x89PNG\r\n\x1a\n" + png_chunk(
        b"IHDR", struct.pack(">IIBBBBB", 64, 48, 8, 2, 0, 0, 0)) + png_chunk(
        b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""), "wb")


ODD = {"id": "o", "caption": "An odd red. ODD-CAPTION", "image": "media/odd.png"}
HALVES = {"id": "h", "caption": "White, black. HALVES-CAPTION", "image": "media/halves.png"}


def symbol(ch):
    """A blank, or one of the block, shade and braille symbols a picture is
    drawn with (never a letter of the text)."""
    return ch == " " or ord(ch) >= 0x2580


def pane(t, want, timeout=15.0):
    """The picture's cells (right of column 60: blanks with a colour, and
    block symbols), once `want(cells)` holds or at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        s = escapes(t)
        got = [c for c in rgb_cells(s) if c[1] >= 60 and 2 <= c[0] <= 30 and symbol(c[4])
               and (shown(c) is not None or c[4] != " ")]
        if want(got) or time.monotonic() > deadline:
            return s, got


def near(col, rgb, tol):
    return bool(col) and col[0] == "rgb" and all(abs(a - b) <= tol for a, b in zip(col[1:], rgb))


def test_true_colour_where_the_terminal_has_direct_colour_and_colorterm_says_so():
    with Workdir() as w:
        setup(w, [ODD, HALVES])
        picture(w)
        ti = terminfo(w)
        term = [f"TERMINFO={ti}", "TERM=assay-direct", "COLORTERM=truecolor"]
        with run(w, (160, 40), term) as t:
            t.wait_for("ODD-CAPTION")
            _, cells = pane(t, lambda g: sum(near(shown(c), (200, 30, 30), 4) for c in g) > 40)
            exact = [c for c in cells if near(shown(c), (200, 30, 30), 4)]
            check(len(exact) > 40, (len(exact), cells[:4]))
            # no palette colour in the picture: 0xC81E1E is none of them
            eq([c for c in cells if shown(c) and shown(c)[0] == "idx"], [])
            # the theme's footer (248 on 235) as the palette's RGB
            s = escapes(t)
            last = [c for c in rgb_cells(s) if c[0] == 39 and c[4] not in " "]
            check(any(c[2] == ("rgb", 168, 168, 168) and c[3] == ("rgb", 38, 38, 38)
                      for c in last), last[:6])
        # the same terminal without COLORTERM: 256 colours (the palette's
        # red nearest, drawn as its RGB)
        with run(w, (160, 40), [f"TERMINFO={ti}", "TERM=assay-direct"]) as t:
            t.wait_for("ODD-CAPTION")
            _, cells = pane(t, lambda g: len(g) > 40)
            reds = [shown(c) for c in cells if shown(c)]
            check(reds and all(c[0] == "rgb" and c[1] in (175, 215) and c[2] in (0, 95)
                               for c in reds), reds[:6])
        # NO_COLOR: shading only, no colour in the picture
        with run(w, (160, 40), term, env={"NO_COLOR": "1"}) as t:
            t.wait_for("ODD-CAPTION")
            t.keys("s")
            t.wait_for("HALVES-CAPTION")
            _, cells = pane(t, lambda g: len(g) > 20)
            check(len(cells) > 20, t.screen())
            eq([c for c in cells if c[2] or c[3]], [])


def test_media_colors_picks_256_or_none_and_says_when_true_colour_cannot_be():
    with Workdir() as w:
        setup(w, [ODD, HALVES], config="[media]\ncolors = 256\n")
        picture(w)
        ti = terminfo(w)
        term = [f"TERMINFO={ti}", "TERM=assay-direct", "COLORTERM=truecolor"]
        with run(w, (160, 40), term) as t:
            t.wait_for("ODD-CAPTION")
            _, cells = pane(t, lambda g: len(g) > 40)
            cols = [shown(c) for c in cells if shown(c)]
            check(cols and all(c[1] in (175, 215) for c in cols), cols[:6])
        w.file("assay/config", "[media]\ncolors = none\n")
        with run(w, (160, 40), term) as t:
            t.wait_for("ODD-CAPTION")
            t.keys("s")
            t.wait_for("HALVES-CAPTION")
            _, cells = pane(t, lambda g: len(g) > 20)
            check(len(cells) > 20, t.screen())
            eq([c for c in cells if c[2] or c[3]], [])
        # asked for, on a terminal without direct colour: a note, 256 colours
        w.file("assay/config", "[media]\ncolors = truecolor\n")
        with run(w, (160, 40), ["TERM=xterm-256color", "COLORTERM=truecolor"]) as t:
            t.wait_for("-CAPTION")
            contains(t.wait_for("true colour needs"), "direct colour")
            _, cells = pane(t, lambda g: len(g) > 40)
            cols = [shown(c) for c in cells if shown(c)]
            check(cols and all(c[0] == "idx" for c in cols), cols[:6])
        w.file("assay/config", "[media]\ncolors = sepia\n")
        with run(w, (160, 40), ["TERM=xterm-256color"]) as t:
            s = t.wait_for("media.colors")
            contains(s, "must be auto, 256, truecolor or none")


def test_the_theme_s_colours_are_drawn_on_a_256_colour_terminal():
    """The default theme's footer (248 on 235) in its colours: curses knows
    the terminal's colours only once start_color has run (before, every
    screen was drawn in attributes alone)."""
    with Workdir() as w:
        setup(w, [ODD])
        with run(w, (100, 30), ["TERM=xterm-256color"]) as t:
            t.wait_for("ODD-CAPTION")
            last = [c for c in rgb_cells(escapes(t)) if c[0] == 29 and c[4] not in " "]
            check(any(c[2] == ("idx", 248) and c[3] == ("idx", 235) for c in last), last[:6])
