"""`assay report --html`: one self-contained file, rendered by a real browser."""
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, contains, eq  # noqa: E402
from test_stats import build  # noqa: E402


def fixture(w):
    d = [(0, "ann", "accepted", None, 4000, 0), (1, "ann", "rejected", "hallucination", 6000, 0),
         (2, "bob", "edited", None, 9000, 1), (3, "bob", "rejected", "<script>x</script>", 2000, 2),
         (2, "ann", "rejected", "repetition", 3000, 2), (4, "eve", "accepted", None, 5000, 3)]
    sc = [(i, "repetition", v, f) for i, (v, f) in enumerate(
        [(0.9, 0), (0.2, 1), (0.5, 0), (0.1, 1), (0.8, 0)])]
    build(w, d, models=["m1", "m2", "m1", "m2", "m1"], scores=sc)


def test_report_is_self_contained_and_escaped():
    with Workdir() as w:
        fixture(w)
        out = os.path.join(w.path, "audit.html")
        r = w.run("report", "--html", out)
        eq(r.code, 0, r)
        html = open(out, encoding="utf-8").read()
        check(html.startswith("<!DOCTYPE html>"))
        for bad in ("<script", "src=", "href=", "url(", "@import", "http://", "https://"):
            check(bad not in html.lower(), f"report references {bad!r}")
        contains(html, "&lt;script&gt;x&lt;/script&gt;")  # a hostile reason, escaped
        for title in ("by annotator", "by reason", "by batch", "by model",
                      "Decisions and rejection rate per day", "Agreement between annotators",
                      "Scorers against the human verdict"):
            contains(html, title)
        eq(len(re.findall("<svg", html)) >= 6, True)
        r = w.run("report")
        eq(r.code, 2)
        contains(r.err, "--html FILE")



def test_report_never_overwrites_the_database():
    """report --html onto the database, a link to it or its -wal is
    refused (exit 2) and the database is unchanged."""
    with Workdir() as w:
        fixture(w)
        before = w.dump()
        os.symlink(w.db, os.path.join(w.path, "audit.html"))
        for d in (w.db, "audit.html", w.db + "-wal", w.db + "-journal"):
            r = w.run("report", "--html", d)
            eq(r.code, 2, (d, r))
            contains(r.err, "refusing to write there")
        eq(w.dump(), before)
        eq(w.sql("PRAGMA integrity_check"), [("ok",)])
        check(os.path.islink(os.path.join(w.path, "audit.html")))


def png_is_not_blank(path):
    """Decodes an 8-bit RGB(A) PNG and checks it has real content: many
    distinct colours, not just a background."""
    data = open(path, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    pos, idat, w, h, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            check(depth == 8, "unexpected bit depth")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = 4 if ctype == 6 else 3
    stride = w * bpp + 1
    colours = set()
    prev = bytearray(w * bpp)
    for y in range(h):
        f = raw[y * stride]
        line = bytearray(raw[y * stride + 1:(y + 1) * stride])
        for i in range(len(line)):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:
            for x in range(0, w, 4):
                colours.add(bytes(line[x * bpp:x * bpp + 3]))
        prev = line
    return w, h, len(colours)


def test_report_renders_in_headless_chromium():
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    check(browser, "chromium is not installed (the test set-up installs Debian's chromium)")
    with Workdir() as w:
        fixture(w)
        out = os.path.join(w.path, "audit.html")
        eq(w.run("report", "--html", out).code, 0)
        shot = os.path.join(w.path, "shot.png")
        profile = os.path.join(w.path, "profile")
        p = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-quic", "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync",
                            f"--user-data-dir={profile}", "--window-size=1200,1600",
                            f"--screenshot={shot}", "file://" + out],
                           capture_output=True, text=True, timeout=120)
        check(os.path.exists(shot), p.stderr[-2000:])
        width, height, colours = png_is_not_blank(shot)
        eq((width, height), (1200, 1600))
        check(colours > 20, f"screenshot looks blank ({colours} colours)")


def test_report_where_reports_the_slice_and_prints_the_filter():
    with Workdir() as w:
        fixture(w)
        r = w.run("report", "--html", "-", "--where", "meta.model=m2 and not edited")
        eq(r.code, 0, r)
        html = r.out
        # the canonical spelling at the top, before any figure
        at = html.index("<p class='slice'>Only the samples where <code>"
                        "meta.model = &quot;m2&quot; and not edited</code>")
        check(at < html.index("<div class='grid'>"))
        # s1 (ann: hallucination) and s3 (bob: the hostile reason): 2 decisions, both rejected
        contains(html, "<div class='big'>2</div>decisions")
        contains(html, "<div class='big'>100.0%</div>rejected")
        check(">eve<" not in html and ">ann<" in html)
        r = w.run("report", "--html", "-", "--where", 'reason = "<b>"')
        eq(r.code, 0, r)
        contains(r.out, "<code>reason = &quot;&lt;b&gt;&quot;</code>")
        contains(r.out, "<div class='big'>0</div>decisions")
        full = w.run("report", "--html", "-")
        check("class='slice'" not in full.out)
        r = w.run("report", "--html", "-", "--where", "verdict = maybe")
        eq(r.code, 2, r)
        contains(r.err, "assay: --where: column 11: ")


def rows_of(html, heading):
    """The rows (cells as text) of the first table after heading."""
    at = html.index(heading)
    table = html[html.index("<table>", at):html.index("</table>", at)]
    return [[re.sub("<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
            for r in re.findall(r"<tr>(.*?)</tr>", table) if "<td" in r]


def test_report_lists_the_samples_behind_the_figures_of_the_slice():
    with Workdir() as w:
        d = [(0, "ann", "accepted", None, 1000, 0), (0, "bob", "rejected", "blurry", 1000, 1),
             (1, "ann", "rejected", "blurry", 1000, 0), (2, "ann", "rejected", "blurry", 1000, 1),
             (3, "ann", "rejected", "blurry", 1000, 2), (4, "ann", "rejected", "blurry", 1000, 3),
             (5, "bob", "rejected", "off <topic>", 1000, 0),
             (6, "auto:learned@1", "rejected", "blurry", 1000, 4),
             (7, "auto:learned@1", "rejected", "blurry", 1000, 4),
             (8, "auto:learned@1", "accepted", None, 1000, 4),
             (9, "autox", "rejected", "blurry", 1000, 4)]
        sc = [(6, "learned", 0.3, 1), (7, "learned", 0.05, 1), (8, "learned", 0.99, 0)]
        build(w, d, models=["m1"] * 5 + ["m2"] * 5, scores=sc)
        r = w.run("report", "--html", "-")
        eq(r.code, 0, r)
        # conflicts with both verdicts and the sample's text
        eq(rows_of(r.out, "<h3>Conflicts"),
           [["s0", "ann=accepted, bob=rejected", "yes", "caption number 0 of the set"]])
        # the newest three of each reason, with the sample and the reason
        ex = rows_of(r.out, "Rejections by reason: examples")
        eq([(x[0], x[1], x[2]) for x in ex],
           [("blurry", "s9", "autox"), ("blurry", "s7", "auto:learned@1"),
            ("blurry", "s6", "auto:learned@1"), ("off &lt;topic&gt;", "s5", "bob")])
        eq(ex[0][3], "caption number 9 of the set")
        # auto: annotators only (not autox), the surest first: 0.99 and 0.05 before 0.3
        au = rows_of(r.out, "The surest automatic decisions")
        eq([(x[0], x[2], x[3]) for x in au],
           [("s8", "accepted", "0.010"), ("s7", "rejected: blurry", "0.950"),
            ("s6", "rejected: blurry", "0.700")])
        # every list of the slice alone
        r = w.run("report", "--html", "-", "--where", 'meta.model = "m1"')
        eq(r.code, 0, r)
        eq(rows_of(r.out, "<h3>Conflicts")[0][0], "s0")
        eq([x[1] for x in rows_of(r.out, "Rejections by reason: examples")], ["s4", "s3", "s2"])
        check("The surest automatic decisions" not in r.out)
        r = w.run("report", "--html", "-", "--where", "not conflict")
        check("<h3>Conflicts" not in r.out)


def test_report_conflicts_show_the_start_of_the_text_escaped():
    with Workdir() as w:
        d = [(i, a, v, "blurry" if v == "rejected" else None, 1000, 0)
             for i in range(52) for a, v in (("ann", "accepted"), ("bob", "rejected"))]
        build(w, d)
        import sqlite3
        con = sqlite3.connect(w.db)
        con.execute("UPDATE samples SET stored_text = ?, text_len = NULL WHERE ext_id = 's0'",
                    ("<b>" + "\u00e9" * 300 + "</b>",))
        con.commit()
        con.close()
        r = w.run("report", "--html", "-")
        eq(r.code, 0, r)
        contains(r.out, "<h3>Conflicts (the first 50 of 52)</h3>")
        rows = rows_of(r.out, "<h3>Conflicts")
        eq(len(rows), 50)
        # 240 characters: the escaped tag (3) and 237 of the letters, never a cut character
        eq(rows[0][3], "&lt;b&gt;" + "\u00e9" * 237)
        check("<b>" not in r.out)
